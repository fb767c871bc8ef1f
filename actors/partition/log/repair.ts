/**
 * Offline repair of one partition directory after corruption in the middle
 * of a segment (a bit flip the CRC caught): the broker never serves such a
 * batch (reads stop before it, a read at it fails with `CORRUPT_MESSAGE`),
 * and it never cuts trusted data on its own. The operator decides: with the
 * broker stopped, {@linkcode repairPartition} truncates the partition at the
 * first bad batch — everything from it on is removed, later segments too —
 * so the broker starts with a clean, contiguous log and new appends reuse
 * the offsets from there. {@linkcode scanPartition} only reports.
 *
 * What is changed: the segment holding the bad batch is cut at it and
 * fsynced, its `.index`/`.timeindex` are removed (the broker rebuilds them),
 * later segments are removed, and the recovery point checkpoint is set to
 * the new log end. Other files (producer state, replication checkpoints)
 * are left; the partition actor discards a producer snapshot past the log
 * end on start.
 *
 * @module
 */
import {
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  type Crc32c,
  crc32c,
  readBatchHeader,
} from "../../../client/protocol/codec.ts";
import { writeCheckpoint } from "./checkpoint.ts";
import { denoFileSystem, type LogFile, type LogFileSystem } from "./log_fs.ts";
import {
  INDEX_SUFFIX,
  LOG_SUFFIX,
  parseSegmentFileName,
  RECOVERY_POINT_CHECKPOINT,
  segmentPath,
  TIME_INDEX_SUFFIX,
} from "./log_files.ts";

/** The first batch that fails validation. */
export interface CorruptBatch {
  /** Base offset of the segment holding it. */
  segment: number;
  /** Byte position in that segment's `.log`. */
  position: number;
  /** The offset the batch should start at (the end of the valid records before it). */
  offset: number;
  /** What is wrong. */
  reason: string;
}

/** Result of {@linkcode scanPartition}. */
export interface ScanReport {
  /** Segments read (up to the bad batch). */
  segments: number;
  /** Valid batches before the bad one (or in total). */
  batches: number;
  /** Offset after the last valid record. */
  validEnd: number;
  /** The first bad batch, or null when the whole log is valid. */
  corrupt: CorruptBatch | null;
}

/** Result of {@linkcode repairPartition}. */
export interface RepairReport extends ScanReport {
  /** Whether anything was changed (false for a clean log or a dry run). */
  repaired: boolean;
  /** Bytes removed from the segment holding the bad batch. */
  bytesCut: number;
  /** Later segments removed (base offsets). */
  removedSegments: number[];
}

/** Options of {@linkcode scanPartition} and {@linkcode repairPartition}. */
export interface RepairOptions {
  /** CRC-32C (default: the pure-TS one). */
  crc?: Crc32c;
  /** File operations (default: Deno's). */
  fs?: LogFileSystem;
  /** Report only, change nothing (repair only). */
  dryRun?: boolean;
}

function segmentBases(fs: LogFileSystem, dir: string): number[] {
  return fs.list(dir)
    .map(parseSegmentFileName)
    .filter((p) => p !== null && p.state === "" && p.kind === LOG_SUFFIX)
    .map((p) => p!.baseOffset)
    .sort((a, b) => a - b);
}

