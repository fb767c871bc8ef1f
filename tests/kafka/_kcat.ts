/**
 * Runs the real `kcat` (Debian package `kcat`) against a Weir Kafka listener.
 * A missing binary fails loudly: `.ci/run` installs it.
 *
 * @module
 */

/** What one kcat run left. */
export interface KcatResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Options of {@linkcode kcat}. */
export interface KcatOptions {
  /** Bytes written to kcat's stdin (then closed). */
  stdin?: string | Uint8Array;
  /** Kill after this long (ms, default 30 s). */
  timeoutMs?: number;
}

/**
 * Runs `kcat -b <bootstrap> ...args`.
 *
 * @param bootstrap `host:port` of the Kafka listener.
 * @param args Further arguments.
 * @param options stdin and timeout.
 * @returns Exit code and output.
 * @throws {Error} when kcat is not installed.
 */
export async function kcat(
  bootstrap: string,
  args: readonly string[],
  options: KcatOptions = {},
): Promise<KcatResult> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("kcat", {
      args: ["-b", bootstrap, "-X", "broker.address.family=v4", ...args],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error("Cannot run kcat: not installed (apt-get install -y kcat; .ci/run does it)");
    }
    throw e;
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }, options.timeoutMs ?? 30_000);
  try {
    const writer = child.stdin.getWriter();
    if (options.stdin !== undefined) {
      await writer.write(
        typeof options.stdin === "string" ? new TextEncoder().encode(options.stdin) : options.stdin,
      );
    }
    await writer.close();
    const out = await child.output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}
