/**
 * Kafka RecordBatch v2 (magic 2), byte-exact with Kafka.
 *
 * Layout of one batch (big-endian; offsets from the batch start):
 *
 * ```text
 *  0 baseOffset int64        12 partitionLeaderEpoch int32   16 magic int8 (= 2)
 *  8 batchLength int32       17 crc uint32 (CRC-32C of bytes 21..end)
 * 21 attributes int16        23 lastOffsetDelta int32        27 baseTimestamp int64
 * 35 maxTimestamp int64      43 producerId int64             51 producerEpoch int16
 * 53 baseSequence int32      57 recordCount int32            61 records...
 * ```
 *
 * `batchLength` counts the bytes after itself (total = batchLength + 12).
 * Attributes: bits 0-2 compression, bit 3 timestamp type (1 = LogAppendTime),
 * bit 4 transactional, bit 5 control. Each record: length varint | attributes
 * int8 | timestampDelta varlong | offsetDelta varint | keyLength varint (-1 =
 * null) | key | valueLength varint (-1 = null) | value | headersCount varint |
 * headers (keyLength varint, utf-8 key, valueLength varint, value or -1).
 *
 * Base offset and leader epoch lie outside the CRC, so a broker assigns
 * offsets by rewriting them in place. Offsets, timestamps and producer ids
 * are JS numbers (exact within ±2^53).
 *
 * @module
 */
import { type Crc32c, crc32c } from "./crc32c.ts";
import { WeirError } from "./errors.ts";
import {
  compress,
  Compression,
  type CompressionType,
  decompress,
  type DecompressOptions,
  decompressSync,
} from "./compression.ts";
import {
  type ByteCursor,
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  writeVarint,
  writeVarlong,
} from "./varint.ts";

export { Compression, type CompressionType } from "./compression.ts";

/** The magic byte of RecordBatch v2. */
export const RECORD_BATCH_MAGIC = 2;
/** Bytes before the first record. */
export const BATCH_HEADER_SIZE = 61;
/** Bytes of baseOffset + batchLength, not counted by batchLength. */
export const BATCH_LOG_OVERHEAD = 12;

const OFF_BASE_OFFSET = 0;
const OFF_BATCH_LENGTH = 8;
const OFF_LEADER_EPOCH = 12;
const OFF_MAGIC = 16;
const OFF_CRC = 17;
const OFF_ATTRIBUTES = 21;
const OFF_LAST_OFFSET_DELTA = 23;
const OFF_BASE_TIMESTAMP = 27;
const OFF_MAX_TIMESTAMP = 35;
const OFF_PRODUCER_ID = 43;
const OFF_PRODUCER_EPOCH = 51;
const OFF_BASE_SEQUENCE = 53;
const OFF_RECORD_COUNT = 57;

const COMPRESSION_MASK = 0x07;
const TIMESTAMP_TYPE_BIT = 0x08;
const TRANSACTIONAL_BIT = 0x10;
const CONTROL_BIT = 0x20;
const TWO_32 = 4294967296;

const CODEC_NAMES: readonly CompressionType[] = ["none", "gzip", "snappy", "lz4", "zstd"];
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** The fixed 61-byte header of a RecordBatch v2. */
export interface RecordBatchHeader {
  /** Offset of the first record. */
  baseOffset: number;
  /** Bytes after the batchLength field. */
  batchLength: number;
  /** Leader epoch of the broker that appended the batch (-1 from producers). */
  partitionLeaderEpoch: number;
  /** Format version; 2. */
  magic: number;
  /** CRC-32C of attributes..end, unsigned. */
  crc: number;
  /** Compression, timestamp type, transactional and control bits. */
  attributes: number;
  /** Offset delta of the last record. */
  lastOffsetDelta: number;
  /** Timestamp of the first record. */
  baseTimestamp: number;
  /** Largest timestamp (or the log append time). */
  maxTimestamp: number;
  /** Idempotent producer id, -1 if none. */
  producerId: number;
  /** Producer epoch, -1 if none. */
  producerEpoch: number;
  /** Sequence number of the first record, -1 if none. */
  baseSequence: number;
  /** Number of records. */
  recordCount: number;
}

/** A record header: a utf-8 key and bytes (or null). */
export interface RecordHeader {
  /** Header name. */
  key: string;
  /** Header value. */
  value: Uint8Array | null;
}

/** A record to encode. */
export interface RecordInput {
  /** Key bytes (absent or null = null key). */
  key?: Uint8Array | null;
  /** Value bytes, or null for a tombstone. */
  value: Uint8Array | null;
  /** Headers, in order. */
  headers?: RecordHeader[];
  /** Create time in ms; defaults to the batch's `now`. */
  timestamp?: number;
}

