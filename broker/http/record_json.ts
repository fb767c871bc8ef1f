/**
 * JSON records ⇄ Kafka RecordBatch v2, for the JSON produce and fetch routes.
 * Pure: no I/O; time and randomness are passed in.
 *
 * Produce (API.md "Record encoding"):
 * - key: UTF-8 of `key`, or the bytes of `keyBase64`; absent/null = null key.
 * - value: the UTF-8 JSON text of `value` (the string `"a"` is stored with its
 *   quotes), or the bytes of `valueBase64`; `value: null` is a null value
 *   (a tombstone). One of `value`/`valueBase64` is required.
 * - headers: string → string, stored as UTF-8.
 * - partition: the record's `partition`, else Kafka's murmur2 of the key
 *   bytes, else one random partition for every keyless record of the request
 *   (sticky per request).
 * - Each partition's records become one batch, split in halves until every
 *   batch fits `max.message.bytes`; a single record that does not fit is
 *   413 `RECORD_TOO_LARGE`. Everything is checked before anything is returned,
 *   so a bad record means nothing of the request is written.
 *
 * Fetch formats: `json` (value parsed when its bytes are UTF-8 JSON, else
 * `valueBase64`; key as a string, or `keyBase64` when not UTF-8), `string`
 * (key and value as UTF-8 strings, base64 when not UTF-8), `binary`
 * (`keyBase64`, `valueBase64`). Null keys/values stay null; a null header
 * value is shown as `""`.
 *
 * @module
 */
import {
  decodeRecordsAsync,
  encodeRecordBatch,
  type FetchedRecord,
  iterateBatches,
  type JsonValue,
  partitionForKey,
  WeirError,
} from "../../client/protocol/mod.ts";
import { SERVER_CODECS } from "../../actors/partition/mod.ts";
import type { RecordFormat } from "./fetch_query.ts";

/** One record of a JSON produce after schema validation (`value` may be any parsed JSON). */
export interface JsonProduceRecord {
  key?: string | null | undefined;
  keyBase64?: string | undefined;
  value?: unknown;
  valueBase64?: string | undefined;
  headers?: Record<string, string> | undefined;
  partition?: number | undefined;
  timestamp?: number | undefined;
}

/** Options of {@linkcode encodeProduceRecords}. */
export interface EncodeProduceOptions {
  /** Partition count of the topic. */
  partitions: number;
  /** The topic's `max.message.bytes`: largest batch allowed. */
  maxBatchBytes: number;
  /** Broker time, for records without `timestamp`. */
  now: () => number;
  /** Randomness in [0, 1), for the sticky partition of keyless records. */
  random: () => number;
  /** Refuse records without a key (compacted topics), before any is written. */
  requireKeys?: boolean;
}

/** The batches for one partition and where its records sit in the request. */
export interface PartitionBatches {
  /** Target partition. */
  partition: number;
  /** One or more RecordBatch v2, concatenated, offsets relative (base offset 0). */
  batches: Uint8Array;
  /** Request index of each record, in the order they appear in `batches`. */
  recordIndexes: number[];
}

interface EncodableRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
  timestamp: number;
}

const utf8 = new TextEncoder();

function badRecord(index: number, reason: string, cause?: unknown): WeirError {
  return new WeirError(
    "INVALID_RECORD",
    `Cannot produce record ${index}: ${reason}`,
    cause === undefined ? undefined : { cause },
  );
}

function fromBase64(text: string, index: number, field: string): Uint8Array {
  try {
    return Uint8Array.fromBase64(text);
  } catch (cause) {
    throw badRecord(index, `${field} is not valid base64`, cause);
  }
}

/**
 * Turns JSON produce records into RecordBatch v2 per partition, validating
 * every record first.
 *
 * @param records The records, in request order.
 * @param options Partition count, batch limit, clock and randomness.
 * @returns One entry per partition used, in ascending partition order.
 * @throws {WeirError} `INVALID_RECORD` for a bad record (both key forms, both
 * value forms, no value, bad base64, partition out of range); `RECORD_TOO_LARGE`
 * for a record that alone exceeds `maxBatchBytes`.
 *
 * @example Keyed records land where Kafka would put them
 * ```ts
 * import { encodeProduceRecords } from "./record_json.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const plan = encodeProduceRecords([{ key: "a", value: 1 }, { value: "x", partition: 2 }], {
 *   partitions: 4, maxBatchBytes: 1 << 20, now: () => 0, random: () => 0,
 * });
 * assertEquals(plan.map((p) => p.recordIndexes.length), [1, 1]);
 * ```
 */
