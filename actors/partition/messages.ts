/**
 * Messages of the PartitionActor. Plain data, structured-clone safe; record
 * data travels as `Uint8Array`s whose buffers are transferred, not copied.
 *
 * @module
 */
import type { Acks, TopicConfigs } from "../../client/protocol/mod.ts";

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
  | { type: "delete" };

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
}