/** A record decoded from a batch; key and value are views into the batch bytes. */
export interface DecodedRecord {
  /** Absolute offset (baseOffset + offsetDelta). */
  offset: number;
  /** Timestamp in ms (maxTimestamp for LogAppendTime batches). */
  timestamp: number;
  /** Key bytes or null. */
  key: Uint8Array | null;
  /** Value bytes or null. */
  value: Uint8Array | null;
  /** Headers, in order. */
  headers: RecordHeader[];
}

/** Options of {@linkcode encodeRecordBatch}. */
export interface EncodeBatchOptions {
  /** Offset of the first record (default 0; brokers rewrite it). */
  baseOffset?: number;
  /** Default -1. */
  partitionLeaderEpoch?: number;
  /** Default -1 (not idempotent). */
  producerId?: number;
  /** Default -1. */
  producerEpoch?: number;
  /** Default -1. */
  baseSequence?: number;
  /** `"create"` (default) or `"logAppend"` (maxTimestamp = `now`). */
  timestampType?: "create" | "logAppend";
  /** Sets the transactional bit. */
  transactional?: boolean;
  /** Default timestamp for records without one, and the log append time (default `Date.now()`). */
  now?: number;
  /** CRC-32C implementation (default: the pure-TS {@linkcode crc32c}). */
  crc?: Crc32c;
}

/** Options of {@linkcode validateBatch}. */
export interface ValidateBatchOptions {
  /** CRC-32C implementation (default: the pure-TS {@linkcode crc32c}). */
  crc?: Crc32c;
  /** Allow lastOffsetDelta > recordCount - 1 (compacted batches). Default false. */
  allowOffsetGaps?: boolean;
  /** Walk the records of uncompressed batches (default true). */
  checkRecords?: boolean;
}

/** One complete batch found by {@linkcode iterateBatches}. */
export interface BatchLocation {
  /** Byte position of the batch in the buffer. */
  pos: number;
  /** Total bytes of the batch. */
  size: number;
  /** Its header. */
  header: RecordBatchHeader;
}

function invalid(message: string, cause?: unknown): WeirError {
  return new WeirError("INVALID_RECORD", message, cause === undefined ? undefined : { cause });
}

function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

function readInt64(view: DataView, at: number): number {
  return view.getInt32(at) * TWO_32 + view.getUint32(at + 4);
}

function writeInt64(view: DataView, at: number, n: number): void {
  view.setInt32(at, Math.floor(n / TWO_32));
  view.setUint32(at + 4, n >>> 0);
}

function checkInt64(what: string, n: number): void {
  if (!Number.isSafeInteger(n)) throw invalid(`Cannot ${what}: ${n} is not a safe integer`);
}

function checkInt(what: string, n: number, min: number, max: number): void {
  if (!(Number.isInteger(n) && n >= min && n <= max)) {
    throw invalid(`Cannot ${what}: ${n} is out of range`);
  }
}

/**
 * Reads the 61-byte header of the batch at `pos`. Does not check magic or CRC.
 *
 * @param buf Bytes holding the batch.
 * @param pos Byte position of the batch (default 0).
 * @returns The header fields.
 * @throws {WeirError} `INVALID_RECORD` if fewer than 61 bytes remain.
 */
export function readBatchHeader(buf: Uint8Array, pos = 0): RecordBatchHeader {
  if (pos < 0 || buf.length - pos < BATCH_HEADER_SIZE) {
    throw invalid(
      `Cannot read record batch header at byte ${pos}: ${
        Math.max(0, buf.length - pos)
      } bytes remain, ${BATCH_HEADER_SIZE} needed`,
    );
  }
  const v = viewOf(buf);
  return {
    baseOffset: readInt64(v, pos + OFF_BASE_OFFSET),
    batchLength: v.getInt32(pos + OFF_BATCH_LENGTH),
    partitionLeaderEpoch: v.getInt32(pos + OFF_LEADER_EPOCH),
    magic: v.getInt8(pos + OFF_MAGIC),
    crc: v.getUint32(pos + OFF_CRC),
    attributes: v.getInt16(pos + OFF_ATTRIBUTES),
    lastOffsetDelta: v.getInt32(pos + OFF_LAST_OFFSET_DELTA),
    baseTimestamp: readInt64(v, pos + OFF_BASE_TIMESTAMP),
    maxTimestamp: readInt64(v, pos + OFF_MAX_TIMESTAMP),
    producerId: readInt64(v, pos + OFF_PRODUCER_ID),
    producerEpoch: v.getInt16(pos + OFF_PRODUCER_EPOCH),
    baseSequence: v.getInt32(pos + OFF_BASE_SEQUENCE),
    recordCount: v.getInt32(pos + OFF_RECORD_COUNT),
  };
}

