/**
 * Messages of the PartitionActor. Plain data, structured-clone safe; record
 * data travels as `Uint8Array`s whose buffers are transferred, not copied.
 *
 * @module
 */
import type { Acks, TopicConfigs } from "../../client/protocol/codec.ts";

/** Init data of a partition actor. */
export interface PartitionInit {
  /** Topic name. */
  topic: string;
  /** Partition index. */
  partition: number;
  /** The partition's directory (`<data-dir>/<topic>-<partition>`). */
  dir: string;
  /** The topic's explicit configs (the rest are defaults). */
  configs: Partial<TopicConfigs>;
  /** How often to run retention and compaction steps (ms). */
  retentionCheckIntervalMs?: number;
  /** Most parked long-poll fetches at once; more get an empty answer at once. */
  maxWaiters?: number;
  /**
   * This replica's node id. Set = cluster mode: the actor id is
   * `<topic>-<partition>@<nodeId>`, the replica waits for `becomeLeader` /
   * `becomeFollower`, and consumers see only records below the high
   * watermark. Absent = single-node mode (the high watermark is the log end).
   */
  nodeId?: number;
  /** `replica.lag.time.max.ms`: a follower this far behind leaves the ISR (default 30 000). */
  replicaLagTimeMaxMs?: number;
  /** How long a follower's fetch waits at the leader for new data, ms (default 500). */
  replicaFetchWaitMs?: number;
  /** Most bytes per follower fetch (default 1 MiB; at least one batch is sent). */
  replicaFetchMaxBytes?: number;
  /** Pause before a follower retries a failed fetch, ms (default 200). */
  replicaFetchBackoffMs?: number;
}

/** A follower's pull from its leader (Kafka's replica Fetch, KIP-595-style divergence check). */
export interface ReplicaFetchRequest {
  /** Message type. */
  type: "replicaFetch";
  /** The follower's node id. */
  replicaId: number;
  /** The follower's log end offset: the next offset it needs. */
  fetchOffset: number;
  /** Epoch of the last batch in the follower's log (-1 when empty). */
  lastFetchedEpoch: number;
  /** Most bytes to return (at least one batch is returned). */
  maxBytes: number;
  /** How long to wait for data when there is none, ms. */
  waitMs: number;
  /** The leader epoch the follower follows; a leader of another epoch refuses. */
  leaderEpoch?: number;
  /** The follower's high watermark: a leader whose own is ahead answers at once instead of parking. */
  highWatermark?: number;
}

/** Answer to `replicaFetch`. */
export interface ReplicaFetchReply {
  /** Whole batches from `fetchOffset`, verbatim (offsets and epochs as the leader stored them). */
  batches: Uint8Array;
  /** The leader's high watermark. */
  highWatermark: number;
  /** The leader's log start offset. */
  logStartOffset: number;
  /** The leader's epoch. */
  leaderEpoch: number;
  /**
   * Set when the follower's log diverges: the largest epoch the leader has
   * at or below `lastFetchedEpoch` and where it ends on the leader. The
   * follower truncates to `min(endOffset, its own end of that epoch)` and
   * fetches again; no batches come with it.
   */
  divergingEpoch?: { epoch: number; endOffset: number };
}

/** What a leader asks the controller (`{ kind: "controller", id: "0" }`) to change the ISR. */
export interface AlterIsrRequest {
  /** Message type. */
  type: "alterIsr";
  /** Topic. */
  topic: string;
  /** Partition. */
  partition: number;
  /** The leader's epoch (the controller refuses a stale one). */
  leaderEpoch: number;
  /** The proposed ISR (leader first). */
  isr: number[];
}

/** The controller's answer to `alterIsr`: the ISR now committed. */
export interface AlterIsrReply {
  /** The committed ISR. */
  isr: number[];
}

/** Requests a partition actor answers. */
export type PartitionRequest =
  | { type: "append"; batches: Uint8Array; acks: Acks }
  | {
    type: "fetch";
    offset: number | "earliest" | "latest";
    maxBytes: number;
    maxRecords: number;
    waitMs: number;
    /** Lets the caller cancel the wait with a `cancelFetch`. */
    fetchId?: string;
  }
  | { type: "cancelFetch"; fetchId: string }
  | { type: "listOffsets"; timestamp?: number }
  | { type: "configure"; configs: Partial<TopicConfigs> }
  | { type: "status" }
  | { type: "maintain" }
  | { type: "delete" }
  | { type: "becomeLeader"; leaderEpoch: number; replicas: number[]; isr: number[] }
  | { type: "becomeFollower"; leaderEpoch: number; leader: number }
  | ReplicaFetchRequest;

/** Answer to `append`. */
export interface AppendReply {
  /** Offset of the first appended record. */
  baseOffset: number;
  /** Offset of the last appended record. */
  lastOffset: number;
  /** Broker time stamped on the batch, when the topic uses LogAppendTime. */
  logAppendTime?: number;
  /** True when the batch was a retry of one already appended (idempotent producer). */
  duplicate?: boolean;
}

/** Answer to `fetch`. */
export interface FetchReply {
  /** Whole batches, concatenated (may be empty). */
  batches: Uint8Array;
  /** Offset to fetch next. */
  nextOffset: number;
  /** High watermark. */
  highWatermark: number;
  /** Log start offset. */
  logStartOffset: number;
}

/** Answer to `listOffsets`. */
export interface OffsetsReply {
  /** Log start offset. */
  earliest: number;
  /** Log end offset (the next offset to be written). */
  latest: number;
  /** First offset whose timestamp is at or after the asked timestamp, or null. */
  offsetForTimestamp?: number | null;
}

/** Answer to `status`. */
export interface PartitionStatus {
  /** Log start offset. */
  logStartOffset: number;
  /** Log end offset. */
  logEndOffset: number;
  /** High watermark (single node: the log end offset). */
  highWatermark: number;
  /** Bytes on disk. */
  size: number;
  /** Segment count. */
  segments: number;
  /** Parked long-poll fetches. */
  waiters: number;
  /** Idempotent batches held until the batches before them arrive. */
  parked: number;
  /** fsync rounds of the log since the actor started (for metrics). */
  fsyncs: number;
  /** Seconds spent in those fsyncs (clock ms, so single fsyncs round; sums stay unbiased). */
  fsyncSeconds: number;
  /** Cluster mode only: this replica's role (`none` until told). */
  role?: "leader" | "follower" | "none";
  /** Cluster mode only: the leader epoch this replica is in (-1 before any). */
  leaderEpoch?: number;
  /** Cluster mode only: the leader's node id (-1 when unknown). */
  leader?: number;
  /** Cluster mode only, on the leader: the committed ISR. */
  isr?: number[];
}
