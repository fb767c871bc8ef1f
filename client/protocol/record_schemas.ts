/**
 * Zod schemas and limits of the record routes (API.md): JSON produce, JSON
 * fetch, offsets, the binary batch routes' headers and producer ids.
 *
 * @module
 */
import { z } from "zod";

/** Most records in one produce request. */
export const MAX_RECORDS_PER_REQUEST = 100_000;
/** Default and maximum `maxRecords` of a fetch. */
export const FETCH_MAX_RECORDS = { default: 10_000, max: 100_000 } as const;
/** Default and maximum `maxBytes` of a fetch. */
export const FETCH_MAX_BYTES = { default: 4 * 1024 * 1024, max: 64 * 1024 * 1024 } as const;
/** Default and maximum `waitMs` (long-poll) of a fetch. */
export const FETCH_WAIT_MS = { default: 0, max: 30_000 } as const;

/** Content type of the binary batch routes: one or more Kafka RecordBatch v2. */
export const RECORD_BATCH_CONTENT_TYPE = "application/vnd.kafka.record-batch";

/** Response headers of `GET .../batches` (the binary fetch). */
export const BATCH_HEADERS = {
  highWatermark: "x-weir-high-watermark",
  logStartOffset: "x-weir-log-start-offset",
  nextOffset: "x-weir-next-offset",
} as const;

/** Any JSON value. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Any JSON value (zod). */
export const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.null(),
    z.boolean(),
    z.number(),
    z.string(),
    z.array(JsonValueSchema),
    z.record(z.string(), JsonValueSchema),
  ])
);

/** One record of a JSON produce. Either `value` or `valueBase64` (and at most one key form). */
export const ProduceRecordSchema = z.object({
  key: z.string().nullable().optional(),
  keyBase64: z.string().optional(),
  value: JsonValueSchema.optional(),
  valueBase64: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  partition: z.number().int().nonnegative().optional(),
  timestamp: z.number().int().nonnegative().optional(),
});
/** One record of a JSON produce. */
export type ProduceRecord = z.infer<typeof ProduceRecordSchema>;

/** `POST /v1/topics/:topic/records` body. */
export const ProduceRequestSchema = z.object({
  records: z.array(ProduceRecordSchema).min(1).max(MAX_RECORDS_PER_REQUEST),
});
/** `POST /v1/topics/:topic/records` body. */
export type ProduceRequest = z.infer<typeof ProduceRequestSchema>;

/** `POST /v1/topics/:topic/records` 200 answer: offsets in input order. */
export const ProduceResponseSchema = z.object({
  offsets: z.array(z.object({ partition: z.number().int(), offset: z.number().int() })),
});
/** `POST /v1/topics/:topic/records` 200 answer. */
export type ProduceResponse = z.infer<typeof ProduceResponseSchema>;

/** `POST /v1/topics/:topic/partitions/:p/batches` 200 answer. */
export const BatchProduceResponseSchema = z.object({
  baseOffset: z.number().int(),
  lastOffset: z.number().int(),
  logAppendTime: z.number().int().optional(),
});
/** `POST .../batches` 200 answer. */
export type BatchProduceResponse = z.infer<typeof BatchProduceResponseSchema>;

/** The acks levels of a produce. */
export const AcksSchema = z.enum(["0", "1", "all", "-1"]);
export type { Acks } from "./acks.ts";

/** One record of a JSON fetch. Formats: json (value parsed), string, binary (base64). */
export const FetchedRecordSchema = z.object({
  offset: z.number().int(),
  timestamp: z.number().int(),
  key: z.string().nullable().optional(),
  keyBase64: z.string().nullable().optional(),
  value: JsonValueSchema.optional(),
  valueBase64: z.string().nullable().optional(),
  headers: z.record(z.string(), z.string()),
});
/** One record of a JSON fetch. */
export type FetchedRecord = z.infer<typeof FetchedRecordSchema>;

/** `GET /v1/topics/:topic/partitions/:p/records` answer. */
export const FetchResponseSchema = z.object({
  records: z.array(FetchedRecordSchema),
  nextOffset: z.number().int(),
  highWatermark: z.number().int(),
  logStartOffset: z.number().int(),
});
/** `GET .../records` answer. */
export type FetchResponse = z.infer<typeof FetchResponseSchema>;

/** `GET /v1/topics/:topic/partitions/:p/offsets` answer. */
export const OffsetsResponseSchema = z.object({
  earliest: z.number().int(),
  latest: z.number().int(),
  offsetForTimestamp: z.number().int().nullable().optional(),
});
/** `GET .../offsets` answer. */
export type OffsetsResponse = z.infer<typeof OffsetsResponseSchema>;

/** `POST /v1/producers` answer: an id and epoch for an idempotent producer (Kafka's InitProducerId). */
export const InitProducerResponseSchema = z.object({
  producerId: z.number().int(),
  producerEpoch: z.number().int(),
});
/** `POST /v1/producers` answer. */
export type InitProducerResponse = z.infer<typeof InitProducerResponseSchema>;
