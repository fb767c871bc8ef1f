/**
 * The `leader-epoch-checkpoint` file of a partition directory (Kafka's
 * `LeaderEpochCheckpointFile`): which leader epoch started at which offset.
 *
 * Format (text, as Kafka writes it): a version line `0`, a line with the
 * entry count, then one `<epoch> <startOffset>` line per entry in ascending
 * order, each ending in `\n`. Written atomically: `<name>.tmp`, fsync, rename
 * over `<name>`, fsync the directory; a crash leaves the old or the new file.
 * A file that does not parse is reported as missing: the epochs are then
 * rebuilt from the batches' `partitionLeaderEpoch` fields by the caller.
 *
 * @module
 */
import { readFileIfExists, writeFileAtomically } from "./_atomic_file.ts";
import type { EpochEntry } from "./leader_epoch_cache.ts";

/** File name of the leader epoch checkpoint in a partition directory. */
export const LEADER_EPOCH_CHECKPOINT_FILE = "leader-epoch-checkpoint";
const VERSION = "0";

/**
 * Writes the epoch entries atomically (temp file, fsync, rename, fsync dir).
 *
 * @param dir The partition directory.
 * @param entries Entries in ascending epoch order.
 */
export function writeLeaderEpochCheckpoint(dir: string, entries: readonly EpochEntry[]): void {
  const lines = entries.map((e) => `${e.epoch} ${e.startOffset}\n`).join("");
  writeFileAtomically(dir, LEADER_EPOCH_CHECKPOINT_FILE, `${VERSION}\n${entries.length}\n${lines}`);
}

/**
 * Reads the epoch entries.
 *
 * @param dir The partition directory.
 * @returns The entries, or null when the file is missing or does not parse.
 *
 * @example Round trip
 * ```ts
 * import {
 *   readLeaderEpochCheckpoint,
 *   writeLeaderEpochCheckpoint,
 * } from "./leader_epoch_checkpoint.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = Deno.makeTempDirSync();
 * writeLeaderEpochCheckpoint(dir, [{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 7 }]);
 * assertEquals(readLeaderEpochCheckpoint(dir), [
 *   { epoch: 0, startOffset: 0 },
 *   { epoch: 2, startOffset: 7 },
 * ]);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function readLeaderEpochCheckpoint(dir: string): EpochEntry[] | null {
  const text = readFileIfExists(dir, LEADER_EPOCH_CHECKPOINT_FILE);
  if (text === null) return null;
  const lines = text.split("\n");
  if (lines[0] !== VERSION || !text.endsWith("\n")) return null;
  const count = Number(lines[1]);
  if (!Number.isSafeInteger(count) || count < 0 || lines.length !== count + 3) return null;
  const entries: EpochEntry[] = [];
  for (let i = 0; i < count; i++) {
    const m = /^(\d+) (\d+)$/.exec(lines[i + 2]!);
    if (!m) return null;
    const entry = { epoch: Number(m[1]), startOffset: Number(m[2]) };
    const prev = entries[entries.length - 1];
    if (prev && (entry.epoch <= prev.epoch || entry.startOffset < prev.startOffset)) return null;
    entries.push(entry);
  }
  return entries;
}
