/**
 * The partition log storage engine: Kafka's segment layout (`.log`,
 * `.index`, `.timeindex`, 20-digit names) holding RecordBatch v2 bytes,
 * with recovery, retention and compaction. {@linkcode Log} is the entry point.
 *
 * @module
 */
export * from "./log.ts";
export type { LogFile, LogFileSystem, OpenOptions } from "./log_fs.ts";
export { denoFileSystem } from "./log_fs.ts";
export type { RecoveryReport } from "./recovery.ts";
export type { Crc32c } from "../../../client/protocol/codec.ts";
export {
  type CorruptBatch,
  type RepairOptions,
  repairPartition,
  type RepairReport,
  scanPartition,
  type ScanReport,
} from "./repair.ts";
