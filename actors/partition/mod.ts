/**
 * The partition actor and its log. Spawn it with the worker entry
 * `partition_worker.ts` ({@linkcode PARTITION_WORKER_URL}) or inline with
 * {@linkcode PartitionActor}.
 *
 * @module
 */
export { DEFAULT_REPLICA_LAG_TIME_MAX_MS, logConfigOf, PartitionActor } from "./partition_actor.ts";
export { type EpochEndOffset, type EpochEntry, LeaderEpochCache } from "./leader_epoch_cache.ts";
export { LEADER_EPOCH_CHECKPOINT_FILE } from "./leader_epoch_checkpoint.ts";
export { HIGH_WATERMARK_CHECKPOINT_FILE } from "./high_watermark_checkpoint.ts";
export { ProducerState } from "./producer_state.ts";
export { SERVER_CODECS } from "./log/compression_codecs.ts";
export {
  type CorruptBatch,
  type LogFileSystem,
  repairPartition,
  type RepairReport,
  scanPartition,
} from "./log/mod.ts";
export type * from "./messages.ts";

/** URL of the partition's Worker entry module. */
export const PARTITION_WORKER_URL: URL = new URL("./partition_worker.ts", import.meta.url);
