/**
 * Fetch (key 1), versions 4–11, without fetch sessions (session id 0 is
 * answered; incremental fetches are not kept). Partitions of one request
 * are read concurrently, each up to its `partition_max_bytes`; the answer
 * then keeps whole partitions in request order while the total stays within
 * `max_bytes` (the first partition with data is always kept, as Kafka does).
 *
 * Long-poll: while fewer than `min_bytes` (at least 1) are available and
 * `max_wait_ms` has not passed, every partition waits in its actor (the
 * backend's `waitMs`) for data past what it has; the first to receive some
 * ends that wait for all, every partition is read again, and the total is
 * compared with `min_bytes` again. At `max_wait_ms` whatever is there is
 * answered; an error on any partition answers at once.
 *
 * @module
 */
import type { FetchBatchesResult } from "../../http/backend.ts";
import type { KafkaApi, KafkaRequestContext } from "../handler.ts";
import type { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS, kafkaErrorCode } from "../protocol/error_codes.ts";
import { mayAccess } from "../kafka_auth.ts";

/** Upper bound of `max_wait_ms` honoured (ms). */
const MAX_WAIT_MS = 60_000;
/** Record limit passed to the backend: Kafka limits fetches by bytes only. */
const NO_RECORD_LIMIT = 1_000_000_000;

/** One partition of a Fetch request. */
export interface FetchPartitionRequest {
  /** Partition index. */
  partition: number;
  /** First offset wanted. */
  fetchOffset: number;
  /** Byte limit for this partition. */
  maxBytes: number;
}

/** A decoded Fetch request. */
export interface FetchRequest {
  /** Longest wait when no data is available (ms). */
  maxWaitMs: number;
  /** Bytes wanted before answering. */
  minBytes: number;
  /** Byte limit of the whole answer. */
  maxBytes: number;
  /** Fetch session id (v7+), 0 = none. */
  sessionId: number;
  /** Topics and their partitions. */
  topics: { name: string; partitions: FetchPartitionRequest[] }[];
}

/** One partition's answer. */
export interface FetchPartitionResponse {
  /** Partition index. */
  partition: number;
  /** Kafka error number. */
  errorCode: number;
  /** High watermark, or -1. */
  highWatermark: number;
  /** Log start offset, or -1. */
  logStartOffset: number;
  /** Whole RecordBatch v2 batches (maybe empty). */
  records: Uint8Array;
}

/** A Fetch response. */
export interface FetchResponse {
  /** Top-level error (v7+). */
  errorCode: number;
  /** Per topic, per partition. */
  topics: { name: string; partitions: FetchPartitionResponse[] }[];
}

/**
 * Decodes a Fetch request body (v4–11).
 *
 * @param r Reader at the body.
 * @param version API version.
 * @returns The request.
 */
export function decodeFetchRequest(r: KafkaReader, version: number): FetchRequest {
  r.int32(); // replica_id
  const maxWaitMs = r.int32();
  const minBytes = r.int32();
  const maxBytes = r.int32();
  r.int8(); // isolation_level: no transactions, so both levels read the same
  let sessionId = 0;
  if (version >= 7) {
    sessionId = r.int32();
    r.int32(); // session_epoch
  }
  const topics = r.array(false, (r) => ({
    name: r.string(),
    partitions: r.array(false, (r) => {
      const partition = r.int32();
      if (version >= 9) r.int32(); // current_leader_epoch
      const fetchOffset = r.int64();
      if (version >= 5) r.int64(); // log_start_offset (followers only)
      const maxBytes = r.int32();
      return { partition, fetchOffset, maxBytes };
    }),
  }));
  if (version >= 7) r.array(false, (r) => [r.string(), r.array(false, (r) => r.int32())]);
  if (version >= 11) r.string(); // rack_id
  return { maxWaitMs, minBytes, maxBytes, sessionId, topics };
}

/**
 * Encodes a Fetch response body (v4–11).
 *
 * @param res The response.
 * @param version API version.
 * @returns The body.
 */
export function encodeFetchResponse(res: FetchResponse, version: number): Uint8Array {
  let size = 32;
  for (const t of res.topics) {
    size += 8 + t.name.length * 3;
    for (const p of t.partitions) size += 64 + p.records.byteLength;
  }
  const w = new KafkaWriter(size);
  w.int32(0); // throttle_time_ms
  if (version >= 7) w.int16(res.errorCode).int32(0); // session_id: no session
  w.array(false, res.topics, (w, t) => {
    w.string(t.name);
    w.array(false, t.partitions, (w, p) => {
      w.int32(p.partition).int16(p.errorCode).int64(p.highWatermark);
      w.int64(p.highWatermark); // last_stable_offset: no transactions
      if (version >= 5) w.int64(p.logStartOffset);
      w.int32(-1); // aborted_transactions: null
      if (version >= 11) w.int32(-1); // preferred_read_replica: none
      w.bytes(p.records);
    });
  });
  return w.finish();
}

