/**
 * What the HTTP edge needs from a broker. The edge (routes, validation,
 * encoding) is written against this interface only; `broker/node.ts`
 * implements it over the actor system, and tests may pass any other
 * implementation.
 *
 * @module
 */
import type {
  Acks,
  BatchProduceResponse,
  ClusterInfo,
  CommitOffsetsRequest,
  ConfigInput,
  CreateTopicRequest,
  GroupDescriptionResponse,
  GroupOffsetsResponse,
  GroupSummary,
  HeartbeatRequest,
  HeartbeatResponse,
  InitProducerResponse,
  JoinGroupRequest,
  JoinGroupResponse,
  OffsetsResponse,
  TopicDescription,
  TopicSummary,
} from "../../client/protocol/mod.ts";

/** Where a fetch starts. */
export type FetchStart = number | "earliest" | "latest";

/** Options of {@linkcode EdgeBackend.fetchBatches}. */
export interface FetchBatchesOptions {
  /** First offset wanted (the answer starts at the batch that contains it). */
  offset: FetchStart;
  /** Soft byte limit: at least one whole batch is returned when any is available. */
  maxBytes: number;
  /** Soft record limit: no batch is added once this many records were collected. */
  maxRecords: number;
  /** Long-poll: wait up to this long for data when the offset is at the log end. */
  waitMs: number;
  /** Aborts the wait (client went away). */
  signal?: AbortSignal;
}

/** Answer of {@linkcode EdgeBackend.fetchBatches}. */
export interface FetchBatchesResult {
  /** Whole Kafka RecordBatch v2 batches, concatenated; may be empty. */
  batches: Uint8Array;
  /** The offset to ask for next. */
  nextOffset: number;
  /** Consumers read only below this offset. */
  highWatermark: number;
  /** First offset still in the log. */
  logStartOffset: number;
}

/** Options of {@linkcode EdgeBackend.appendBatches}. */
export interface AppendBatchesOptions {
  /** 0: answer before the append; 1: after the leader's write; -1: after fsync (and replication). */
  acks: Acks;
  /** Aborts waiting for durability (the write itself may still happen). */
  signal?: AbortSignal;
}

/**
 * The broker as the HTTP edge sees it. Every method throws `WeirError` with a
 * code from `client/protocol/errors.ts` on failure.
 */
export interface EdgeBackend {
  /** Limits the edge enforces before anything reaches an actor. */
  readonly limits: {
    readonly maxRequestBytes: number;
    /** Deadline for receiving one request body, ms (default: none). */
    readonly requestTimeoutMs?: number;
  };
  /** `GET /readyz`: false while shutting down; a backend without it is always ready. */
  readonly ready?: boolean;
  /** `GET /v1/cluster`. */
  cluster(): Promise<ClusterInfo>;
  /** `GET /v1/topics`. */
  listTopics(): Promise<TopicSummary[]>;
  /** `POST /v1/topics`; throws TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR, INVALID_CONFIG. */
  createTopic(request: CreateTopicRequest): Promise<TopicDescription>;
  /** `GET /v1/topics/:topic`; throws UNKNOWN_TOPIC_OR_PARTITION. */
  describeTopic(name: string): Promise<TopicDescription>;
  /** `PATCH /v1/topics/:topic/configs`. */
  alterTopicConfigs(name: string, configs: Record<string, ConfigInput>): Promise<TopicDescription>;
  /** `DELETE /v1/topics/:topic`: stops the partitions and removes their data. */
  deleteTopic(name: string): Promise<void>;
  /**
   * What a JSON produce needs to know of a topic: its partition count and
   * `max.message.bytes`. Cheap (no partition is asked). Throws
   * UNKNOWN_TOPIC_OR_PARTITION; with `--auto-create-topics` an unknown topic
   * is created first (produce is the only caller).
   */
  produceInfo(
    topic: string,
  ): Promise<{ partitions: number; maxMessageBytes: number; requireKeys?: boolean }>;
  /**
   * Appends one or more RecordBatch v2 to a partition. The backend takes
   * ownership of `batches` (its buffer may be transferred to a Worker).
   */
  appendBatches(
    topic: string,
    partition: number,
    batches: Uint8Array,
    options: AppendBatchesOptions,
  ): Promise<BatchProduceResponse>;
  /** Reads whole batches from a partition, long-polling when asked. */
  fetchBatches(
    topic: string,
    partition: number,
    options: FetchBatchesOptions,
  ): Promise<FetchBatchesResult>;
  /** Earliest, latest and (optionally) the first offset at or after `timestamp`. */
  listOffsets(
    topic: string,
    partition: number,
    options?: { timestamp?: number },
  ): Promise<OffsetsResponse>;
  /** Allocates a producer id for an idempotent producer (Kafka's InitProducerId). */
  initProducer(): Promise<InitProducerResponse>;
  /** `GET /v1/groups`: every known group with its state and member count. */
  listGroups(): Promise<GroupSummary[]>;
  /** `GET /v1/groups/:group` with lag; throws INVALID_GROUP_ID, GROUP_ID_NOT_FOUND. */
  describeGroup(groupId: string): Promise<GroupDescriptionResponse>;
  /**
   * `POST /v1/groups/:group/members`; throws INVALID_GROUP_ID, INVALID_REQUEST,
   * INVALID_SESSION_TIMEOUT, GROUP_MAX_SIZE_REACHED.
   */
  joinGroup(groupId: string, request: JoinGroupRequest): Promise<JoinGroupResponse>;
  /** `POST .../members/:memberId/heartbeat`; throws UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH. */
  heartbeat(
    groupId: string,
    request: HeartbeatRequest & { memberId: string },
  ): Promise<HeartbeatResponse>;
  /** `DELETE .../members/:memberId`: the member's partitions are freed at once; throws UNKNOWN_MEMBER_ID. */
  leaveGroup(groupId: string, memberId: string): Promise<void>;
  /**
   * `POST /v1/groups/:group/offsets`; nothing is committed on any error. Throws
   * INVALID_REQUEST, UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH, REBALANCE_IN_PROGRESS,
   * UNKNOWN_TOPIC_OR_PARTITION.
   */
  commitOffsets(groupId: string, request: CommitOffsetsRequest): Promise<GroupOffsetsResponse>;
  /** `GET /v1/groups/:group/offsets`, optionally of one topic; an unknown group has none. */
  fetchOffsets(groupId: string, options?: { topic?: string }): Promise<GroupOffsetsResponse>;
}