/**
 * Total bytes of the batch at `pos` (batchLength + 12), read from its length
 * field alone; the result may exceed what `buf` holds (a partial batch) and
 * is not checked against the header size.
 *
 * @param buf Bytes holding the batch.
 * @param pos Byte position of the batch (default 0).
 * @returns The size, or -1 if fewer than 12 bytes remain.
 */
export function batchSizeAt(buf: Uint8Array, pos = 0): number {
  if (pos < 0 || buf.length - pos < BATCH_LOG_OVERHEAD) return -1;
  const at = pos + OFF_BATCH_LENGTH;
  const len = (buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!;
  return len + BATCH_LOG_OVERHEAD;
}

/** Size of the batch at pos, checked to be >= the header and inside buf. */
function checkedBatchSize(buf: Uint8Array, pos: number, what: string): number {
  const size = batchSizeAt(buf, pos);
  if (size < 0) throw invalid(`Cannot ${what} at byte ${pos}: fewer than 12 bytes remain`);
  if (size < BATCH_HEADER_SIZE) {
    throw invalid(
      `Cannot ${what} at byte ${pos}: batch length ${
        size - BATCH_LOG_OVERHEAD
      } is smaller than the header`,
    );
  }
  if (pos + size > buf.length) {
    throw invalid(
      `Cannot ${what} at byte ${pos}: batch length ${
        size - BATCH_LOG_OVERHEAD
      } runs past the end (${buf.length - pos} bytes remain)`,
    );
  }
  return size;
}

/**
 * Rewrites the base offset of the batch at `pos` in place (outside the CRC).
 *
 * @param buf Bytes holding the batch.
 * @param pos Byte position of the batch.
 * @param baseOffset The new base offset (a safe integer).
 * @throws {WeirError} `INVALID_RECORD` if the header does not fit or the offset is unsafe.
 */
export function setBaseOffset(buf: Uint8Array, pos: number, baseOffset: number): void {
  if (pos < 0 || buf.length - pos < BATCH_LOG_OVERHEAD) {
    throw invalid(`Cannot set base offset at byte ${pos}: fewer than 12 bytes remain`);
  }
  checkInt64("set base offset", baseOffset);
  writeInt64(viewOf(buf), pos + OFF_BASE_OFFSET, baseOffset);
}

/**
 * Rewrites the partition leader epoch of the batch at `pos` in place (outside the CRC).
 *
 * @param buf Bytes holding the batch.
 * @param pos Byte position of the batch.
 * @param epoch The leader epoch (int32).
 * @throws {WeirError} `INVALID_RECORD` if the header does not fit or the epoch is not an int32.
 */
export function setPartitionLeaderEpoch(buf: Uint8Array, pos: number, epoch: number): void {
  if (pos < 0 || buf.length - pos < BATCH_HEADER_SIZE) {
    throw invalid(`Cannot set leader epoch at byte ${pos}: fewer than 61 bytes remain`);
  }
  checkInt("set leader epoch", epoch, -2147483648, 2147483647);
  viewOf(buf).setInt32(pos + OFF_LEADER_EPOCH, epoch);
}

/**
 * Computes the CRC-32C over attributes..end of the batch at `pos` (what the
 * crc field should hold).
 *
 * @param buf Bytes holding the batch.
 * @param pos Byte position of the batch.
 * @param crc CRC-32C implementation (default: the pure-TS one).
 * @returns The unsigned CRC.
 * @throws {WeirError} `INVALID_RECORD` if the batch length is too small or runs past `buf`.
 */
export function computeBatchCrc(buf: Uint8Array, pos: number, crc: Crc32c = crc32c): number {
  const size = checkedBatchSize(buf, pos, "compute record batch CRC");
  return crc(buf.subarray(pos + OFF_ATTRIBUTES, pos + size)) >>> 0;
}

/**
 * Marks the batch at `pos` as LogAppendTime with `maxTimestamp = ts`
 * (Kafka's semantics: every record then reads as `ts`) and rewrites its CRC.
 *
 * @param buf Bytes holding the batch.
 * @param pos Byte position of the batch.
 * @param ts The log append time in ms.
 * @param crc CRC-32C implementation (default: the pure-TS one).
 * @throws {WeirError} `INVALID_RECORD` if the batch does not fit or `ts` is unsafe.
 */
export function stampLogAppendTime(
  buf: Uint8Array,
  pos: number,
  ts: number,
  crc: Crc32c = crc32c,
): void {
  const size = checkedBatchSize(buf, pos, "stamp log append time");
  checkInt64("stamp log append time", ts);
  const v = viewOf(buf);
  v.setInt16(pos + OFF_ATTRIBUTES, v.getInt16(pos + OFF_ATTRIBUTES) | TIMESTAMP_TYPE_BIT);
  writeInt64(v, pos + OFF_MAX_TIMESTAMP, ts);
  v.setUint32(pos + OFF_CRC, crc(buf.subarray(pos + OFF_ATTRIBUTES, pos + size)) >>> 0);
}

/**
 * The compression codec of batch attributes.
 *
 * @param attributes The attributes field.
 * @returns The codec name.
 * @throws {WeirError} `INVALID_RECORD` for the undefined codec ids 5..7.
 */
export function compressionOf(attributes: number): CompressionType {
  const id = attributes & COMPRESSION_MASK;
  const name = CODEC_NAMES[id];
  if (name === undefined) {
    throw invalid(`Cannot read record batch attributes: unknown compression codec ${id}`);
  }
  return name;
}

/**
 * Whether the timestamp-type bit says LogAppendTime.
 *
 * @param attributes The attributes field.
 * @returns True for LogAppendTime, false for CreateTime.
 */
export function isLogAppendTime(attributes: number): boolean {
  return (attributes & TIMESTAMP_TYPE_BIT) !== 0;
}

/**
 * Whether the control bit is set (transaction markers).
 *
 * @param attributes The attributes field.
 * @returns True for a control batch.
 */
export function isControlBatch(attributes: number): boolean {
  return (attributes & CONTROL_BIT) !== 0;
}

/**
 * Whether the transactional bit is set.
 *
 * @param attributes The attributes field.
 * @returns True for a transactional batch.
 */
export function isTransactional(attributes: number): boolean {
  return (attributes & TRANSACTIONAL_BIT) !== 0;
}

/**
 * Walks the records in `buf[start, end)`. Pushes decoded records onto `out`
 * when given (views, not copies). Throws plain reasons (callers prefix them).
 */
function walkRecords(
  buf: Uint8Array,
  start: number,
  end: number,
  header: RecordBatchHeader,
  out: DecodedRecord[] | null,
): void {
  const count = header.recordCount;
  const logAppend = isLogAppendTime(header.attributes);
  const baseOffset = header.baseOffset;
  const baseTimestamp = header.baseTimestamp;
  const cursor: ByteCursor = { pos: start, end };
  let prevDelta = -1;
  for (let i = 0; i < count; i++) {
    if (cursor.pos >= end) throw new Error(`record ${i} of ${count} is missing`);
    const length = readVarint(buf, cursor);
    const recordStart = cursor.pos;
    const recordEnd = recordStart + length;
    if (length < 0 || recordEnd > end) {
      throw new Error(`record ${i} length ${length} runs past the batch end`);
    }
    cursor.end = recordEnd;
    cursor.pos++; // record attributes (unused in v2)
    const tsDelta = readVarlong(buf, cursor);
    const offsetDelta = readVarint(buf, cursor);
    if (offsetDelta <= prevDelta) {
      throw new Error(`record ${i} offset delta ${offsetDelta} is not increasing`);
    }
    prevDelta = offsetDelta;
    const keyLength = readVarint(buf, cursor);
    let key: Uint8Array | null = null;
    if (keyLength >= 0) {
      if (cursor.pos + keyLength > recordEnd) throw new Error(`record ${i} key runs past its end`);
      if (out) key = buf.subarray(cursor.pos, cursor.pos + keyLength);
      cursor.pos += keyLength;
    } else if (keyLength !== -1) {
      throw new Error(`record ${i} has key length ${keyLength}`);
    }
    const valueLength = readVarint(buf, cursor);
    let value: Uint8Array | null = null;
    if (valueLength >= 0) {
      if (cursor.pos + valueLength > recordEnd) {
        throw new Error(`record ${i} value runs past its end`);
      }
      if (out) value = buf.subarray(cursor.pos, cursor.pos + valueLength);
      cursor.pos += valueLength;
    } else if (valueLength !== -1) {
      throw new Error(`record ${i} has value length ${valueLength}`);
    }
    const headerCount = readVarint(buf, cursor);
    if (headerCount < 0) throw new Error(`record ${i} has header count ${headerCount}`);
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const hkLength = readVarint(buf, cursor);
      if (hkLength < 0 || cursor.pos + hkLength > recordEnd) {
        throw new Error(`record ${i} header ${h} key length ${hkLength} is invalid`);
      }
      const hkStart = cursor.pos;
      cursor.pos += hkLength;
      const hvLength = readVarint(buf, cursor);
      let hv: Uint8Array | null = null;
      if (hvLength >= 0) {
        if (cursor.pos + hvLength > recordEnd) {
          throw new Error(`record ${i} header ${h} value runs past its end`);
        }
        if (out) hv = buf.subarray(cursor.pos, cursor.pos + hvLength);
        cursor.pos += hvLength;
      } else if (hvLength !== -1) {
        throw new Error(`record ${i} header ${h} has value length ${hvLength}`);
      }
      if (out) headers.push({ key: decodeUtf8(buf, hkStart, hkStart + hkLength), value: hv });
    }
    if (cursor.pos !== recordEnd) {
      throw new Error(
        `record ${i} length ${length} does not match its ${cursor.pos - recordStart} bytes`,
      );
    }
    cursor.end = end;
    if (out) {
      out.push({
        offset: baseOffset + offsetDelta,
        timestamp: logAppend ? header.maxTimestamp : baseTimestamp + tsDelta,
        key,
        value,
        headers,
      });
    }
  }
  if (prevDelta > header.lastOffsetDelta) {
    throw new Error(`offset delta ${prevDelta} exceeds lastOffsetDelta ${header.lastOffsetDelta}`);
  }
  if (cursor.pos !== end) {
    throw new Error(`${end - cursor.pos} bytes follow the last of ${count} records`);
  }
}

