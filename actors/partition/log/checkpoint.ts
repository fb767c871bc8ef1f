/**
 * Offset checkpoint files (`recovery-point.checkpoint`,
 * `log-start-offset.checkpoint`).
 *
 * Format (text, like Kafka's checkpoint files but for one partition):
 * a version line `0`, then the offset, each ending in `\n`. Written
 * atomically: write `<name>.tmp`, fsync it, rename over `<name>`, fsync the
 * directory. A crash leaves either the old or the new file, plus perhaps a
 * stale `.tmp` that recovery deletes. A file that does not parse is treated
 * as missing (the safe direction for both checkpoints: recover more, start
 * at the first segment).
 *
 * @module
 */
import type { LogFileSystem } from "./log_fs.ts";
import { TMP_SUFFIX } from "./log_files.ts";

const VERSION = "0";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Writes an offset checkpoint atomically (temp file, fsync, rename, fsync dir).
 *
 * @param fs The file system.
 * @param path Full path of the checkpoint.
 * @param options `offset` to store and `dir` to fsync after the rename.
 */
export function writeCheckpoint(
  fs: LogFileSystem,
  path: string,
  options: { offset: number; dir: string },
): void {
  const tmp = path + TMP_SUFFIX;
  const file = fs.open(tmp, { create: true, truncate: true });
  try {
    file.writeAt(encoder.encode(`${VERSION}\n${options.offset}\n`), 0);
    file.sync();
  } finally {
    file.close();
  }
  fs.rename(tmp, path);
  fs.syncDir(options.dir);
}

/**
 * Reads an offset checkpoint.
 *
 * @param fs The file system.
 * @param path Full path of the checkpoint.
 * @returns The offset, or null when the file is missing or does not parse.
 *
 * @example Round trip
 * ```ts
 * import { readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
 * import { denoFileSystem } from "./log_fs.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = Deno.makeTempDirSync();
 * writeCheckpoint(denoFileSystem, `${dir}/cp`, { offset: 42, dir });
 * assertEquals(readCheckpoint(denoFileSystem, `${dir}/cp`), 42);
 * assertEquals(readCheckpoint(denoFileSystem, `${dir}/missing`), null);
 * denoFileSystem.removeDir(dir);
 * ```
 */
export function readCheckpoint(fs: LogFileSystem, path: string): number | null {
  const size = fs.stat(path);
  if (size === null || size > 64) return null;
  const file = fs.open(path);
  try {
    const buf = new Uint8Array(size);
    const n = file.readAt(buf, 0);
    const lines = decoder.decode(buf.subarray(0, n)).split("\n");
    if (lines.length !== 3 || lines[0] !== VERSION || lines[2] !== "") return null;
    const text = lines[1]!;
    if (!/^\d{1,16}$/.test(text)) return null;
    const offset = Number(text);
    return Number.isSafeInteger(offset) ? offset : null;
  } finally {
    file.close();
  }
}