export function encodeProduceRecords(
  records: readonly JsonProduceRecord[],
  options: EncodeProduceOptions,
): PartitionBatches[] {
  const { partitions } = options;
  const byPartition = new Map<number, { records: EncodableRecord[]; indexes: number[] }>();
  let sticky: number | undefined;
  const now = options.now();
  records.forEach((record, index) => {
    if (record.key !== undefined && record.keyBase64 !== undefined) {
      throw badRecord(index, "give key or keyBase64, not both");
    }
    if (record.value !== undefined && record.valueBase64 !== undefined) {
      throw badRecord(index, "give value or valueBase64, not both");
    }
    if (record.value === undefined && record.valueBase64 === undefined) {
      throw badRecord(index, "value or valueBase64 is required (null for a tombstone)");
    }
    const key = record.keyBase64 !== undefined
      ? fromBase64(record.keyBase64, index, "keyBase64")
      : typeof record.key === "string"
      ? utf8.encode(record.key)
      : null;
    if (key === null && options.requireKeys) {
      throw badRecord(index, "a compacted topic needs a key on every record");
    }
    const value = record.valueBase64 !== undefined
      ? fromBase64(record.valueBase64, index, "valueBase64")
      : record.value === null
      ? null
      : utf8.encode(jsonText(record.value, index));
    let partition: number;
    if (record.partition !== undefined) {
      if (!Number.isInteger(record.partition) || record.partition < 0) {
        throw badRecord(index, `partition ${record.partition} is not a partition index`);
      }
      if (record.partition >= partitions) {
        throw badRecord(
          index,
          `partition ${record.partition} does not exist (the topic has ${partitions})`,
        );
      }
      partition = record.partition;
    } else if (key !== null) {
      partition = partitionForKey(key, partitions);
    } else {
      sticky ??= Math.min(partitions - 1, Math.floor(options.random() * partitions));
      partition = sticky;
    }
    const headers = Object.entries(record.headers ?? {}).map(([k, v]) => ({
      key: k,
      value: utf8.encode(v),
    }));
    const entry = byPartition.get(partition) ?? { records: [], indexes: [] };
    entry.records.push({ key, value, headers, timestamp: record.timestamp ?? now });
    entry.indexes.push(index);
    byPartition.set(partition, entry);
  });
  return [...byPartition.entries()].sort(([a], [b]) => a - b).map(([partition, entry]) => ({
    partition,
    batches: concat(encodeFitting(entry.records, entry.indexes, options.maxBatchBytes)),
    recordIndexes: entry.indexes,
  }));
}

function jsonText(value: unknown, index: number): string {
  try {
    const text = JSON.stringify(value);
    if (typeof text !== "string") throw new TypeError("not representable as JSON");
    return text;
  } catch (cause) {
    throw badRecord(index, "value is not representable as JSON", cause);
  }
}

/** Encodes records as one batch, halving until each batch fits `maxBytes`. */
function encodeFitting(
  records: EncodableRecord[],
  indexes: number[],
  maxBytes: number,
): Uint8Array[] {
  const batch = encodeRecordBatch(records);
  if (batch.byteLength <= maxBytes) return [batch];
  if (records.length === 1) {
    throw new WeirError(
      "RECORD_TOO_LARGE",
      `Cannot produce record ${
        indexes[0]
      }: its batch is ${batch.byteLength} bytes, over max.message.bytes ${maxBytes}`,
    );
  }
  const half = Math.ceil(records.length / 2);
  return [
    ...encodeFitting(records.slice(0, half), indexes.slice(0, half), maxBytes),
    ...encodeFitting(records.slice(half), indexes.slice(half), maxBytes),
  ];
}