function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  if (end - start <= 32) {
    let s = "";
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return textDecoder.decode(buf.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return textDecoder.decode(buf.subarray(start, end));
}

function utf8Length(s: string): number {
  let n = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

function writeUtf8(buf: Uint8Array, pos: number, s: string, byteLength: number): number {
  if (byteLength === s.length) {
    for (let i = 0; i < byteLength; i++) buf[pos + i] = s.charCodeAt(i);
  } else {
    textEncoder.encodeInto(s, buf.subarray(pos, pos + byteLength));
  }
  return pos + byteLength;
}

/**
 * Validates the batch at `pos` structurally: size >= 61 and inside `buf`,
 * magic 2, CRC, known codec, recordCount >= 0, lastOffsetDelta == recordCount
 * - 1 (or >= with `allowOffsetGaps`), and for uncompressed batches (unless
 * `checkRecords: false`) that exactly `recordCount` records fill the batch
 * with strictly increasing offset deltas.
 *
 * @param buf Bytes holding the batch.
 * @param pos Byte position of the batch.
 * @param options CRC implementation, offset gaps, record walk.
 * @returns The header.
 * @throws {WeirError} `INVALID_RECORD`: `Cannot validate record batch at byte N: <reason>`.
 *
 * @example Reject a flipped bit
 * ```ts
 * import { encodeRecordBatch, validateBatch } from "weir/client";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * const batch = encodeRecordBatch([{ value: new Uint8Array([1, 2, 3]) }], { now: 1 });
 * assertEquals(validateBatch(batch, 0).recordCount, 1);
 * batch[batch.length - 2]! ^= 1;
 * assertThrows(() => validateBatch(batch, 0), Error, "CRC");
 * ```
 */
export function validateBatch(
  buf: Uint8Array,
  pos: number,
  options: ValidateBatchOptions = {},
): RecordBatchHeader {
  const fail = (reason: string, cause?: unknown): WeirError =>
    invalid(`Cannot validate record batch at byte ${pos}: ${reason}`, cause);
  const size = batchSizeAt(buf, pos);
  if (size < 0) throw fail("fewer than 12 bytes remain");
  if (size < BATCH_HEADER_SIZE) {
    throw fail(`batch length ${size - BATCH_LOG_OVERHEAD} is smaller than the header`);
  }
  if (pos + size > buf.length) {
    throw fail(
      `batch length ${size - BATCH_LOG_OVERHEAD} runs past the end (${
        buf.length - pos
      } bytes remain)`,
    );
  }
  const header = readBatchHeader(buf, pos);
  if (header.magic !== RECORD_BATCH_MAGIC) throw fail(`magic ${header.magic} is not 2`);
  const computed = (options.crc ?? crc32c)(buf.subarray(pos + OFF_ATTRIBUTES, pos + size)) >>> 0;
  if (computed !== header.crc) {
    throw fail(`CRC mismatch (stored ${hex(header.crc)}, computed ${hex(computed)})`);
  }
  const codec = header.attributes & COMPRESSION_MASK;
  if (codec > 4) throw fail(`unknown compression codec ${codec}`);
  if (header.recordCount < 0) throw fail(`record count ${header.recordCount} is negative`);
  if (options.allowOffsetGaps) {
    if (header.lastOffsetDelta < header.recordCount - 1) {
      throw fail(
        `lastOffsetDelta ${header.lastOffsetDelta} is below record count ${header.recordCount} - 1`,
      );
    }
  } else if (header.lastOffsetDelta !== header.recordCount - 1) {
    throw fail(
      `lastOffsetDelta ${header.lastOffsetDelta} does not match record count ${header.recordCount}`,
    );
  }
  if (codec === 0 && options.checkRecords !== false) {
    try {
      walkRecords(buf, pos + BATCH_HEADER_SIZE, pos + size, header, null);
    } catch (e) {
      throw fail(e instanceof Error ? e.message : String(e), e);
    }
  }
  return header;
}

function hex(n: number): string {
  return "0x" + n.toString(16).padStart(8, "0");
}

function encodeInto(
  records: readonly RecordInput[],
  options: EncodeBatchOptions,
): Uint8Array {
  const n = records.length;
  if (n === 0) throw invalid("Cannot encode record batch: no records");
  const now = options.now ?? Date.now();
  const first = records[0]!;
  const baseTimestamp = first.timestamp ?? now;
  checkInt64("encode record batch", baseTimestamp);
  let maxTimestamp = -1;
  // Pass 1: exact sizes.
  const bodySizes = new Int32Array(n);
  let total = BATCH_HEADER_SIZE;
  let headerKeyLengths: number[] | null = null;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const ts = r.timestamp ?? now;
    if (ts > maxTimestamp) maxTimestamp = ts;
    const key = r.key;
    const value = r.value;
    let body = 1 + sizeOfVarlong(ts - baseTimestamp) + sizeOfVarint(i);
    body += key == null ? 1 : sizeOfVarint(key.length) + key.length;
    body += value === null ? 1 : sizeOfVarint(value.length) + value.length;
    const headers = r.headers;
    if (headers === undefined || headers.length === 0) {
      body += 1;
    } else {
      headerKeyLengths ??= [];
      body += sizeOfVarint(headers.length);
      for (const h of headers) {
        const kl = utf8Length(h.key);
        headerKeyLengths.push(kl);
        body += sizeOfVarint(kl) + kl;
        body += h.value === null ? 1 : sizeOfVarint(h.value.length) + h.value.length;
      }
    }
    if (!Number.isSafeInteger(ts)) {
      throw invalid(`Cannot encode record ${i}: timestamp ${ts} is not a safe integer`);
    }
    bodySizes[i] = body;
    total += sizeOfVarint(body) + body;
  }
  if (total - BATCH_LOG_OVERHEAD > 0x7fffffff) {
    throw invalid("Cannot encode record batch: batch exceeds 2 GiB");
  }
  const buf = new Uint8Array(total);
  // Pass 2: records.
  let p = BATCH_HEADER_SIZE;
  let hk = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    p = writeVarint(buf, p, bodySizes[i]!);
    buf[p++] = 0;
    p = writeVarlong(buf, p, (r.timestamp ?? now) - baseTimestamp);
    p = writeVarint(buf, p, i);
    const key = r.key;
    if (key == null) buf[p++] = 1;
    else {
      p = writeVarint(buf, p, key.length);
      buf.set(key, p);
      p += key.length;
    }
    const value = r.value;
    if (value === null) buf[p++] = 1;
    else {
      p = writeVarint(buf, p, value.length);
      buf.set(value, p);
      p += value.length;
    }
    const headers = r.headers;
    if (headers === undefined || headers.length === 0) buf[p++] = 0;
    else {
      p = writeVarint(buf, p, headers.length);
      for (const h of headers) {
        const kl = headerKeyLengths![hk++]!;
        p = writeVarint(buf, p, kl);
        p = writeUtf8(buf, p, h.key, kl);
        if (h.value === null) buf[p++] = 1;
        else {
          p = writeVarint(buf, p, h.value.length);
          buf.set(h.value, p);
          p += h.value.length;
        }
      }
    }
  }
  // Header.
  const baseOffset = options.baseOffset ?? 0;
  checkInt64("encode record batch base offset", baseOffset);
  const producerId = options.producerId ?? -1;
  checkInt64("encode record batch producer id", producerId);
  const epoch = options.partitionLeaderEpoch ?? -1;
  checkInt("encode record batch leader epoch", epoch, -2147483648, 2147483647);
  const producerEpoch = options.producerEpoch ?? -1;
  checkInt("encode record batch producer epoch", producerEpoch, -32768, 32767);
  const baseSequence = options.baseSequence ?? -1;
  checkInt("encode record batch base sequence", baseSequence, -2147483648, 2147483647);
  const logAppend = options.timestampType === "logAppend";
  if (logAppend) {
    checkInt64("encode record batch log append time", now);
    maxTimestamp = now;
  }
  let attributes = 0;
  if (logAppend) attributes |= TIMESTAMP_TYPE_BIT;
  if (options.transactional) attributes |= TRANSACTIONAL_BIT;
  const v = viewOf(buf);
  writeInt64(v, OFF_BASE_OFFSET, baseOffset);
  v.setInt32(OFF_BATCH_LENGTH, total - BATCH_LOG_OVERHEAD);
  v.setInt32(OFF_LEADER_EPOCH, epoch);
  v.setInt8(OFF_MAGIC, RECORD_BATCH_MAGIC);
  v.setInt16(OFF_ATTRIBUTES, attributes);
  v.setInt32(OFF_LAST_OFFSET_DELTA, n - 1);
  writeInt64(v, OFF_BASE_TIMESTAMP, baseTimestamp);
  writeInt64(v, OFF_MAX_TIMESTAMP, maxTimestamp);
  writeInt64(v, OFF_PRODUCER_ID, producerId);
  v.setInt16(OFF_PRODUCER_EPOCH, producerEpoch);
  v.setInt32(OFF_BASE_SEQUENCE, baseSequence);
  v.setInt32(OFF_RECORD_COUNT, n);
  return buf;
}

