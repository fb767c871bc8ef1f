/**
 * Runs the real broker (`broker/main.ts`, what `deno task start` runs) as a
 * child process on a free port, for end-to-end and crash tests.
 *
 * @module
 */

const MAIN = new URL("../../broker/main.ts", import.meta.url).pathname;

/** A broker child process. */
export interface BrokerProcess extends AsyncDisposable {
  /** Base URL, read from the `Weir listening on ...` line. */
  readonly url: string;
  /** Process id. */
  readonly pid: number;
  /** Everything the broker printed so far (stdout and stderr). */
  output(): string;
  /** Sends SIGKILL and waits for the exit. */
  kill(): Promise<Deno.CommandStatus>;
  /** Sends SIGTERM and waits for a clean exit. */
  stop(): Promise<Deno.CommandStatus>;
}

/** Options of {@linkcode startBrokerProcess}. */
export interface BrokerProcessOptions {
  /** Data directory. */
  dataDir: string;
  /** More flags. */
  args?: string[];
  /** How long to wait for the listening line (ms, default 30 000). */
  timeoutMs?: number;
}

/**
 * Starts `broker/main.ts --port 0 --data-dir <dir>` and waits for its
 * `Weir listening on http://HOST:PORT` line.
 *
 * @throws Error naming what it waited for, with the output, when the line
 *   does not come in time or the process exits first.
 */
export async function startBrokerProcess(options: BrokerProcessOptions): Promise<BrokerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-no-legacy-abort",
      MAIN,
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--data-dir",
      options.dataDir,
      ...(options.args ?? []),
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
  let text = "";
  const listening = Promise.withResolvers<string>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      const m = text.match(/Weir listening on (http:\/\/\S+)/);
      if (m) listening.resolve(m[1]!);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const status = child.status;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const url = await Promise.race([
    listening.promise,
    status.then((s) => {
      throw new Error(`Broker exited (code ${s.code}) before listening:\n${text}`);
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`Broker did not print "Weir listening on" within ${timeoutMs} ms:\n${text}`),
          ),
        timeoutMs,
      );
    }),
  ]).catch(async (e) => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await status;
    await pumps;
    throw e;
  }).finally(() => clearTimeout(timer));
  let ended: Promise<Deno.CommandStatus> | null = null;
  const end = (signal: Deno.Signal) => {
    ended ??= (async () => {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      const s = await status;
      await pumps;
      return s;
    })();
    return ended;
  };
  return {
    url,
    pid: child.pid,
    output: () => text,
    kill: () => end("SIGKILL"),
    stop: () => end("SIGTERM"),
    [Symbol.asyncDispose]: async () => {
      await end("SIGKILL");
    },
  };
}