type Slot = { topic: string; req: FetchPartitionRequest; result: FetchPartitionResponse };

function toResponse(partition: number, r: FetchBatchesResult): FetchPartitionResponse {
  return {
    partition,
    errorCode: KAFKA_ERRORS.NONE,
    highWatermark: r.highWatermark,
    logStartOffset: r.logStartOffset,
    records: r.batches,
  };
}

async function readOne(
  ctx: KafkaRequestContext,
  slot: Slot,
  waitMs: number,
  signal: AbortSignal,
  offset: number = slot.req.fetchOffset,
): Promise<FetchPartitionResponse> {
  try {
    const r = await ctx.backend.fetchBatches(slot.topic, slot.req.partition, {
      offset,
      maxBytes: Math.max(1, slot.req.maxBytes),
      maxRecords: NO_RECORD_LIMIT,
      waitMs,
      signal,
    });
    return toResponse(slot.req.partition, r);
  } catch (e) {
    return {
      partition: slot.req.partition,
      errorCode: kafkaErrorCode(e),
      highWatermark: -1,
      logStartOffset: -1,
      records: new Uint8Array(0),
    };
  }
}

/**
 * Reads every partition of a request (long-polling when empty) and builds
 * the answer.
 *
 * @param ctx Handler context.
 * @param req The decoded request.
 * @returns The response.
 */
export async function answerFetch(
  ctx: KafkaRequestContext,
  req: FetchRequest,
): Promise<FetchResponse> {
  const empty = new Uint8Array(0);
  const slots: Slot[] = [];
  for (const t of req.topics) {
    const allowed = mayAccess(ctx, `topic:${t.name}`, ["consume"]);
    for (const p of t.partitions) {
      slots.push({
        topic: t.name,
        req: p,
        result: {
          partition: p.partition,
          errorCode: allowed ? KAFKA_ERRORS.NONE : KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED,
          highWatermark: -1,
          logStartOffset: -1,
          records: empty,
        },
      });
    }
  }
  const signal = ctx.connection.signal;
  const denied = slots.filter((s) => s.result.errorCode !== KAFKA_ERRORS.NONE);
  const readable = slots.filter((s) => s.result.errorCode === KAFKA_ERRORS.NONE);
  const readAll = () =>
    Promise.all(readable.map(async (s) => s.result = await readOne(ctx, s, 0, signal)));
  await readAll();
  const minBytes = Math.max(1, req.minBytes);
  const waitMs = Math.min(Math.max(0, req.maxWaitMs), MAX_WAIT_MS);
  const deadline = Date.now() + waitMs;
  let hasError = denied.length > 0;
  for (;;) {
    hasError ||= readable.some((s) => s.result.errorCode !== KAFKA_ERRORS.NONE);
    const available = readable.reduce((n, s) => n + s.result.records.byteLength, 0);
    const leftMs = deadline - Date.now();
    if (available >= minBytes || hasError || leftMs <= 0 || readable.length === 0) break;
    if (signal.aborted) break;
    // Wait past what each partition has until one gets more, then read all again.
    const stop = new AbortController();
    const both = AbortSignal.any([signal, stop.signal]);
    let grew = false;
    await Promise.all(readable.map(async (s) => {
      const from = Math.max(s.req.fetchOffset, s.result.highWatermark);
      const r = await readOne(ctx, s, leftMs, both, from);
      if (r.errorCode === KAFKA_ERRORS.NONE) {
        if (r.records.byteLength > 0) {
          grew = true;
          stop.abort();
        }
      } else if (!stop.signal.aborted && !signal.aborted) {
        s.result = r;
        hasError = true;
        stop.abort();
      }
    }));
    if (hasError || signal.aborted) break;
    if (grew) await readAll(); // else: max_wait_ms passed (the loop ends) or a wait ended early
  }
  // Keep whole partitions while within max_bytes; the first with data always.
  let total = 0;
  for (const s of slots) {
    const n = s.result.records.byteLength;
    if (n === 0) continue;
    if (total > 0 && total + n > req.maxBytes) s.result = { ...s.result, records: empty };
    else total += n;
  }
  const topics: FetchResponse["topics"] = [];
  let i = 0;
  for (const t of req.topics) {
    topics.push({ name: t.name, partitions: t.partitions.map(() => slots[i++]!.result) });
  }
  return { errorCode: KAFKA_ERRORS.NONE, topics };
}

/** Fetch 4–11. */
export const fetchApi: KafkaApi = {
  key: API_KEYS.Fetch,
  name: "Fetch",
  minVersion: 4,
  maxVersion: 11,
  handle: async (ctx, req) => {
    const request = decodeFetchRequest(req.body, req.apiVersion);
    return encodeFetchResponse(await answerFetch(ctx, request), req.apiVersion);
  },
};
