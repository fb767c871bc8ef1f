/**
 * Log compaction (`cleanup.policy=compact`): keep the latest record of every
 * key in closed, fsynced segments; drop tombstones (null values) whose
 * segment's largest timestamp is older than `delete.retention.ms`. Offsets
 * and order never change: kept records keep their bytes (offset and
 * timestamp deltas are relative to the unchanged batch header), a batch
 * keeps its base offset and `lastOffsetDelta`, and only `batchLength`,
 * `recordCount` and the CRC are rewritten. A batch left with no record is
 * dropped; a segment left empty stays as an empty file until retention.
 *
 * Compressed batches are decompressed ({@linkcode SERVER_CODECS}) to be
 * looked into; one that loses records is written back uncompressed (still
 * valid Kafka: the codec bits are cleared), one that loses none is kept as
 * it came. Control batches, and compressed batches that cannot be
 * decompressed, are kept whole and do not shadow older records.
 *
 * Crash safety (one segment at a time, base offset B):
 *
 * 1. Write `B.log.cleaned`, `B.index.cleaned`, `B.timeindex.cleaned`; fsync.
 * 2. Rename `B.index.cleaned` and `B.timeindex.cleaned` to `.swap`, then
 *    `B.log.cleaned` to `B.log.swap` (the commit point); fsync the directory.
 * 3. Rename `B.log.swap` over `B.log`, then the index swaps over the
 *    indexes; fsync the directory.
 *
 * Recovery: any `B.log.cleaned` means not committed (delete cleaned and
 * swap files, the original is intact); otherwise `.swap` files are renamed
 * over the originals. A crash at any point leaves the old segment or the
 * new one, never a mix.
 *
 * @module
 */
import {
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  compressionOf,
  type Crc32c,
  decompressSync,
  readVarint,
  readVarlong,
  type RecordBatchHeader,
} from "../../../client/protocol/codec.ts";
import { SERVER_CODECS } from "./compression_codecs.ts";
import type { LogFileSystem } from "./log_fs.ts";
import { CLEANED_SUFFIX, SEGMENT_SUFFIXES, segmentPath, SWAP_SUFFIX } from "./log_files.ts";

const keyDecoder = new TextDecoder("windows-1252");

/** A map key for raw key bytes (windows-1252 decoding is one-to-one on bytes). */
export function keyString(key: Uint8Array): string {
  return keyDecoder.decode(key);
}

/** Whether compaction can look inside this batch. */
export function isCompactable(header: RecordBatchHeader): boolean {
  return (header.attributes & 0x07) === 0 && (header.attributes & 0x20) === 0;
}

/**
 * The batch as an uncompressed one: itself, or (compressed) its records
 * decompressed under a copy of its header with the codec bits cleared; null
 * for control batches and batches that cannot be decompressed.
 */
function plainBatch(
  buf: Uint8Array,
  pos: number,
  header: RecordBatchHeader,
): { buf: Uint8Array; pos: number; header: RecordBatchHeader } | null {
  if ((header.attributes & 0x20) !== 0) return null;
  if ((header.attributes & 0x07) === 0) return { buf, pos, header };
  const size = header.batchLength + BATCH_LOG_OVERHEAD;
  let plain: Uint8Array;
  try {
    plain = decompressSync(
      buf.subarray(pos + BATCH_HEADER_SIZE, pos + size),
      compressionOf(header.attributes),
      { codecs: SERVER_CODECS },
    );
  } catch {
    return null;
  }
  const out = new Uint8Array(BATCH_HEADER_SIZE + plain.length);
  out.set(buf.subarray(pos, pos + BATCH_HEADER_SIZE), 0);
  out.set(plain, BATCH_HEADER_SIZE);
  const attributes = header.attributes & ~0x07;
  const view = new DataView(out.buffer);
  view.setInt32(8, out.length - BATCH_LOG_OVERHEAD);
  view.setInt16(21, attributes);
  return {
    buf: out,
    pos: 0,
    header: { ...header, batchLength: out.length - BATCH_LOG_OVERHEAD, attributes },
  };
}

/** Calls fn(offset, keyStart, keyEnd (or -1 for null), isTombstone, recordStart, recordEnd) per record. */
function walk(
  buf: Uint8Array,
  pos: number,
  header: RecordBatchHeader,
  fn: (
    offset: number,
    key: Uint8Array | null,
    tombstone: boolean,
    start: number,
    end: number,
  ) => void,
): void {
  const end = pos + header.batchLength + BATCH_LOG_OVERHEAD;
  const cursor = { pos: pos + BATCH_HEADER_SIZE, end };
  for (let i = 0; i < header.recordCount; i++) {
    const start = cursor.pos;
    const length = readVarint(buf, cursor);
    const bodyEnd = cursor.pos + length;
    if (length < 0 || bodyEnd > end) {
      throw new RangeError(`record ${i} of the batch at offset ${header.baseOffset} runs past it`);
    }
    cursor.end = bodyEnd;
    cursor.pos++;
    readVarlong(buf, cursor);
    const offset = header.baseOffset + readVarint(buf, cursor);
    const keyLength = readVarint(buf, cursor);
    let key: Uint8Array | null = null;
    if (keyLength >= 0) {
      key = buf.subarray(cursor.pos, cursor.pos + keyLength);
      cursor.pos += keyLength;
    }
    const valueLength = readVarint(buf, cursor);
    fn(offset, key, valueLength < 0, start, bodyEnd);
    cursor.pos = bodyEnd;
    cursor.end = end;
  }
}

