/**
 * {@linkcode startProgress}: a self-rewriting status line on stderr during
 * long work, shown only when stderr is a terminal.
 *
 * @module
 */
import type { CliIo } from "./_context.ts";

/** How often the line is redrawn. */
const INTERVAL_MS = 250;

/**
 * Redraws `status()` on stderr every 250 ms while stderr is a terminal;
 * disposing stops and erases it. Does nothing when stderr is not a terminal.
 *
 * @param io Where to write.
 * @param status The current text, e.g. `produced 10/12 records`.
 * @returns A handle; dispose it (or leave a `using` scope) to stop.
 */
export function startProgress(io: CliIo, status: () => string): Disposable {
  if (!io.stderrIsTerminal) return { [Symbol.dispose]() {} };
  const timer = setInterval(() => {
    io.err(`\r${status()}\x1b[K`).catch(() => {});
  }, INTERVAL_MS);
  let stopped = false;
  return {
    [Symbol.dispose]() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      io.err("\r\x1b[K").catch(() => {});
    },
  };
}
