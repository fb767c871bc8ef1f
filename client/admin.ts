/**
 * Topic administration over the HTTP edge: create, delete, list, describe and
 * alter configs. (Group administration comes with consumer groups.)
 *
 * @module
 */
import type { HttpClient } from "./http.ts";
import {
  type ConfigInput,
  type TopicDescription,
  TopicDescriptionSchema,
  TopicListSchema,
  type TopicSummary,
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

/** Per-call options of admin calls. */
export interface AdminCallOptions {
  /** Aborts the call. */
  signal?: AbortSignal;
}

function topicPath(name: string): string {
  return `/v1/topics/${encodeURIComponent(name)}`;
}

function callOptions(options: AdminCallOptions): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal };
}

/** Topic administration (`weir.admin`). Every method throws {@linkcode WeirError} by code. */
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
}