/** Why the batch at `pos` is bad, or null when it is valid. */
function problemAt(
  file: LogFile,
  pos: number,
  expected: { offset: number; crc: Crc32c; end: number },
): { problem: string } | { size: number; next: number } {
  const head = new Uint8Array(BATCH_HEADER_SIZE);
  const got = file.readAt(head, pos);
  if (got < BATCH_HEADER_SIZE) return { problem: `${got} bytes remain, fewer than a batch header` };
  const header = readBatchHeader(head, 0);
  const size = header.batchLength + BATCH_LOG_OVERHEAD;
  if (size < BATCH_HEADER_SIZE) {
    return { problem: `batch length ${header.batchLength} is below the header size` };
  }
  if (pos + size > expected.end) {
    return { problem: `batch length ${header.batchLength} runs past the end of the segment` };
  }
  if (header.magic !== 2) return { problem: `magic ${header.magic} is not 2` };
  const batch = new Uint8Array(size);
  file.readAt(batch, pos);
  const stored = new DataView(batch.buffer).getUint32(17);
  const computed = expected.crc(batch.subarray(21)) >>> 0;
  if (stored !== computed) {
    return { problem: `CRC mismatch (stored ${stored}, computed ${computed})` };
  }
  if (header.baseOffset < expected.offset || header.lastOffsetDelta < 0) {
    return { problem: `offsets ${header.baseOffset}.. do not follow ${expected.offset - 1}` };
  }
  return { size, next: header.baseOffset + header.lastOffsetDelta + 1 };
}

/**
 * Validates every batch of every segment (length, magic, CRC-32C, offsets
 * increasing) and reports the first bad one. Reads only.
 *
 * @param dir Partition directory (`<data-dir>/<topic>-<partition>`).
 * @param options CRC, file system.
 * @returns Counts and the first bad batch, if any.
 *
 * @example A clean directory
 * ```ts
 * import { scanPartition } from "./repair.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = Deno.makeTempDirSync();
 * assertEquals(scanPartition(dir).corrupt, null);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function scanPartition(dir: string, options: RepairOptions = {}): ScanReport {
  const fs = options.fs ?? denoFileSystem;
  const crc = options.crc ?? crc32c;
  const report: ScanReport = { segments: 0, batches: 0, validEnd: 0, corrupt: null };
  const bases = segmentBases(fs, dir);
  let expected = bases[0] ?? 0;
  for (const base of bases) {
    report.segments++;
    const file = fs.open(segmentPath(dir, base, { suffix: LOG_SUFFIX }));
    try {
      const end = file.size();
      let pos = 0;
      while (pos < end) {
        const found = problemAt(file, pos, { offset: expected, crc, end });
        if ("problem" in found) {
          report.corrupt = {
            segment: base,
            position: pos,
            offset: expected,
            reason: found.problem,
          };
          report.validEnd = expected;
          return report;
        }
        expected = found.next;
        report.batches++;
        pos += found.size;
      }
    } finally {
      file.close();
    }
  }
  report.validEnd = expected;
  return report;
}

/**
 * Truncates a partition at its first bad batch (see the module doc). Run it
 * only while the broker is stopped.
 *
 * @param dir Partition directory.
 * @param options CRC, file system, `dryRun`.
 * @returns What was found and done.
 *
 * @example Nothing to repair
 * ```ts
 * import { repairPartition } from "./repair.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = Deno.makeTempDirSync();
 * assertEquals((await repairPartition(dir)).repaired, false);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function repairPartition(dir: string, options: RepairOptions = {}): Promise<RepairReport> {
  const fs = options.fs ?? denoFileSystem;
  const scan = scanPartition(dir, options);
  const report: RepairReport = { ...scan, repaired: false, bytesCut: 0, removedSegments: [] };
  const bad = scan.corrupt;
  if (bad === null) return Promise.resolve(report);
  const path = segmentPath(dir, bad.segment, { suffix: LOG_SUFFIX });
  const later = segmentBases(fs, dir).filter((b) => b > bad.segment);
  report.bytesCut = (fs.stat(path) ?? bad.position) - bad.position;
  report.removedSegments = later;
  if (options.dryRun) return Promise.resolve(report);
  const file = fs.open(path);
  try {
    file.truncate(bad.position);
    file.sync();
  } finally {
    file.close();
  }
  for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
    fs.remove(segmentPath(dir, bad.segment, { suffix }));
  }
  for (const base of later) {
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      fs.remove(segmentPath(dir, base, { suffix }));
    }
  }
  fs.syncDir(dir);
  writeCheckpoint(fs, `${dir}/${RECOVERY_POINT_CHECKPOINT}`, { offset: bad.offset, dir });
  report.repaired = true;
  return Promise.resolve(report);
}
