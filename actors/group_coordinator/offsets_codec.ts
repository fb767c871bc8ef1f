/**
 * The record format of committed offsets in the compacted internal topic
 * `__consumer_offsets` (Kafka keeps them the same way, in its own binary
 * schema; Weir uses JSON so the log is readable with any fetch):
 *
 * - key: UTF-8 JSON of `[groupId, topic, partition]` — one key per committed
 *   partition, so compaction keeps only the latest commit of each.
 * - value: UTF-8 JSON of `{ offset, metadata, commitTimestamp }`, or `null`
 *   (a tombstone: the committed offset is deleted).
 *
 * One commit request is one RecordBatch v2 (atomic on append).
 *
 * @module
 */
import { encodeRecordBatch, type RecordInput, WeirError } from "../../client/protocol/mod.ts";

/** Name of the internal topic holding committed offsets. */
export const OFFSETS_TOPIC = "__consumer_offsets";

/** A committed offset as stored. */
export interface OffsetValue {
  /** The next offset the group will read. */
  offset: number;
  /** Free text given with the commit ("" when none). */
  metadata: string;
  /** Coordinator time of the commit (ms). */
  commitTimestamp: number;
}

/** One stored entry: a committed offset, or `null` to delete it. */
export interface OffsetEntry {
  /** Topic name. */
  topic: string;
  /** Partition index. */
  partition: number;
  /** The value, or null for a tombstone. */
  value: OffsetValue | null;
}

/** Committed offsets of one group by `"topic\u0000partition"` (see {@linkcode offsetKey}). */
export type OffsetMap = Map<string, { topic: string; partition: number; value: OffsetValue }>;

/** Map key of a (topic, partition). */
export function offsetKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encodes a group's entries as one RecordBatch v2.
 *
 * @param groupId The group.
 * @param entries At least one entry.
 * @param options `now`: batch timestamp (ms).
 * @returns The batch bytes (own buffer, transferable).
 */
export function encodeOffsetEntries(
  groupId: string,
  entries: readonly OffsetEntry[],
  options: { now: number },
): Uint8Array {
  const records: RecordInput[] = entries.map((e) => ({
    key: encoder.encode(JSON.stringify([groupId, e.topic, e.partition])),
    value: e.value === null ? null : encoder.encode(JSON.stringify({
      offset: e.value.offset,
      metadata: e.value.metadata,
      commitTimestamp: e.value.commitTimestamp,
    })),
  }));
  return encodeRecordBatch(records, { now: options.now });
}

/** A decoded offsets record. */
export interface DecodedOffsetRecord extends OffsetEntry {
  /** The group the record belongs to. */
  groupId: string;
}

/**
 * Decodes one offsets record's key and value.
 *
 * @param key Key bytes.
 * @param value Value bytes or null (tombstone).
 * @returns The entry.
 * @throws {WeirError} `CORRUPT_MESSAGE` when key or value is not in the format above.
 */
export function decodeOffsetRecord(
  key: Uint8Array | null,
  value: Uint8Array | null,
): DecodedOffsetRecord {
  const bad = (why: string) =>
    new WeirError("CORRUPT_MESSAGE", `Cannot decode a committed offset: ${why}`);
  if (key === null) throw bad("the record has no key");
  let parsedKey: unknown;
  try {
    parsedKey = JSON.parse(decoder.decode(key));
  } catch {
    throw bad("the key is not JSON");
  }
  if (
    !Array.isArray(parsedKey) || parsedKey.length !== 3 || typeof parsedKey[0] !== "string" ||
    typeof parsedKey[1] !== "string" || !Number.isSafeInteger(parsedKey[2])
  ) {
    throw bad("the key is not [groupId, topic, partition]");
  }
  const [groupId, topic, partition] = parsedKey as [string, string, number];
  if (value === null) return { groupId, topic, partition, value: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(value));
  } catch {
    throw bad("the value is not JSON");
  }
  const v = parsed as Partial<OffsetValue> | null;
  if (
    v === null || typeof v !== "object" || !Number.isSafeInteger(v.offset) ||
    typeof v.metadata !== "string" || typeof v.commitTimestamp !== "number"
  ) {
    throw bad("the value is not { offset, metadata, commitTimestamp }");
  }
  return {
    groupId,
    topic,
    partition,
    value: { offset: v.offset!, metadata: v.metadata, commitTimestamp: v.commitTimestamp },
  };
}

/**
 * Applies decoded records of one group in log order (last write wins,
 * tombstones delete).
 *
 * @param into The map to update.
 * @param entries Entries in log order.
 */
export function applyOffsetEntries(into: OffsetMap, entries: Iterable<OffsetEntry>): void {
  for (const e of entries) {
    const key = offsetKey(e.topic, e.partition);
    if (e.value === null) into.delete(key);
    else into.set(key, { topic: e.topic, partition: e.partition, value: { ...e.value } });
  }
}
