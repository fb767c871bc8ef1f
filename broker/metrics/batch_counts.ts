/**
 * {@linkcode countBatches}: records and bytes of concatenated RecordBatch v2
 * batches, read from the batch headers alone (no record is decoded), so the
 * produce and fetch paths can be metered at the cost of one header read per
 * batch.
 *
 * @module
 */
import { BATCH_HEADER_SIZE, batchSizeAt } from "../../client/protocol/mod.ts";

/** Byte position of `recordCount` in a RecordBatch v2 header. */
const RECORD_COUNT_AT = 57;

/** Records and bytes of a run of batches. */
export interface BatchCounts {
  /** Sum of the batches' `recordCount` fields. */
  records: number;
  /** Bytes of the complete batches counted. */
  bytes: number;
}

/**
 * Counts the records and bytes of the complete batches at the start of
 * `buf`. Stops quietly at a partial tail or at a length smaller than the
 * 61-byte header (metering never throws; validation is the partition's job).
 *
 * @param buf Concatenated Kafka RecordBatch v2 batches.
 * @returns Records (from each header's `recordCount`) and bytes counted.
 *
 * @example Count two batches
 * ```ts
 * import { countBatches } from "./batch_counts.ts";
 * import { encodeRecordBatch } from "../../client/protocol/mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const value = new TextEncoder().encode("v");
 * const a = encodeRecordBatch([{ value }, { value }], { now: 1 });
 * const b = encodeRecordBatch([{ value }], { now: 1 });
 * const both = new Uint8Array([...a, ...b]);
 * assertEquals(countBatches(both), { records: 3, bytes: a.length + b.length });
 * ```
 */
export function countBatches(buf: Uint8Array): BatchCounts {
  let records = 0;
  let pos = 0;
  while (true) {
    const size = batchSizeAt(buf, pos);
    if (size < BATCH_HEADER_SIZE || pos + size > buf.length) break;
    const at = pos + RECORD_COUNT_AT;
    const count = (buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!;
    if (count > 0) records += count;
    pos += size;
  }
  return { records, bytes: pos };
}