/**
 * Records the offset of every keyed record of a batch in `latest`
 * (later calls overwrite earlier offsets).
 *
 * @param buf Bytes holding the batch.
 * @param pos Its position.
 * @param options `header` of the batch and the `latest` map to update.
 */
export function collectLatest(
  buf: Uint8Array,
  pos: number,
  options: { header: RecordBatchHeader; latest: Map<string, number> },
): void {
  const plain = plainBatch(buf, pos, options.header);
  if (plain === null) return;
  walk(plain.buf, plain.pos, plain.header, (offset, key) => {
    if (key !== null) options.latest.set(keyString(key), offset);
  });
}

/** Result of {@linkcode filterBatch}. */
export interface FilteredBatch {
  /** The batch to keep (the input view when unchanged), or null to drop it. */
  bytes: Uint8Array | null;
  /** Records removed. */
  removed: number;
}

/**
 * Keeps the records of one batch that are the latest for their key (and
 * tombstones unless `dropTombstones`); records without a key are kept.
 *
 * @param buf Bytes holding the batch.
 * @param pos Its position.
 * @param options Header, latest offsets, tombstone rule, CRC.
 * @returns The rewritten batch (or the original view) and the count removed.
 *
 * @example Keep the latest value of a key
 * ```ts
 * import { encodeRecordBatch, decodeRecords, readBatchHeader, crc32c } from "../../../client/protocol/mod.ts";
 * import { collectLatest, filterBatch } from "./compaction.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const k = new Uint8Array([1]);
 * const batch = encodeRecordBatch([{ key: k, value: k }, { key: k, value: null }], { now: 0 });
 * const header = readBatchHeader(batch);
 * const latest = new Map<string, number>();
 * collectLatest(batch, 0, { header, latest });
 * const out = filterBatch(batch, 0, { header, latest, dropTombstones: false, crc: crc32c });
 * assertEquals(out.removed, 1);
 * assertEquals(decodeRecords(out.bytes!).map((r) => r.offset), [1]);
 * ```
 */
export function filterBatch(
  buf: Uint8Array,
  pos: number,
  options: {
    header: RecordBatchHeader;
    latest: Map<string, number>;
    dropTombstones: boolean;
    crc: Crc32c;
  },
): FilteredBatch {
  const header = options.header;
  const size = header.batchLength + BATCH_LOG_OVERHEAD;
  const original = buf.subarray(pos, pos + size);
  const plain = plainBatch(buf, pos, header);
  if (plain === null) return { bytes: original, removed: 0 };
  const keep: [number, number][] = [];
  let removed = 0;
  walk(plain.buf, plain.pos, plain.header, (offset, key, tombstone, start, end) => {
    const latest = key === null || options.latest.get(keyString(key)) === offset;
    if (latest && !(tombstone && options.dropTombstones)) keep.push([start, end]);
    else removed++;
  });
  if (removed === 0) return { bytes: original, removed: 0 };
  if (keep.length === 0) return { bytes: null, removed };
  let total = BATCH_HEADER_SIZE;
  for (const [s, e] of keep) total += e - s;
  const out = new Uint8Array(total);
  out.set(plain.buf.subarray(plain.pos, plain.pos + BATCH_HEADER_SIZE), 0);
  let at = BATCH_HEADER_SIZE;
  for (const [s, e] of keep) {
    out.set(plain.buf.subarray(s, e), at);
    at += e - s;
  }
  const view = new DataView(out.buffer);
  view.setInt32(8, total - BATCH_LOG_OVERHEAD);
  view.setInt32(57, keep.length);
  view.setUint32(17, options.crc(out.subarray(21)) >>> 0);
  return { bytes: out, removed };
}

/**
 * Step 2 of the swap: renames the fsynced `.cleaned` files of segment
 * `baseOffset` to `.swap`, the log last (the commit point), and fsyncs the
 * directory.
 *
 * @param fs File operations.
 * @param dir Partition directory.
 * @param baseOffset The segment.
 */
export function commitCleaned(fs: LogFileSystem, dir: string, baseOffset: number): void {
  for (const suffix of SEGMENT_SUFFIXES) {
    fs.rename(
      segmentPath(dir, baseOffset, { suffix, state: CLEANED_SUFFIX }),
      segmentPath(dir, baseOffset, { suffix, state: SWAP_SUFFIX }),
    );
  }
  fs.syncDir(dir);
}

/**
 * Step 3 of the swap: renames the `.swap` files over the originals (log
 * first) and fsyncs the directory.
 *
 * @param fs File operations.
 * @param dir Partition directory.
 * @param baseOffset The segment.
 */
export function installSwap(fs: LogFileSystem, dir: string, baseOffset: number): void {
  for (const suffix of [...SEGMENT_SUFFIXES].reverse()) {
    fs.rename(
      segmentPath(dir, baseOffset, { suffix, state: SWAP_SUFFIX }),
      segmentPath(dir, baseOffset, { suffix }),
    );
  }
  fs.syncDir(dir);
}
