/**
 * Validates a producer's batches and plans their offsets, apart from writing
 * (Kafka's `LogValidator`). {@linkcode planAppend} is pure: it reads the
 * bytes and returns a plan or throws; {@linkcode applyAppendPlan} then
 * rewrites base offsets, leader epochs and (for LogAppendTime topics) the
 * timestamp and CRC in place, so the caller's buffer is written to disk
 * without a copy.
 *
 * Every batch is checked before any is changed or written: whole batches
 * (no trailing bytes, length not past the end), magic 2, CRC-32C, a known
 * codec, `lastOffsetDelta == recordCount - 1`, at least one record and for
 * uncompressed batches that exactly `recordCount` records fill the batch.
 * A batch larger than `max.message.bytes` is `RECORD_TOO_LARGE`; anything
 * else malformed is `INVALID_RECORD`. A compressed batch is decompressed
 * (gzip, snappy, lz4, zstd: {@linkcode SERVER_CODECS}) and must decode to
 * exactly `recordCount` well-formed records; its decompressed size is bounded
 * by `maxDecompressedBytes` (default `max.message.bytes`), so a decompression
 * bomb stops there with `RECORD_TOO_LARGE`. On compacted topics the keys of
 * compressed records are checked too.
 *
 * @module
 */
import {
  BATCH_HEADER_SIZE,
  batchSizeAt,
  type CompressionCodecs,
  type Crc32c,
  type DecodedRecord,
  decodeRecords,
  decodeRecordsSync,
  setBaseOffset,
  setPartitionLeaderEpoch,
  stampLogAppendTime,
  validateBatch,
  WeirError,
} from "../../../client/protocol/codec.ts";
import { SERVER_CODECS } from "./compression_codecs.ts";

/** One batch of an append plan. */
export interface PlannedBatch {
  /** Byte position in the input. */
  pos: number;
  /** Total bytes. */
  size: number;
  /** Offset the batch will get (or keeps). */
  baseOffset: number;
  /** Its last offset. */
  lastOffset: number;
  /** Its largest timestamp after stamping. */
  maxTimestamp: number;
  /** Records in the batch. */
  recordCount: number;
}

/** What an append will do. */
export interface AppendPlan {
  /** Batches in input order. */
  batches: PlannedBatch[];
  /** First offset written. */
  baseOffset: number;
  /** Last offset written. */
  lastOffset: number;
  /** Largest timestamp of the input (the log append time for LogAppendTime). */
  maxTimestamp: number;
  /** Offset of the record batch holding `maxTimestamp` (its last offset). */
  offsetOfMaxTimestamp: number;
  /** The stamped time for LogAppendTime, else -1. */
  logAppendTime: number;
  /** Records in all batches. */
  recordCount: number;
}

/** Options of {@linkcode planAppend}. */
export interface PlanAppendOptions {
  /** The log end offset: where assigned offsets start. */
  nextOffset: number;
  /** `max.message.bytes`: largest batch accepted. */
  maxMessageBytes: number;
  /** `message.timestamp.type`. */
  timestampType: "CreateTime" | "LogAppendTime";
  /** Current time (used for LogAppendTime). */
  now: number;
  /** Rewrite base offsets (default true); false keeps them (replication), which must then follow the log end. */
  assignOffsets?: boolean;
  /** Require a non-null key on every record (compacted topics). */
  requireKeys?: boolean;
  /** Decompressors for compressed batches (default {@linkcode SERVER_CODECS}). */
  codecs?: Readonly<CompressionCodecs>;
  /** Largest decompressed records section of one batch (default `maxMessageBytes`). */
  maxDecompressedBytes?: number;
  /** CRC-32C implementation. */
  crc?: Crc32c;
  /** Name used in messages, e.g. `orders-0`. */
  topicPartition?: string;
}

const PREFIX = /^Cannot validate record batch at byte \d+: /;

/**
 * Validates every batch in `buf` and plans offsets; changes nothing.
 *
 * @param buf One or more concatenated RecordBatch v2.
 * @param options Log end offset, limits, timestamp type, clock reading.
 * @returns The plan.
 * @throws {WeirError} `RECORD_TOO_LARGE` for a batch over `maxMessageBytes`; `INVALID_RECORD` for anything malformed.
 *
 * @example Plan offsets for two batches
 * ```ts
 * import { encodeRecordBatch } from "../../../client/protocol/mod.ts";
 * import { planAppend } from "./validate.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const a = encodeRecordBatch([{ value: null }, { value: null }], { now: 5 });
 * const b = encodeRecordBatch([{ value: null }], { now: 7 });
 * const buf = new Uint8Array([...a, ...b]);
 * const plan = planAppend(buf, {
 *   nextOffset: 10, maxMessageBytes: 1024, timestampType: "CreateTime", now: 100,
 * });
 * assertEquals([plan.baseOffset, plan.lastOffset, plan.maxTimestamp], [10, 12, 7]);
 * ```
 */
