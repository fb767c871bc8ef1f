/**
 * Every file name of a partition directory, in one place (Kafka's
 * `LogFileUtils`).
 *
 * A segment is named by its base offset padded to 20 digits:
 * `00000000000000000000.log` holds RecordBatch v2 bytes, `.index` the sparse
 * offset index, `.timeindex` the sparse time index. Intermediate suffixes are
 * appended to a complete name and understood by recovery:
 *
 * - `.cleaned` — compaction output being written; never trusted, deleted on open.
 * - `.swap` — compaction output complete and fsynced; `<base>.log.swap` is the
 *   commit point, recovery finishes the swap.
 * - `.deleted` — a segment on its way out; deleted on open.
 * - `.tmp` — a checkpoint being written; deleted on open.
 *
 * Checkpoints: `recovery-point.checkpoint` (every offset below it is fsynced)
 * and `log-start-offset.checkpoint` (the first readable offset).
 *
 * @module
 */

/** Suffix of the data file of a segment. */
export const LOG_SUFFIX = ".log";
/** Suffix of the sparse offset index. */
export const INDEX_SUFFIX = ".index";
/** Suffix of the sparse time index. */
export const TIME_INDEX_SUFFIX = ".timeindex";
/** Compaction output being written (untrusted). */
export const CLEANED_SUFFIX = ".cleaned";
/** Compaction output ready to replace the original (trusted once `.log.swap` exists). */
export const SWAP_SUFFIX = ".swap";
/** A file scheduled for deletion. */
export const DELETED_SUFFIX = ".deleted";
/** A checkpoint being written. */
export const TMP_SUFFIX = ".tmp";
/** File holding the recovery point. */
export const RECOVERY_POINT_CHECKPOINT = "recovery-point.checkpoint";
/** File holding the log start offset. */
export const LOG_START_OFFSET_CHECKPOINT = "log-start-offset.checkpoint";

/** The three files of one segment, in the order they are written on a swap. */
export const SEGMENT_SUFFIXES: readonly string[] = [INDEX_SUFFIX, TIME_INDEX_SUFFIX, LOG_SUFFIX];

const NAME_DIGITS = 20;
const NAME_PATTERN = /^(\d{20})(\.log|\.index|\.timeindex)(\.cleaned|\.swap|\.deleted)?$/;

/** What a segment file name says. */
export interface SegmentFileName {
  /** Base offset from the name. */
  baseOffset: number;
  /** `.log`, `.index` or `.timeindex`. */
  kind: string;
  /** `.cleaned`, `.swap`, `.deleted` or `""`. */
  state: string;
}

/**
 * The 20-digit, zero-padded name of an offset, as Kafka writes it.
 *
 * @param offset A non-negative safe integer.
 * @returns The padded digits.
 *
 * @example Name a segment
 * ```ts
 * import { offsetToName } from "./log_files.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(offsetToName(42) + ".log", "00000000000000000042.log");
 * ```
 */
export function offsetToName(offset: number): string {
  return String(offset).padStart(NAME_DIGITS, "0");
}

/**
 * The path of one segment file.
 *
 * @param dir The partition directory.
 * @param baseOffset The segment's base offset.
 * @param options `suffix` (`.log`, `.index`, `.timeindex`) and `state` (e.g. `.cleaned`).
 * @returns `<dir>/<20 digits><suffix><state>`.
 */
export function segmentPath(
  dir: string,
  baseOffset: number,
  options: { suffix: string; state?: string },
): string {
  return `${dir}/${offsetToName(baseOffset)}${options.suffix}${options.state ?? ""}`;
}

/**
 * Parses a segment file name; anything else (checkpoints, other owners' files) gives null.
 *
 * @param name A bare file name.
 * @returns The parts, or null.
 */
export function parseSegmentFileName(name: string): SegmentFileName | null {
  const m = NAME_PATTERN.exec(name);
  if (m === null) return null;
  const baseOffset = Number(m[1]);
  if (!Number.isSafeInteger(baseOffset)) return null;
  return { baseOffset, kind: m[2]!, state: m[3] ?? "" };
}
