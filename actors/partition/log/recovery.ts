/**
 * Startup of one partition directory (Kafka's `LogLoader`): make the files
 * consistent, then trust what was fsynced and validate the rest.
 *
 * Steps, in order:
 *
 * 1. Delete leftovers: checkpoint `.tmp` files, `.deleted` files, every
 *    `.cleaned` file (unfinished compaction output).
 * 2. Finish or roll back compaction swaps (see `compaction.ts`): a
 *    `<base>.log.cleaned` means the swap never committed — its `.swap`
 *    indexes are deleted; a `<base>.log.swap` is the commit point — it and
 *    its index swaps are renamed over the originals; index swaps left alone
 *    (the log already renamed) are renamed over too.
 * 3. Delete index files without a `.log`, and segments wholly below the log
 *    start offset (a retention step that crashed after its checkpoint).
 * 4. Segments below the one holding the recovery point are trusted: their
 *    indexes are loaded and checked (rebuilt when missing or malformed).
 *    From that segment on, every batch is validated (length, magic, CRC-32C,
 *    increasing offsets below the next segment); the first bad byte and
 *    everything after it — including later segments — is cut, and indexes
 *    are rebuilt. A validated segment that ends below the next segment's
 *    base offset (its unsynced records were lost while the newer file
 *    survived) is a hole too: later segments are dropped, so offsets stay
 *    contiguous and the log ends at the last surviving record. A batch that
 *    fails only its CRC below the recovery point was fsynced whole, so it is
 *    corruption, not a torn write: it is kept (reads of it fail with
 *    `CORRUPT_MESSAGE`, the batches after it stay readable) and reported in
 *    `corruptBatches` for the operator (`deno task repair`). Validated segments are fsynced, so the recovery point can
 *    move to the log end.
 *
 * Files of other owners in the directory (e.g. a producer-state snapshot)
 * are left alone. {@linkcode recoverLog} returns a report of what it did.
 *
 * @module
 */
import { getLogger } from "../../runtime/worker.ts";
import type { Crc32c } from "../../../client/protocol/codec.ts";
import { readCheckpoint } from "./checkpoint.ts";
import type { LogFileSystem } from "./log_fs.ts";
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LOG_START_OFFSET_CHECKPOINT,
  LOG_SUFFIX,
  parseSegmentFileName,
  RECOVERY_POINT_CHECKPOINT,
  segmentPath,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  TMP_SUFFIX,
} from "./log_files.ts";
import { Segment } from "./segment.ts";

const logger = getLogger(["weir", "log", "recovery"]);

/** What recovery did, for logs and tests. */
export interface RecoveryReport {
  /** Files deleted as leftovers (names). */
  removedFiles: string[];
  /** Base offsets of segments whose compaction swap was completed. */
  completedSwaps: number[];
  /** Indexes rebuilt in trusted segments, with the reason. */
  rebuiltIndexes: { baseOffset: number; reason: string }[];
  /** Cuts made in validated segments. */
  truncated: { baseOffset: number; bytes: number; reason: string }[];
  /** Segments deleted whole (after a cut, or below the log start offset). */
  deletedSegments: number[];
  /** Recovery point read from the checkpoint (0 when missing). */
  recoveryPoint: number;
  /** Bytes validated batch by batch. */
  validatedBytes: number;
  /** CRC failures below the recovery point: kept (never served), for the operator to repair. */
  corruptBatches: { baseOffset: number; position: number; offset: number }[];
}

/** Inputs of {@linkcode recoverLog}. */
export interface RecoverOptions {
  /** File operations. */
  fs: LogFileSystem;
  /** Partition directory (created when missing). */
  dir: string;
  /** CRC-32C implementation. */
  crc: Crc32c;
  /** `index.interval.bytes`. */
  indexIntervalBytes: number;
  /** Current time (segment creation time for `segment.ms`). */
  now: number;
  /** Name for log lines. */
  topicPartition?: string;
}

/** The loaded log state. */
export interface RecoveredLog {
  /** Segments, oldest first; never empty. */
  segments: Segment[];
  /** First readable offset. */
  logStartOffset: number;
  /** Everything below this is validated and fsynced. */
  recoveryPoint: number;
  /** What was done. */
  report: RecoveryReport;
}