function concat(parts: Uint8Array[]): Uint8Array {
  const only = parts[0];
  if (parts.length === 1 && only !== undefined) return only;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/**
 * Maps each partition's assigned base offset back to the request's order.
 *
 * @param plan What {@linkcode encodeProduceRecords} returned.
 * @param baseOffsets The base offset the backend assigned to each plan entry (same order).
 * @returns `{ partition, offset }` per request record, in request order.
 */
export function offsetsInRequestOrder(
  plan: readonly PartitionBatches[],
  baseOffsets: readonly number[],
): { partition: number; offset: number }[] {
  const total = plan.reduce((n, p) => n + p.recordIndexes.length, 0);
  const out = new Array<{ partition: number; offset: number }>(total);
  plan.forEach((entry, i) => {
    const base = baseOffsets[i] ?? 0;
    entry.recordIndexes.forEach((index, k) => {
      out[index] = { partition: entry.partition, offset: base + k };
    });
  });
  return out;
}

/** A record as the codec decodes it. */
export interface DecodedRecordLike {
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: readonly { key: string; value: Uint8Array | null }[];
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lossyUtf8 = new TextDecoder("utf-8");

function tryUtf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Shows one decoded record in a fetch format.
 *
 * @param record The decoded record.
 * @param format `json`, `string` or `binary`.
 * @returns The JSON record of `GET .../records`.
 */
export function formatRecord(record: DecodedRecordLike, format: RecordFormat): FetchedRecord {
  const headers: Record<string, string> = {};
  for (const h of record.headers) {
    headers[h.key] = h.value === null ? "" : lossyUtf8.decode(h.value);
  }
  const out: FetchedRecord = { offset: record.offset, timestamp: record.timestamp, headers };
  const { key, value } = record;
  if (format === "binary") {
    out.keyBase64 = key === null ? null : key.toBase64();
    out.valueBase64 = value === null ? null : value.toBase64();
    return out;
  }
  if (key === null) out.key = null;
  else {
    const text = tryUtf8(key);
    if (text === null) out.keyBase64 = key.toBase64();
    else out.key = text;
  }
  if (value === null) {
    out.value = null;
    return out;
  }
  const text = tryUtf8(value);
  if (text === null) out.valueBase64 = value.toBase64();
  else if (format === "string") out.value = text;
  else {
    const parsed = parseJson(text);
    if (parsed === undefined) out.valueBase64 = value.toBase64();
    else out.value = parsed;
  }
  return out;
}

function parseJson(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/** Options of {@linkcode decodeFetchedRecords}. */
export interface DecodeFetchedOptions {
  /** Skip records below this offset (a batch may start before the asked offset). */
  fromOffset: number;
  /** Return at most this many records. */
  maxRecords: number;
  /** Display format. */
  format: RecordFormat;
}

/**
 * Decodes concatenated batches into fetch records: records below
 * `fromOffset` are skipped and at most `maxRecords` are returned.
 *
 * @param batches Whole RecordBatch v2 batches, concatenated.
 * @param options Start, limit and format.
 * @returns The records, in offset order.
 * @throws {WeirError} `CORRUPT_MESSAGE` when a batch cannot be decoded.
 */
export async function decodeFetchedRecords(
  batches: Uint8Array,
  options: DecodeFetchedOptions,
): Promise<FetchedRecord[]> {
  const out: FetchedRecord[] = [];
  for (const { pos, header } of iterateBatches(batches)) {
    if (out.length >= options.maxRecords) break;
    if (header.baseOffset + header.lastOffsetDelta < options.fromOffset) continue;
    let records: DecodedRecordLike[];
    try {
      records = await decodeRecordsAsync(batches, pos, { codecs: SERVER_CODECS });
    } catch (cause) {
      throw new WeirError(
        "CORRUPT_MESSAGE",
        `Cannot decode the batch at offset ${header.baseOffset}: ${
          cause instanceof Error ? cause.message : String(cause)
        }`,
        { cause },
      );
    }
    for (const record of records) {
      if (record.offset < options.fromOffset) continue;
      if (out.length >= options.maxRecords) break;
      out.push(formatRecord(record, options.format));
    }
  }
  return out;
}
