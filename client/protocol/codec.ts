/**
 * The zod-free part of `client/protocol/`: error codes, topic names and
 * configs, CRC-32C, varints, compression, the RecordBatch v2 codec and the
 * murmur2 partitioner. Actors (each in its own Worker) import this barrel
 * instead of `mod.ts`, so a partition Worker does not load zod and the HTTP
 * schemas (≈ 7 MB of heap per Worker). `mod.ts` re-exports all of it.
 *
 * @module
 */
export * from "./errors.ts";
export * from "./topic_name.ts";
export * from "./topic_configs.ts";
export * from "./crc32c.ts";
export * from "./varint.ts";
export * from "./compression.ts";
export * from "./record_batch.ts";
export * from "./murmur2.ts";
export type { Acks } from "./acks.ts";
