/**
 * Topic and group administration over the HTTP edge: create, delete, list,
 * describe and alter topics; list and describe consumer groups and reset a
 * group's committed offsets (only while the group has no members).
 *
 * @module
 */
import type { HttpClient } from "./http.ts";
import {
  type ConfigInput,
  type GroupDescriptionResponse,
  GroupDescriptionSchema,
  GroupListSchema,
  type GroupSummary,
  type OffsetCommit,
  type TopicDescription,
  TopicDescriptionSchema,
  TopicListSchema,
  type TopicSummary,
  WeirError,
} from "./protocol/mod.ts";

/** Options of {@linkcode Admin.createTopic}. */
export interface CreateTopicOptions {
  /** Topic name: `[a-zA-Z0-9._-]{1,249}`, not `.` or `..`. */
  name: string;
  /** Partition count (default 1). */
  partitions?: number;
  /** Replication factor (default 1). */
  replicationFactor?: number;
  /** Kafka topic configs, numbers or Kafka-style strings. */
  configs?: Record<string, ConfigInput>;
}

/** Options of {@linkcode Admin.resetGroupOffsets}. */
export interface ResetGroupOffsetsOptions {
  /** The group (it must have no members). */
  groupId: string;
  /** The topic whose offsets are reset. */
  topic: string;
  /** The log start (`"earliest"`), the high watermark (`"latest"`) or an offset. */
  to: "earliest" | "latest" | number;
  /** Only these partitions (default: all of the topic). */
  partitions?: readonly number[];
}

/** Per-call options of admin calls. */
export interface AdminCallOptions {
  /** Aborts the call. */
  signal?: AbortSignal;
}

function groupPath(groupId: string): string {
  return `/v1/groups/${encodeURIComponent(groupId)}`;
}

function topicPath(name: string): string {
  return `/v1/topics/${encodeURIComponent(name)}`;
}

function callOptions(options: AdminCallOptions): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal };
}

/**
 * Topic and group administration (`weir.admin`). Every method throws
 * {@linkcode WeirError} by code.
 */
export class Admin {
  readonly #http: HttpClient;