/**
 * Encodes an uncompressed RecordBatch v2. Record timestamps default to `now`;
 * baseTimestamp is the first record's, maxTimestamp the largest (or `now`
 * for `timestampType: "logAppend"`); offset deltas are 0..n-1.
 *
 * @param records The records, at least one.
 * @param options Header fields (producer id/epoch/sequence and leader epoch default to -1).
 * @returns The batch bytes.
 * @throws {WeirError} `INVALID_RECORD` for no records or out-of-range fields.
 *
 * @example Encode and decode
 * ```ts
 * import { decodeRecords, encodeRecordBatch } from "weir/client";
 * import { assertEquals } from "@std/assert";
 *
 * const value = new TextEncoder().encode("hi");
 * const batch = encodeRecordBatch([{ value }, { key: null, value: null }], { baseOffset: 7, now: 1000 });
 * const records = decodeRecords(batch);
 * assertEquals(records.map((r) => r.offset), [7, 8]);
 * assertEquals(records[0]!.value, value);
 * assertEquals(records[1]!.value, null);
 * ```
 */
export function encodeRecordBatch(
  records: readonly RecordInput[],
  options: EncodeBatchOptions = {},
): Uint8Array {
  const buf = encodeInto(records, options);
  viewOf(buf).setUint32(OFF_CRC, (options.crc ?? crc32c)(buf.subarray(OFF_ATTRIBUTES)) >>> 0);
  return buf;
}

