/**
 * Crash-safe small-file replacement for the partition's checkpoints: write
 * `<path>.tmp`, fsync it, rename it over `<path>`, fsync the directory. A
 * crash leaves the old or the new content, never a mix.
 *
 * @module
 */

/** Replaces `dir/name` with `text` atomically. */
export function writeFileAtomically(dir: string, name: string, text: string): void {
  const path = `${dir}/${name}`;
  const tmp = `${path}.tmp`;
  const bytes = new TextEncoder().encode(text);
  const file = Deno.openSync(tmp, { write: true, create: true, truncate: true });
  try {
    let written = 0;
    while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
    file.syncSync();
  } finally {
    file.close();
  }
  Deno.renameSync(tmp, path);
  try {
    const d = Deno.openSync(dir, { read: true });
    try {
      d.syncSync();
    } finally {
      d.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename itself is still atomic.
  }
}

/** Reads `dir/name` as text, or null when it does not exist. */
export function readFileIfExists(dir: string, name: string): string | null {
  try {
    return Deno.readTextFileSync(`${dir}/${name}`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}
