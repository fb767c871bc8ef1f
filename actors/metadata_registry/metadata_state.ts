/**
 * The registry's state as a pure fold over metadata records, and the
 * validation that turns a request into the record to persist. Nothing here
 * touches files, clocks or ids: the actor supplies them.
 *
 * @module
 */
import {
  type ConfigInput,
  type CreateTopicRequest,
  parseTopicConfigs,
  type TopicConfigs,
  validateTopicName,
  WeirError,
} from "../../client/protocol/mod.ts";
import type { TopicMetadata } from "./messages.ts";

/** Topic names Weir keeps for itself. */
export const RESERVED_TOPIC_NAMES: ReadonlySet<string> = new Set([
  "__cluster_metadata",
  "__consumer_offsets",
]);

/** One entry of the metadata log (each is one record's JSON value). */
export type MetadataRecord =
  | { type: "cluster"; clusterId: string }
  | { type: "topic"; topic: TopicMetadata }
  | { type: "topicConfigs"; name: string; configs: Partial<TopicConfigs> }
  | { type: "deleteTopic"; name: string }
  | { type: "producerId"; next: number }
  | { type: "group"; groupId: string };

/** Limits applied to requests. */
export interface MetadataLimits {
  /** Most partitions one topic may have. */
  maxPartitionsPerTopic: number;
  /** Most topics. */
  maxTopics: number;
  /** Live brokers: the upper bound of a replication factor. */
  brokerCount: number;
}

/** The registry's state: the fold of every record so far. */
export class MetadataState {
  /** Cluster id, empty until the first `cluster` record. */
  clusterId = "";
  /** Next producer id to hand out. */
  nextProducerId = 0;
  readonly #topics = new Map<string, TopicMetadata>();
  readonly #groups = new Set<string>();

  /** Applies one record (replay on start, or after persisting a new one). */
  apply(record: MetadataRecord): void {
    switch (record.type) {
      case "cluster":
        this.clusterId = record.clusterId;
        return;
      case "topic":
        this.#topics.set(record.topic.name, structuredClone(record.topic));
        return;
      case "topicConfigs": {
        const topic = this.#topics.get(record.name);
        if (topic) topic.configs = { ...record.configs };
        return;
      }
      case "deleteTopic":
        this.#topics.delete(record.name);
        return;
      case "producerId":
        this.nextProducerId = Math.max(this.nextProducerId, record.next);
        return;
      case "group":
        this.#groups.add(record.groupId);
        return;
    }
  }

  /** All topics, sorted by name. */
  topics(): TopicMetadata[] {
    return [...this.#topics.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    );
  }

  /**
   * A topic by name.
   *
   * @throws {WeirError} `UNKNOWN_TOPIC_OR_PARTITION` when there is none.
   */
  topic(name: string): TopicMetadata {
    const topic = this.#topics.get(name);
    if (!topic) {
      throw new WeirError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `Cannot find topic ${JSON.stringify(name)}: it does not exist`,
      );
    }
    return topic;
  }

  /** Known consumer group ids, sorted. */
  groups(): string[] {
    return [...this.#groups].sort();
  }

  /** Whether a consumer group is known. */
  hasGroup(groupId: string): boolean {
    return this.#groups.has(groupId);
  }

  /** Whether a topic exists. */
  has(name: string): boolean {
    return this.#topics.has(name);
  }

  /**
   * Validates a create request and returns the record that creates the topic.
   *
   * @throws {WeirError} INVALID_REQUEST, INVALID_TOPIC_EXCEPTION, TOPIC_ALREADY_EXISTS,
   *   INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_CONFIG, POLICY_VIOLATION.
   */
  planCreate(
    request: CreateTopicRequest,
    limits: MetadataLimits,
    now: number,
    topicId: string,
    options: { internal?: boolean } = {},
  ): MetadataRecord {
    if (typeof request !== "object" || request === null || typeof request.name !== "string") {
      throw new WeirError("INVALID_REQUEST", "Cannot create topic: the body needs a string name");
    }
    const { name } = request;
    validateTopicName(name);
    if (RESERVED_TOPIC_NAMES.has(name) && !options.internal) {
      throw new WeirError(
        "INVALID_TOPIC_EXCEPTION",
        `Cannot create topic ${
          JSON.stringify(name)
        }: the name is reserved for Weir's internal topics`,
      );
    }
    if (this.#topics.has(name)) {
      throw new WeirError(
        "TOPIC_ALREADY_EXISTS",
        `Cannot create topic "${name}": it already exists`,
      );
    }
    if (this.#topics.size >= limits.maxTopics) {
      throw new WeirError(
        "POLICY_VIOLATION",
        `Cannot create topic "${name}": the broker already has ${limits.maxTopics} topics (the limit)`,
      );
    }
    const partitions = request.partitions ?? 1;
    if (!Number.isSafeInteger(partitions) || partitions < 1) {
      throw new WeirError(
        "INVALID_PARTITIONS",
        `Cannot create topic "${name}": partitions must be a positive integer, got ${partitions}`,
      );
    }
    if (partitions > limits.maxPartitionsPerTopic) {
      throw new WeirError(
        "INVALID_PARTITIONS",
        `Cannot create topic "${name}": at most ${limits.maxPartitionsPerTopic} partitions, got ${partitions}`,
      );
    }
    const replicationFactor = request.replicationFactor ?? 1;
    if (!Number.isSafeInteger(replicationFactor) || replicationFactor < 1) {
      throw new WeirError(
        "INVALID_REPLICATION_FACTOR",
        `Cannot create topic "${name}": replicationFactor must be a positive integer, got ${replicationFactor}`,
      );
    }
    if (replicationFactor > limits.brokerCount) {
      throw new WeirError(
        "INVALID_REPLICATION_FACTOR",
        `Cannot create topic "${name}": replicationFactor ${replicationFactor} is larger than the ${limits.brokerCount} available broker(s)`,
      );
    }
    const configs = parseTopicConfigs(request.configs ?? {});
    checkConfigsFit(name, configs, replicationFactor);
    return {
      type: "topic",
      topic: { name, topicId, partitions, replicationFactor, configs, createdAt: now },
    };
  }

  /**
   * Validates a config change and returns the record with the merged configs.
   *
   * @throws {WeirError} UNKNOWN_TOPIC_OR_PARTITION, INVALID_CONFIG.
   */
  planAlterConfigs(name: string, configs: Record<string, ConfigInput>): MetadataRecord {
    const topic = this.topic(name);
    const parsed = parseTopicConfigs(configs);
    const merged = { ...topic.configs, ...parsed };
    checkConfigsFit(name, merged, topic.replicationFactor);
    return { type: "topicConfigs", name, configs: merged };
  }

  /**
   * Returns the record that deletes a topic.
   *
   * @throws {WeirError} UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION for internal topics.
   */
  planDelete(name: string): MetadataRecord {
    this.topic(name);
    if (RESERVED_TOPIC_NAMES.has(name)) {
      throw new WeirError(
        "INVALID_TOPIC_EXCEPTION",
        `Cannot delete topic "${name}": it is one of Weir's internal topics`,
      );
    }
    return { type: "deleteTopic", name };
  }
}

function checkConfigsFit(name: string, configs: Partial<TopicConfigs>, rf: number): void {
  const minIsr = configs["min.insync.replicas"];
  if (minIsr !== undefined && minIsr > rf) {
    throw new WeirError(
      "INVALID_CONFIG",
      `Cannot set topic config "min.insync.replicas" of "${name}": ${minIsr} is larger than the replication factor ${rf}`,
    );
  }
}