/**
 * Encodes a RecordBatch v2 whose records section is compressed with
 * `compression` (gzip, snappy, lz4; `"none"` gives the same bytes as
 * {@linkcode encodeRecordBatch}).
 *
 * @param records The records, at least one.
 * @param options Header fields plus `compression`.
 * @returns The batch bytes.
 * @throws {WeirError} `UNSUPPORTED_COMPRESSION_TYPE` for zstd; `INVALID_RECORD` as for {@linkcode encodeRecordBatch}.
 */
export async function encodeRecordBatchCompressed(
  records: readonly RecordInput[],
  options: EncodeBatchOptions & { compression: CompressionType },
): Promise<Uint8Array> {
  const plain = encodeInto(records, options);
  const crc = options.crc ?? crc32c;
  if (options.compression === "none") {
    viewOf(plain).setUint32(OFF_CRC, crc(plain.subarray(OFF_ATTRIBUTES)) >>> 0);
    return plain;
  }
  const packed = await compress(plain.subarray(BATCH_HEADER_SIZE), options.compression);
  const buf = new Uint8Array(BATCH_HEADER_SIZE + packed.length);
  buf.set(plain.subarray(0, BATCH_HEADER_SIZE), 0);
  buf.set(packed, BATCH_HEADER_SIZE);
  const v = viewOf(buf);
  v.setInt32(OFF_BATCH_LENGTH, buf.length - BATCH_LOG_OVERHEAD);
  v.setInt16(OFF_ATTRIBUTES, v.getInt16(OFF_ATTRIBUTES) | Compression[options.compression]);
  v.setUint32(OFF_CRC, crc(buf.subarray(OFF_ATTRIBUTES)) >>> 0);
  return buf;
}