function cleanUpFiles(fs: LogFileSystem, dir: string, report: RecoveryReport): void {
  const names = fs.list(dir);
  const set = new Set(names);
  let changed = false;
  const remove = (name: string) => {
    fs.remove(`${dir}/${name}`);
    set.delete(name);
    report.removedFiles.push(name);
    changed = true;
  };
  for (const name of names) {
    if (
      name === RECOVERY_POINT_CHECKPOINT + TMP_SUFFIX ||
      name === LOG_START_OFFSET_CHECKPOINT + TMP_SUFFIX
    ) {
      remove(name);
      continue;
    }
    const parsed = parseSegmentFileName(name);
    if (parsed === null) continue;
    if (parsed.state === DELETED_SUFFIX) remove(name);
  }
  // Swaps: decide per base offset.
  const bases = new Set<number>();
  for (const name of set) {
    const parsed = parseSegmentFileName(name);
    if (parsed && (parsed.state === SWAP_SUFFIX || parsed.state === CLEANED_SUFFIX)) {
      bases.add(parsed.baseOffset);
    }
  }
  for (const base of [...bases].sort((a, b) => a - b)) {
    const name = (suffix: string, state = "") => segmentPath(".", base, { suffix, state }).slice(2);
    const committed = !set.has(name(LOG_SUFFIX, CLEANED_SUFFIX));
    for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX, LOG_SUFFIX]) {
      if (set.has(name(suffix, CLEANED_SUFFIX))) remove(name(suffix, CLEANED_SUFFIX));
    }
    if (!committed) {
      for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX, LOG_SUFFIX]) {
        if (set.has(name(suffix, SWAP_SUFFIX))) remove(name(suffix, SWAP_SUFFIX));
      }
      continue;
    }
    const logSwap = set.has(name(LOG_SUFFIX, SWAP_SUFFIX));
    if (logSwap) {
      fs.rename(`${dir}/${name(LOG_SUFFIX, SWAP_SUFFIX)}`, `${dir}/${name(LOG_SUFFIX)}`);
      set.delete(name(LOG_SUFFIX, SWAP_SUFFIX));
      set.add(name(LOG_SUFFIX));
      changed = true;
    }
    let swapped = logSwap;
    for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      if (set.has(name(suffix, SWAP_SUFFIX))) {
        fs.rename(`${dir}/${name(suffix, SWAP_SUFFIX)}`, `${dir}/${name(suffix)}`);
        set.delete(name(suffix, SWAP_SUFFIX));
        swapped = true;
        changed = true;
      } else if (logSwap && set.has(name(suffix))) {
        // The log was swapped in but this index was not: the old index no longer matches.
        remove(name(suffix));
      }
    }
    if (swapped) report.completedSwaps.push(base);
  }
  // Index files without a log.
  for (const name of set) {
    const parsed = parseSegmentFileName(name);
    if (parsed === null || parsed.state !== "" || parsed.kind === LOG_SUFFIX) continue;
    if (!set.has(segmentPath(".", parsed.baseOffset, { suffix: LOG_SUFFIX }).slice(2))) {
      remove(name);
    }
  }
  if (changed) fs.syncDir(dir);
}

