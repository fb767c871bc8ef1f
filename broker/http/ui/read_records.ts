/**
 * The record browser's read: resolves where to start (an offset, the log
 * ends, the last N records or a timestamp) and decodes up to `limit` records
 * of one partition through the same {@linkcode EdgeBackend} the routes use.
 * Control batches (transaction markers) are skipped.
 *
 * @module
 */
import {
  type DecodedRecord,
  decodeRecordsAsync,
  isControlBatch,
  iterateBatches,
  WeirError,
} from "../../../client/protocol/mod.ts";
import { SERVER_CODECS } from "../../../actors/partition/mod.ts";
import type { EdgeBackend } from "../backend.ts";

/** Where the browser starts reading. */
export type BrowseStart =
  | { kind: "offset"; offset: number }
  | { kind: "earliest" }
  | { kind: "tail" }
  | { kind: "timestamp"; timestamp: number };

/** Options of {@linkcode readRecords}. */
export interface ReadRecordsOptions {
  /** Start point; `tail` shows the last `limit` records. */
  start: BrowseStart;
  /** Most records to return. */
  limit: number;
}

/** What the browser shows of one partition. */
export interface ReadRecordsResult {
  /** The decoded records, in offset order. */
  records: DecodedRecord[];
  /** First offset read (after resolving the start). */
  from: number;
  /** Offset after the last record shown: where the live tail continues. */
  nextOffset: number;
  /** Partition's first offset. */
  logStartOffset: number;
  /** Partition's high watermark. */
  highWatermark: number;
}

const MAX_READ_BYTES = 4 * 1024 * 1024;

/**
 * Reads records of one partition for display.
 *
 * @param backend The broker.
 * @param at Topic and partition.
 * @param options Start and limit.
 * @returns The records and the partition's bounds.
 * @throws {WeirError} `UNKNOWN_TOPIC_OR_PARTITION`; `OFFSET_OUT_OF_RANGE` for an
 * offset outside the log; `CORRUPT_MESSAGE` for a batch that cannot be decoded.
 */
export async function readRecords(
  backend: EdgeBackend,
  at: { topic: string; partition: number },
  options: ReadRecordsOptions,
): Promise<ReadRecordsResult> {
  const { topic, partition } = at;
  const { start, limit } = options;
  const bounds = await backend.listOffsets(
    topic,
    partition,
    start.kind === "timestamp" ? { timestamp: start.timestamp } : {},
  );
  let from: number;
  switch (start.kind) {
    case "offset":
      from = start.offset;
      break;
    case "earliest":
      from = bounds.earliest;
      break;
    case "tail":
      from = Math.max(bounds.earliest, bounds.latest - limit);
      break;
    case "timestamp":
      from = bounds.offsetForTimestamp ?? bounds.latest;
      break;
  }
  const fetched = await backend.fetchBatches(topic, partition, {
    offset: from,
    maxBytes: MAX_READ_BYTES,
    maxRecords: limit,
    waitMs: 0,
  });
  const records: DecodedRecord[] = [];
  for (const { pos, header } of iterateBatches(fetched.batches)) {
    if (records.length >= limit) break;
    if (isControlBatch(header.attributes)) continue;
    if (header.baseOffset + header.lastOffsetDelta < from) continue;
    let decoded: DecodedRecord[];
    try {
      decoded = await decodeRecordsAsync(fetched.batches, pos, { codecs: SERVER_CODECS });
    } catch (cause) {
      throw new WeirError(
        "CORRUPT_MESSAGE",
        `Cannot show the batch at offset ${header.baseOffset}: it does not decode`,
        { cause },
      );
    }
    for (const record of decoded) {
      if (record.offset < from) continue;
      if (records.length >= limit) break;
      records.push(record);
    }
  }
  const last = records.at(-1);
  return {
    records,
    from,
    nextOffset: last === undefined ? Math.max(from, fetched.nextOffset) : last.offset + 1,
    logStartOffset: fetched.logStartOffset,
    highWatermark: fetched.highWatermark,
  };
}