function decodeFrom(
  header: RecordBatchHeader,
  pos: number,
  records: Uint8Array,
  start: number,
  end: number,
): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  try {
    walkRecords(records, start, end, header, out);
  } catch (e) {
    throw invalid(
      `Cannot decode record batch at byte ${pos}: ${e instanceof Error ? e.message : String(e)}`,
      e,
    );
  }
  return out;
}

/**
 * Decodes the records of the uncompressed batch at `pos`. Keys, values and
 * header values are views into `buf`. Does not check the CRC (see
 * {@linkcode validateBatch}).
 *
 * @param buf Bytes holding the batch.
 * @param pos Byte position of the batch (default 0).
 * @returns The records with absolute offsets and Kafka timestamps.
 * @throws {WeirError} `UNSUPPORTED_COMPRESSION_TYPE` if compressed; `INVALID_RECORD` if malformed.
 */
export function decodeRecords(buf: Uint8Array, pos = 0): DecodedRecord[] {
  const size = checkedBatchSize(buf, pos, "decode record batch");
  const header = readBatchHeader(buf, pos);
  const codec = compressionOf(header.attributes);
  if (codec !== "none") {
    throw new WeirError(
      "UNSUPPORTED_COMPRESSION_TYPE",
      `Cannot decode record batch at byte ${pos}: it is compressed with "${codec}", use decodeRecordsAsync`,
    );
  }
  return decodeFrom(header, pos, buf, pos + BATCH_HEADER_SIZE, pos + size);
}

