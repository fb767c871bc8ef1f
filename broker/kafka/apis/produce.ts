/**
 * Produce (key 0), versions 3–7. Each partition's RECORDS field (RecordBatch
 * v2, as every client from Kafka 0.11 on sends) is passed to the backend
 * untouched; partitions of one request are appended concurrently, each
 * partition's batches in request order. acks=0 answers nothing; acks=1 and
 * acks=-1 answer after the backend's promise for that level.
 *
 * Transactional produce is not supported: a request with a transactional
 * id gets INVALID_REQUEST (42) for every partition.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Acks } from "../../../client/protocol/mod.ts";
import type { KafkaApi, KafkaRequestContext } from "../handler.ts";
import type { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS, kafkaErrorCode } from "../protocol/error_codes.ts";
import { mayAccess } from "../kafka_auth.ts";

const logger = getLogger(["weir", "kafka", "produce"]);

/** A decoded Produce request. */
export interface ProduceRequest {
  /** Transactional id (unsupported when not null). */
  transactionalId: string | null;
  /** 0, 1 or -1. */
  acks: number;
  /** Timeout for acks (ms). */
  timeoutMs: number;
  /** Topics with their partitions' records. */
  topics: { name: string; partitions: { partition: number; records: Uint8Array | null }[] }[];
}

/** One partition's answer. */
export interface ProducePartitionResponse {
  /** Partition index. */
  partition: number;
  /** Kafka error number. */
  errorCode: number;
  /** First offset assigned, or -1. */
  baseOffset: number;
  /** Broker timestamp under LogAppendTime, else -1. */
  logAppendTimeMs: number;
  /** First offset of the log, or -1 when unknown. */
  logStartOffset: number;
}

/** A Produce response. */
export interface ProduceResponse {
  /** Per topic, per partition. */
  topics: { name: string; partitions: ProducePartitionResponse[] }[];
}

/**
 * Decodes a Produce request body (v3–7).
 *
 * @param r Reader at the body.
 * @returns The request; records are views into the frame.
 */
export function decodeProduceRequest(r: KafkaReader): ProduceRequest {
  const transactionalId = r.nullableString();
  const acks = r.int16();
  const timeoutMs = r.int32();
  const topics = r.array(false, (r) => ({
    name: r.string(),
    partitions: r.array(false, (r) => ({ partition: r.int32(), records: r.nullableBytes() })),
  }));
  return { transactionalId, acks, timeoutMs, topics };
}

/**
 * Encodes a Produce response body (v3–7).
 *
 * @param res The response.
 * @param version API version.
 * @returns The body.
 */
export function encodeProduceResponse(res: ProduceResponse, version: number): Uint8Array {
  const w = new KafkaWriter(64 + res.topics.length * 64);
  w.array(false, res.topics, (w, t) => {
    w.string(t.name);
    w.array(false, t.partitions, (w, p) => {
      w.int32(p.partition).int16(p.errorCode).int64(p.baseOffset).int64(p.logAppendTimeMs);
      if (version >= 5) w.int64(p.logStartOffset);
    });
  });
  w.int32(0); // throttle_time_ms
  return w.finish();
}

function failed(partition: number, errorCode: number): ProducePartitionResponse {
  return { partition, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
}

async function appendOne(
  ctx: KafkaRequestContext,
  topic: string,
  p: { partition: number; records: Uint8Array | null },
  acks: Acks,
): Promise<ProducePartitionResponse> {
  if (p.records === null || p.records.byteLength === 0) {
    return failed(p.partition, KAFKA_ERRORS.CORRUPT_MESSAGE);
  }
  try {
    const r = await ctx.backend.appendBatches(topic, p.partition, p.records, { acks });
    return {
      partition: p.partition,
      errorCode: KAFKA_ERRORS.NONE,
      baseOffset: r.baseOffset,
      logAppendTimeMs: r.logAppendTime ?? -1,
      logStartOffset: -1,
    };
  } catch (e) {
    if (acks === 0) {
      logger.debug("acks=0 produce to {topic}-{partition} failed: {error}", {
        topic,
        partition: p.partition,
        error: String(e),
      });
    }
    return failed(p.partition, kafkaErrorCode(e));
  }
}

/**
 * Appends every partition of a request and builds the answer.
 *
 * @param ctx Handler context.
 * @param req The decoded request.
 * @returns The response.
 */
export async function answerProduce(
  ctx: KafkaRequestContext,
  req: ProduceRequest,
): Promise<ProduceResponse> {
  if (req.transactionalId !== null) {
    return {
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => failed(p.partition, KAFKA_ERRORS.INVALID_REQUEST)),
      })),
    };
  }
  if (req.acks !== 0 && req.acks !== 1 && req.acks !== -1) {
    return {
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) =>
          failed(p.partition, KAFKA_ERRORS.INVALID_REQUIRED_ACKS)
        ),
      })),
    };
  }
  const acks = req.acks as Acks;
  // Every append is issued before the first await, so per-partition order follows the request.
  const topics = req.topics.map((t) => ({
    name: t.name,
    partitions: mayAccess(ctx, `topic:${t.name}`, ["produce"])
      ? t.partitions.map((p) => appendOne(ctx, t.name, p, acks))
      : t.partitions.map((p) =>
        Promise.resolve(failed(p.partition, KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED))
      ),
  }));
  return {
    topics: await Promise.all(
      topics.map(async (t) => ({ name: t.name, partitions: await Promise.all(t.partitions) })),
    ),
  };
}

/** Produce 3–7. */
export const produceApi: KafkaApi = {
  key: API_KEYS.Produce,
  name: "Produce",
  minVersion: 3,
  maxVersion: 7,
  handle: async (ctx, req) => {
    const request = decodeProduceRequest(req.body);
    const response = await answerProduce(ctx, request);
    return request.acks === 0 ? null : encodeProduceResponse(response, req.apiVersion);
  },
};