  /**
   * Creates the admin facade over a client (use `weir.admin`).
   *
   * @param http The connection's HTTP client.
   */
  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Creates a topic.
   *
   * @param topic Name, partitions, replication factor, configs.
   * @param options Per-call signal.
   * @returns The new topic's description.
   * @throws {WeirError} `TOPIC_ALREADY_EXISTS`, `INVALID_TOPIC_EXCEPTION`, `INVALID_PARTITIONS`,
   *   `INVALID_REPLICATION_FACTOR`, `INVALID_CONFIG`.
   */
  createTopic(
    topic: CreateTopicOptions,
    options: AdminCallOptions = {},
  ): Promise<TopicDescription> {
    return this.#http.json("/v1/topics", TopicDescriptionSchema, {
      method: "POST",
      json: topic,
      ...callOptions(options),
    });
  }

  /**
   * Deletes a topic and its data.
   *
   * @param name Topic name.
   * @param options Per-call signal.
   * @throws {WeirError} `UNKNOWN_TOPIC_OR_PARTITION`.
   */
  async deleteTopic(name: string, options: AdminCallOptions = {}): Promise<void> {
    const response = await this.#http.request(topicPath(name), {
      method: "DELETE",
      ...callOptions(options),
    });
    await response.body?.cancel();
  }

  /**
   * Lists topics.
   *
   * @param options Per-call signal.
   * @returns `{ name, partitions, replicationFactor }` per topic (`partitions` is the count).
   */
  async listTopics(options: AdminCallOptions = {}): Promise<TopicSummary[]> {
    return (await this.#http.json("/v1/topics", TopicListSchema, callOptions(options))).topics;
  }

  /**
   * Describes a topic: configs and per-partition leader, replicas, ISR, offsets.
   *
   * @param name Topic name.
   * @param options Per-call signal.
   * @returns The description.
   * @throws {WeirError} `UNKNOWN_TOPIC_OR_PARTITION`.
   */
  describeTopic(name: string, options: AdminCallOptions = {}): Promise<TopicDescription> {
    return this.#http.json(topicPath(name), TopicDescriptionSchema, callOptions(options));
  }

  /**
   * Changes some configs of a topic (others keep their values).
   *
   * @param name Topic name.
   * @param configs Config name → value.
   * @param options Per-call signal.
   * @returns The updated description.
   * @throws {WeirError} `UNKNOWN_TOPIC_OR_PARTITION`, `INVALID_CONFIG`.
   */
  alterTopicConfigs(
    name: string,
    configs: Record<string, ConfigInput>,
    options: AdminCallOptions = {},
  ): Promise<TopicDescription> {
    return this.#http.json(`${topicPath(name)}/configs`, TopicDescriptionSchema, {
      method: "PATCH",
      json: { configs },
      ...callOptions(options),
    });
  }

  /**
   * Lists consumer groups.
   *
   * @param options Per-call signal.
   * @returns `{ groupId, state, members }` per group (`members` is the count).
   */
  async listGroups(options: AdminCallOptions = {}): Promise<GroupSummary[]> {
    return (await this.#http.json("/v1/groups", GroupListSchema, callOptions(options))).groups;
  }

  /**
   * Describes a consumer group: state, epoch, members with their
   * assignment, committed offsets with lag.
   *
   * @param groupId The group.
   * @param options Per-call signal.
   * @returns The description.
   * @throws {WeirError} `GROUP_ID_NOT_FOUND` / `NOT_FOUND` as the broker answers; `INVALID_GROUP_ID`.
   */
  describeGroup(
    groupId: string,
    options: AdminCallOptions = {},
  ): Promise<GroupDescriptionResponse> {
    return this.#http.json(groupPath(groupId), GroupDescriptionSchema, callOptions(options));
  }

  /**
   * Sets a group's committed offsets of one topic to the earliest or latest
   * offset of each partition, or to a given offset. Allowed only while the
   * group has no members (the commit is sent without a member id).
   *
   * @param reset Group, topic, target and optional partitions.
   * @param options Per-call signal.
   * @returns The offsets committed.
   * @throws {WeirError} `REBALANCE_IN_PROGRESS` while the group has members;
   *   `UNKNOWN_TOPIC_OR_PARTITION` for a topic or partition that does not exist;
   *   `INVALID_REQUEST` for a negative or non-integer offset.
   */
  async resetGroupOffsets(
    reset: ResetGroupOffsetsOptions,
    options: AdminCallOptions = {},
  ): Promise<OffsetCommit[]> {
    const { to } = reset;
    if (to !== "earliest" && to !== "latest" && (!Number.isSafeInteger(to) || to < 0)) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot reset offsets of group "${reset.groupId}": to ${
          JSON.stringify(to)
        } is not "earliest", "latest" or an offset >= 0`,
      );
    }
    const topic = await this.describeTopic(reset.topic, options);
    const wanted = reset.partitions === undefined ? undefined : new Set(reset.partitions);
    const known = new Set(topic.partitions.map((p) => p.partition));
    for (const p of wanted ?? []) {
      if (!known.has(p)) {
        throw new WeirError(
          "UNKNOWN_TOPIC_OR_PARTITION",
          `Cannot reset offsets of group "${reset.groupId}": "${reset.topic}" has no partition ${p}`,
        );
      }
    }
    const offsets: OffsetCommit[] = topic.partitions
      .filter((p) => wanted === undefined || wanted.has(p.partition))
      .map((p) => ({
        topic: reset.topic,
        partition: p.partition,
        offset: to === "earliest" ? p.logStartOffset : to === "latest" ? p.highWatermark : to,
      }));
    const response = await this.#http.request(`${groupPath(reset.groupId)}/offsets`, {
      method: "POST",
      json: { offsets },
      ...callOptions(options),
    });
    await response.body?.cancel();
    return offsets;
  }
}
