/**
 * ListOffsets (key 2), versions 1–3: per partition, timestamp -1 asks for
 * the latest offset (the high watermark), -2 for the earliest (timestamp -1
 * in the answer), any other value for the first record with a timestamp at
 * or after it and that record's timestamp (offset and timestamp -1 when there
 * is none). The backend's time index finds the batch; the batch is read and
 * decoded to find the record (when it cannot be decoded: the batch's first
 * offset and its max timestamp).
 *
 * @module
 */
import { SERVER_CODECS } from "../../../actors/partition/mod.ts";
import { decodeRecordsAsync, readBatchHeader } from "../../../client/protocol/mod.ts";
import type { KafkaApi, KafkaRequestContext } from "../handler.ts";
import type { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS, kafkaErrorCode } from "../protocol/error_codes.ts";
import { mayAccess } from "../kafka_auth.ts";

/** Kafka's special timestamps. */
export const LATEST_TIMESTAMP = -1;
/** Kafka's special timestamps. */
export const EARLIEST_TIMESTAMP = -2;

/** A decoded ListOffsets request. */
export interface ListOffsetsRequest {
  /** Topics and their partitions with the timestamp asked for. */
  topics: { name: string; partitions: { partition: number; timestamp: number }[] }[];
}

/** One partition's answer. */
export interface ListOffsetsPartitionResponse {
  /** Partition index. */
  partition: number;
  /** Kafka error number. */
  errorCode: number;
  /** Timestamp of the found offset, or -1. */
  timestamp: number;
  /** The offset, or -1. */
  offset: number;
}

/** A ListOffsets response. */
export interface ListOffsetsResponse {
  /** Per topic, per partition. */
  topics: { name: string; partitions: ListOffsetsPartitionResponse[] }[];
}

/**
 * Decodes a ListOffsets request body (v1–3).
 *
 * @param r Reader at the body.
 * @param version API version.
 * @returns The request.
 */
export function decodeListOffsetsRequest(r: KafkaReader, version: number): ListOffsetsRequest {
  r.int32(); // replica_id
  if (version >= 2) r.int8(); // isolation_level
  const topics = r.array(false, (r) => ({
    name: r.string(),
    partitions: r.array(false, (r) => ({ partition: r.int32(), timestamp: r.int64() })),
  }));
  return { topics };
}

/**
 * Encodes a ListOffsets response body (v1–3).
 *
 * @param res The response.
 * @param version API version.
 * @returns The body.
 */
export function encodeListOffsetsResponse(res: ListOffsetsResponse, version: number): Uint8Array {
  const w = new KafkaWriter(64);
  if (version >= 2) w.int32(0); // throttle_time_ms
  w.array(false, res.topics, (w, t) => {
    w.string(t.name);
    w.array(false, t.partitions, (w, p) => {
      w.int32(p.partition).int16(p.errorCode).int64(p.timestamp).int64(p.offset);
    });
  });
  return w.finish();
}

/** The first record at or after `p.offset` with a timestamp at or after `p.timestamp`. */
async function recordAt(
  ctx: KafkaRequestContext,
  topic: string,
  p: { partition: number; timestamp: number; offset: number },
): Promise<{ partition: number; timestamp: number; offset: number }> {
  const fallback = { partition: p.partition, timestamp: -1, offset: p.offset };
  try {
    const { batches } = await ctx.backend.fetchBatches(topic, p.partition, {
      offset: p.offset,
      maxBytes: 1,
      maxRecords: 1,
      waitMs: 0,
    });
    if (batches.byteLength === 0) return fallback;
    fallback.timestamp = readBatchHeader(batches, 0).maxTimestamp;
    const records = await decodeRecordsAsync(batches, 0, { codecs: SERVER_CODECS });
    const hit = records.find((r) => r.offset >= p.offset && r.timestamp >= p.timestamp);
    return hit === undefined
      ? fallback
      : { partition: p.partition, timestamp: hit.timestamp, offset: hit.offset };
  } catch {
    return fallback;
  }
}

async function listOne(
  ctx: KafkaRequestContext,
  topic: string,
  p: { partition: number; timestamp: number },
): Promise<ListOffsetsPartitionResponse> {
  const none = { partition: p.partition, timestamp: -1, offset: -1 };
  if (!mayAccess(ctx, `topic:${topic}`, ["consume"])) {
    return { ...none, errorCode: KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED };
  }
  try {
    if (p.timestamp === LATEST_TIMESTAMP || p.timestamp === EARLIEST_TIMESTAMP) {
      const o = await ctx.backend.listOffsets(topic, p.partition);
      const offset = p.timestamp === LATEST_TIMESTAMP ? o.latest : o.earliest;
      return { ...none, errorCode: KAFKA_ERRORS.NONE, offset };
    }
    if (p.timestamp < 0) return { ...none, errorCode: KAFKA_ERRORS.UNSUPPORTED_VERSION };
    const o = await ctx.backend.listOffsets(topic, p.partition, { timestamp: p.timestamp });
    const found = o.offsetForTimestamp ?? null;
    return found === null || found < 0
      ? { ...none, errorCode: KAFKA_ERRORS.NONE }
      : { ...await recordAt(ctx, topic, { ...p, offset: found }), errorCode: KAFKA_ERRORS.NONE };
  } catch (e) {
    return { ...none, errorCode: kafkaErrorCode(e) };
  }
}

/**
 * Looks every partition up and builds the answer.
 *
 * @param ctx Handler context.
 * @param req The decoded request.
 * @returns The response.
 */
export async function answerListOffsets(
  ctx: KafkaRequestContext,
  req: ListOffsetsRequest,
): Promise<ListOffsetsResponse> {
  return {
    topics: await Promise.all(req.topics.map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(t.partitions.map((p) => listOne(ctx, t.name, p))),
    }))),
  };
}

/** ListOffsets 1–3. */
export const listOffsetsApi: KafkaApi = {
  key: API_KEYS.ListOffsets,
  name: "ListOffsets",
  minVersion: 1,
  maxVersion: 3,
  handle: async (ctx, req) => {
    const request = decodeListOffsetsRequest(req.body, req.apiVersion);
    return encodeListOffsetsResponse(await answerListOffsets(ctx, request), req.apiVersion);
  },
};