/**
 * Decodes the records of the batch at `pos`, decompressing gzip, snappy, lz4
 * and zstd (codecs in `options.codecs` go first, e.g. the broker's node:zlib).
 *
 * @param buf Bytes holding the batch.
 * @param pos Byte position of the batch (default 0).
 * @param options `codecs` adds decompressors; `maxBytes` bounds the decompressed size.
 * @returns The records.
 * @throws {WeirError} `INVALID_RECORD` if malformed;
 *   `RECORD_TOO_LARGE` past `maxBytes`.
 */
export async function decodeRecordsAsync(
  buf: Uint8Array,
  pos = 0,
  options: DecompressOptions = {},
): Promise<DecodedRecord[]> {
  const size = checkedBatchSize(buf, pos, "decode record batch");
  const header = readBatchHeader(buf, pos);
  const codec = compressionOf(header.attributes);
  if (codec === "none") return decodeFrom(header, pos, buf, pos + BATCH_HEADER_SIZE, pos + size);
  const plain = await decompress(buf.subarray(pos + BATCH_HEADER_SIZE, pos + size), codec, options);
  return decodeFrom(header, pos, plain, 0, plain.length);
}

/**
 * Decodes the records of the batch at `pos`, decompressing synchronously
 * with `options.codecs` (falling back to the portable snappy, lz4 and zstd).
 * Checks that exactly `recordCount` records fill the (decompressed) records
 * section, as {@linkcode validateBatch} does for uncompressed batches.
 *
 * @param buf Bytes holding the batch.
 * @param pos Byte position of the batch (default 0).
 * @param options `codecs` adds decompressors; `maxBytes` bounds the decompressed size.
 * @returns The records.
 * @throws {WeirError} `UNSUPPORTED_COMPRESSION_TYPE` with no synchronous codec; `INVALID_RECORD` if malformed;
 *   `RECORD_TOO_LARGE` past `maxBytes`.
 */
export function decodeRecordsSync(
  buf: Uint8Array,
  pos = 0,
  options: DecompressOptions = {},
): DecodedRecord[] {
  const size = checkedBatchSize(buf, pos, "decode record batch");
  const header = readBatchHeader(buf, pos);
  const codec = compressionOf(header.attributes);
  if (codec === "none") return decodeFrom(header, pos, buf, pos + BATCH_HEADER_SIZE, pos + size);
  const plain = decompressSync(buf.subarray(pos + BATCH_HEADER_SIZE, pos + size), codec, options);
  return decodeFrom(header, pos, plain, 0, plain.length);
}

/**
 * Iterates over the concatenated batches in `buf`, yielding every complete
 * batch and stopping quietly at a partial tail. Checks neither magic nor CRC.
 *
 * @param buf Concatenated batches, e.g. a segment read.
 * @returns A generator of `{ pos, size, header }`.
 * @throws {WeirError} `INVALID_RECORD` when a batch length is smaller than the 61-byte header.
 */
export function* iterateBatches(buf: Uint8Array): Generator<BatchLocation> {
  let pos = 0;
  while (true) {
    const size = batchSizeAt(buf, pos);
    if (size < 0 || pos + size > buf.length) return;
    if (size < BATCH_HEADER_SIZE) {
      throw invalid(
        `Cannot iterate record batches at byte ${pos}: batch length ${
          size - BATCH_LOG_OVERHEAD
        } is smaller than the header`,
      );
    }
    yield { pos, size, header: readBatchHeader(buf, pos) };
    pos += size;
  }
}
