/**
 * The per-request record limit of API.md ("Produce: ≤ 100,000 records per
 * request") for the binary produce route, where the records arrive as
 * RecordBatch v2 rather than a JSON array.
 *
 * @module
 */
import {
  BATCH_HEADER_SIZE,
  batchSizeAt,
  MAX_RECORDS_PER_REQUEST,
  readBatchHeader,
  WeirError,
} from "../../client/protocol/mod.ts";

/**
 * Sums the `recordCount` of the batches in `bytes` (headers only; anything
 * malformed is left to the partition's validation) and refuses more than
 * `maxRecords`.
 *
 * @param bytes Concatenated RecordBatch v2, as sent.
 * @param options `maxRecords` (default 100,000) and `where` for the message.
 * @throws {WeirError} `INVALID_REQUEST` when the batches hold more records.
 *
 * @example Two batches under the limit
 * ```ts
 * import { encodeRecordBatch } from "../../client/protocol/mod.ts";
 * import { checkRecordLimit } from "./record_limit.ts";
 * import { assertThrows } from "@std/assert";
 *
 * const batch = encodeRecordBatch([{ value: null }, { value: null }], { now: 1 });
 * checkRecordLimit(batch, { maxRecords: 2 });
 * assertThrows(() => checkRecordLimit(batch, { maxRecords: 1 }));
 * ```
 */
export function checkRecordLimit(
  bytes: Uint8Array,
  options: { maxRecords?: number; where?: string } = {},
): void {
  const max = options.maxRecords ?? MAX_RECORDS_PER_REQUEST;
  let total = 0;
  let pos = 0;
  while (pos < bytes.length) {
    const size = batchSizeAt(bytes, pos);
    if (size < BATCH_HEADER_SIZE || pos + size > bytes.length) return;
    total += Math.max(0, readBatchHeader(bytes, pos).recordCount);
    if (total > max) {
      throw new WeirError(
        "INVALID_REQUEST",
        `${options.where ?? "Cannot append"}: the request holds more than ${max} records`,
      );
    }
    pos += size;
  }
}
