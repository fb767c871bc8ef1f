/**
 * The `high-watermark-checkpoint` file of a partition directory in cluster
 * mode (Kafka keeps the same value in `replication-offset-checkpoint`).
 *
 * Format: a version line `0`, then the offset, each ending in `\n`; written
 * atomically (temp file, fsync, rename, fsync dir). It is written on stop,
 * on role changes and on each maintenance tick, so it may lag the real high
 * watermark: that is the safe direction (a restarted replica shows less until
 * the leader tells it more). A missing or unparsable file reads as null.
 *
 * @module
 */
import { readFileIfExists, writeFileAtomically } from "./_atomic_file.ts";

/** File name of the high watermark checkpoint in a partition directory. */
export const HIGH_WATERMARK_CHECKPOINT_FILE = "high-watermark-checkpoint";

/** Writes the high watermark atomically. */
export function writeHighWatermarkCheckpoint(dir: string, highWatermark: number): void {
  writeFileAtomically(dir, HIGH_WATERMARK_CHECKPOINT_FILE, `0\n${highWatermark}\n`);
}

/**
 * Reads the high watermark.
 *
 * @example Round trip
 * ```ts
 * import {
 *   readHighWatermarkCheckpoint,
 *   writeHighWatermarkCheckpoint,
 * } from "./high_watermark_checkpoint.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = Deno.makeTempDirSync();
 * assertEquals(readHighWatermarkCheckpoint(dir), null);
 * writeHighWatermarkCheckpoint(dir, 12);
 * assertEquals(readHighWatermarkCheckpoint(dir), 12);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function readHighWatermarkCheckpoint(dir: string): number | null {
  const text = readFileIfExists(dir, HIGH_WATERMARK_CHECKPOINT_FILE);
  const m = text === null ? null : /^0\n(\d+)\n$/.exec(text);
  return m ? Number(m[1]) : null;
}