/**
 * Loads a partition directory: cleans leftovers, completes swaps, validates
 * what was not fsynced and truncates a torn or corrupt tail.
 *
 * @param options Files, directory, CRC, index interval, current time.
 * @returns Segments, log start offset, recovery point and a report.
 *
 * @example Recover a directory with a torn tail
 * ```ts
 * import { recoverLog } from "./recovery.ts";
 * import { denoFileSystem } from "./log_fs.ts";
 * import { crc32c } from "../../../client/protocol/mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = Deno.makeTempDirSync();
 * Deno.writeFileSync(`${dir}/00000000000000000000.log`, new Uint8Array(30)); // garbage only
 * const loaded = recoverLog({ fs: denoFileSystem, dir, crc: crc32c, indexIntervalBytes: 4096, now: 0 });
 * assertEquals(loaded.report.truncated[0]?.bytes, 30);
 * for (const s of loaded.segments) s.close();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function recoverLog(options: RecoverOptions): RecoveredLog {
  const { fs, dir } = options;
  const name = options.topicPartition ?? dir;
  fs.mkdir(dir);
  const report: RecoveryReport = {
    removedFiles: [],
    completedSwaps: [],
    rebuiltIndexes: [],
    truncated: [],
    deletedSegments: [],
    recoveryPoint: 0,
    validatedBytes: 0,
    corruptBatches: [],
  };
  cleanUpFiles(fs, dir, report);
  let bases = fs.list(dir)
    .map(parseSegmentFileName)
    .filter((p) => p !== null && p.state === "" && p.kind === LOG_SUFFIX)
    .map((p) => p!.baseOffset)
    .sort((a, b) => a - b);
  const segOptions = (baseOffset: number) => ({
    fs,
    dir,
    baseOffset,
    indexIntervalBytes: options.indexIntervalBytes,
    crc: options.crc,
    createdAt: options.now,
  });
  const checkpointStart = readCheckpoint(fs, `${dir}/${LOG_START_OFFSET_CHECKPOINT}`);
  const checkpointRecovery = readCheckpoint(fs, `${dir}/${RECOVERY_POINT_CHECKPOINT}`);
  let logStartOffset = checkpointStart ?? bases[0] ?? 0;
  const recoveryPoint = checkpointRecovery ?? 0;
  report.recoveryPoint = recoveryPoint;
  // Segments wholly below the log start offset.
  while (bases.length > 1 && bases[1]! <= logStartOffset) {
    const base = bases.shift()!;
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      fs.remove(segmentPath(dir, base, { suffix }));
    }
    report.deletedSegments.push(base);
  }
  const segments: Segment[] = [];
  try {
    return loadSegments();
  } catch (e) {
    // Never leak open files when recovery fails (e.g. the disk is full).
    for (const s of segments) s.close();
    throw e;
  }

  function loadSegments(): RecoveredLog {
    const recoverFrom = bases.findLastIndex((b) => b <= recoveryPoint);
    for (let i = 0; i < bases.length; i++) {
      const base = bases[i]!;
      const maxOffset = bases[i + 1] ?? Number.MAX_SAFE_INTEGER;
      if (i < Math.max(recoverFrom, 0)) {
        const { segment, rebuilt } = Segment.openTrusted(segOptions(base), { maxOffset });
        if (rebuilt !== null) {
          report.rebuiltIndexes.push({ baseOffset: base, reason: rebuilt });
          logger.warn("Rebuilt the indexes of segment {base} of {name}: {reason}", {
            base,
            name,
            reason: rebuilt,
          });
        }
        segments.push(segment);
        continue;
      }
      const { segment, recovery } = Segment.openRecovering(segOptions(base), {
        maxOffset,
        keepBelow: recoveryPoint,
      });
      for (const c of recovery.corrupt ?? []) {
        report.corruptBatches.push({ baseOffset: base, ...c });
      }
      report.validatedBytes += recovery.validBytes;
      segments.push(segment);
      if (i < bases.length - 1) segment.seal();
      else segment.sync();
      // A validated segment that ends before the next one starts lost records to a crash: the
      // roll that created the next file was durable (metadata), the bytes before it were not.
      // (Compaction, the only other source of gaps, works on segments below the recovery point.)
      const next = bases[i + 1];
      const hole = next !== undefined && segment.nextOffset < next;
      if (recovery.truncatedBytes > 0 || hole) {
        const reason = recovery.truncatedBytes > 0
          ? recovery.reason ?? "unknown"
          : `offsets ${segment.nextOffset}..${next! - 1} before the next segment are missing`;
        report.truncated.push({ baseOffset: base, bytes: recovery.truncatedBytes, reason });
        logger.warn("Cut {bytes} bytes from segment {base} of {name}: {reason}", {
          bytes: recovery.truncatedBytes,
          base,
          name,
          reason,
        });
        // Everything after a cut follows a hole: drop later segments.
        for (const later of bases.slice(i + 1)) {
          for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
            fs.remove(segmentPath(dir, later, { suffix }));
          }
          report.deletedSegments.push(later);
        }
        bases = bases.slice(0, i + 1);
        break;
      }
    }
    let logEnd = segments[segments.length - 1]?.nextOffset ?? logStartOffset;
    if (segments.length === 0 || logEnd < logStartOffset) {
      // No data, or the data below the log start offset is all that survived.
      for (const s of segments) {
        s.remove();
        report.deletedSegments.push(s.baseOffset);
      }
      segments.length = 0;
      segments.push(Segment.create(segOptions(logStartOffset)));
      logEnd = logStartOffset;
    }
    logStartOffset = Math.max(logStartOffset, segments[0]!.baseOffset);
    fs.syncDir(dir);
    if (
      report.truncated.length > 0 || report.deletedSegments.length > 0 ||
      report.completedSwaps.length > 0 || report.removedFiles.length > 0
    ) {
      logger.info("Recovered {name}: {report}", { name, report: JSON.stringify(report) });
    }
    return { segments, logStartOffset, recoveryPoint: logEnd, report };
  }
}