export function planAppend(buf: Uint8Array, options: PlanAppendOptions): AppendPlan {
  const where = `Cannot append to "${options.topicPartition ?? "log"}"`;
  const assign = options.assignOffsets ?? true;
  // A replica copying its leader's batches (assign false) keeps the leader's stamp, byte for byte.
  const logAppend = options.timestampType === "LogAppendTime" && assign;
  if (buf.length === 0) throw new WeirError("INVALID_RECORD", `${where}: no record batches`);
  const batches: PlannedBatch[] = [];
  let next = options.nextOffset;
  let maxTimestamp = -1;
  let offsetOfMaxTimestamp = -1;
  let recordCount = 0;
  let pos = 0;
  let i = 0;
  while (pos < buf.length) {
    const at = `${where}: batch ${i} at byte ${pos}`;
    const size = batchSizeAt(buf, pos);
    if (size < 0) {
      throw new WeirError("INVALID_RECORD", `${at}: ${buf.length - pos} trailing bytes`);
    }
    if (size < BATCH_HEADER_SIZE) {
      throw new WeirError("INVALID_RECORD", `${at}: batch length is smaller than the header`);
    }
    if (size > buf.length - pos) {
      throw new WeirError(
        "INVALID_RECORD",
        `${at}: batch length ${size} runs past the end of the ${buf.length - pos} bytes sent`,
      );
    }
    if (size > options.maxMessageBytes) {
      throw new WeirError(
        "RECORD_TOO_LARGE",
        `${at}: ${size} bytes exceed max.message.bytes ${options.maxMessageBytes}`,
      );
    }
    let header;
    try {
      header = validateBatch(buf, pos, { ...(options.crc ? { crc: options.crc } : {}) });
    } catch (e) {
      const reason = e instanceof Error ? e.message.replace(PREFIX, "") : String(e);
      throw new WeirError("INVALID_RECORD", `${at}: ${reason}`, { cause: e });
    }
    if (header.recordCount === 0) {
      throw new WeirError("INVALID_RECORD", `${at}: the batch has no records`);
    }
    const compressed = (header.attributes & 0x07) !== 0;
    if (compressed && header.recordCount > options.maxMessageBytes) {
      throw new WeirError(
        "INVALID_RECORD",
        `${at}: record count ${header.recordCount} is implausible for a compressed batch`,
      );
    }
    let records: DecodedRecord[] | null = null;
    if (compressed) records = decompressedRecords(buf, pos, at, options);
    if (options.requireKeys) {
      if ((records ?? decodeRecords(buf, pos)).some((r) => r.key === null)) {
        throw new WeirError(
          "INVALID_RECORD",
          `${at}: a compacted topic needs a key on every record`,
        );
      }
    }
    let baseOffset: number;
    if (assign) {
      baseOffset = next;
    } else {
      baseOffset = header.baseOffset;
      if (baseOffset < next) {
        throw new WeirError(
          "INVALID_RECORD",
          `${at}: base offset ${baseOffset} is below the expected ${next}`,
        );
      }
    }
    const lastOffset = baseOffset + header.lastOffsetDelta;
    const ts = logAppend ? options.now : header.maxTimestamp;
    if (ts > maxTimestamp) {
      maxTimestamp = ts;
      offsetOfMaxTimestamp = lastOffset;
    }
    batches.push({
      pos,
      size,
      baseOffset,
      lastOffset,
      maxTimestamp: ts,
      recordCount: header.recordCount,
    });
    recordCount += header.recordCount;
    next = lastOffset + 1;
    pos += size;
    i++;
  }
  const first = batches[0]!;
  return {
    batches,
    baseOffset: first.baseOffset,
    lastOffset: next - 1,
    maxTimestamp,
    offsetOfMaxTimestamp,
    logAppendTime: logAppend ? options.now : -1,
    recordCount,
  };
}

/** Decompresses a batch's records and checks they are exactly `recordCount` well-formed records. */
function decompressedRecords(
  buf: Uint8Array,
  pos: number,
  at: string,
  options: PlanAppendOptions,
): DecodedRecord[] {
  try {
    return decodeRecordsSync(buf, pos, {
      codecs: options.codecs ?? SERVER_CODECS,
      maxBytes: options.maxDecompressedBytes ?? options.maxMessageBytes,
    });
  } catch (e) {
    const code = e instanceof WeirError ? e.code : "INVALID_RECORD";
    const reason = e instanceof Error ? e.message : String(e);
    throw new WeirError(
      code === "RECORD_TOO_LARGE" || code === "UNSUPPORTED_COMPRESSION_TYPE"
        ? code
        : "INVALID_RECORD",
      `${at}: ${reason}`,
      { cause: e },
    );
  }
}

/**
 * Applies a plan to the bytes it was made from: base offsets, leader epoch,
 * LogAppendTime stamping (which rewrites the CRC).
 *
 * @param buf The bytes given to {@linkcode planAppend}.
 * @param plan Its result.
 * @param options `leaderEpoch` to stamp (default: leave as is), `crc`.
 */
export function applyAppendPlan(
  buf: Uint8Array,
  plan: AppendPlan,
  options: { leaderEpoch?: number; crc?: Crc32c } = {},
): void {
  for (const b of plan.batches) {
    setBaseOffset(buf, b.pos, b.baseOffset);
    if (options.leaderEpoch !== undefined) setPartitionLeaderEpoch(buf, b.pos, options.leaderEpoch);
    if (plan.logAppendTime >= 0) stampLogAppendTime(buf, b.pos, plan.logAppendTime, options.crc);
  }
}
