/**
 * {@linkcode readLines}: UTF-8 text lines of a byte stream, pulled as the
 * reader asks (no buffering beyond one chunk).
 *
 * @module
 */

/**
 * Yields the lines of `stream` without their `\n` (or `\r\n`) ending; a last
 * line without an ending is yielded too. Leaving the loop cancels the stream.
 *
 * @param stream UTF-8 bytes, e.g. `Deno.stdin.readable`.
 * @returns The lines.
 *
 * @example Two lines
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { readLines } from "./_lines.ts";
 *
 * const bytes = new TextEncoder().encode("a\r\nb");
 * const lines = await Array.fromAsync(readLines(ReadableStream.from([bytes])));
 * assertEquals(lines, ["a", "b"]);
 * ```
 */
export async function* readLines(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<string, void, undefined> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let rest = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const parts = (rest + value).split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) yield line.endsWith("\r") ? line.slice(0, -1) : line;
    }
    if (rest !== "") yield rest.endsWith("\r") ? rest.slice(0, -1) : rest;
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
