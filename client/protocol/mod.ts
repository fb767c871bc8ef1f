/**
 * The shared language of Weir's SDK and server: error codes, HTTP body
 * schemas, the Kafka RecordBatch v2 codec, CRC-32C and the murmur2
 * partitioner. Imports nothing of Weir's outside `client/protocol/`.
 *
 * @module
 */
export * from "./errors.ts";
export * from "./topic_name.ts";
export * from "./topic_configs.ts";
export * from "./topic_schemas.ts";
export * from "./record_schemas.ts";
export * from "./crc32c.ts";
export * from "./varint.ts";
export * from "./compression.ts";
export * from "./record_batch.ts";
export * from "./murmur2.ts";
export * from "./group_schemas.ts";
