/**
 * Runs a real `nats-server` as a child process for cluster and transport
 * tests: `await using nats = await startNatsServer({ jetstream: true })`.
 *
 * The first start asks for a random port (`-p -1`) and reads the chosen one
 * back from the server's log line `Listening for client connections on
 * HOST:PORT`; `restart()` starts it again on the same port with the same
 * JetStream store dir (so KV buckets survive), `kill()` sends SIGKILL. A
 * missing binary fails loudly (never skips): `.ci/run` installs it.
 *
 * @module
 */

/** A running (or stopped, restartable) nats-server. */
export interface NatsServer extends AsyncDisposable {
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** Client port (stays the same across restarts). */
  readonly port: number;
  /** JetStream store dir (kept across restarts, removed on dispose when the helper made it). */
  readonly storeDir: string;
  /** Process id of the current server process, or -1 when it is not running. */
  readonly pid: number;
  /** Everything the current process printed so far. */
  output(): string;
  /** Graceful stop (SIGTERM), waits for the exit; harmless when not running. */
  stop(): Promise<void>;
  /** SIGKILL, waits for the exit; harmless when not running. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and store dir (stops it first if it runs). */
  restart(): Promise<void>;
  /** Stops the server and removes its temp store dir; idempotent. */
  close(): Promise<void>;
}

/** Options of {@linkcode startNatsServer}. */
export interface NatsServerOptions {
  /** Enable JetStream (`-js`), default true. */
  readonly jetstream?: boolean;
  /** Store dir; default a fresh temp dir removed on close. */
  readonly storeDir?: string;
  /** How long to wait for the server to be ready, ms (default 15 000). */
  readonly timeoutMs?: number;
  /** Extra flags. */
  readonly args?: readonly string[];
  /** The program to run (default `nats-server` on PATH). */
  readonly binary?: string;
}

const DEFAULT_BINARY = "nats-server";

interface Running {
  readonly child: Deno.ChildProcess;
  readonly exited: Promise<Deno.CommandStatus>;
  readonly pumps: Promise<unknown>;
  text: string;
}

async function launch(
  port: number,
  options: NatsServerOptions,
  storeDir: string,
): Promise<{ running: Running; port: number }> {
  const BINARY = options.binary ?? DEFAULT_BINARY;
  const args = ["-a", "127.0.0.1", "-p", String(port)];
  if (options.jetstream ?? true) args.push("-js", "-sd", storeDir);
  args.push(...(options.args ?? []));
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(BINARY, { args, stdout: "piped", stderr: "piped", stdin: "null" })
      .spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(
        `Cannot start ${BINARY}: the binary is not on PATH (install the Debian package "nats-server")`,
        { cause: e },
      );
    }
    throw e;
  }
  const running: Running = {
    child,
    exited: child.status,
    pumps: Promise.resolve(),
    text: "",
  };
  const ready = Promise.withResolvers<number>();
  let chosen = -1;
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      running.text += decoder.decode(chunk, { stream: true });
      if (chosen < 0) {
        const m = running.text.match(/Listening for client connections on [^\s]*:(\d+)/);
        if (m) chosen = Number(m[1]);
      }
      if (chosen > 0 && running.text.includes("Server is ready")) ready.resolve(chosen);
    }
  };
  (running as { pumps: Promise<unknown> }).pumps = Promise.all([
    pump(child.stdout),
    pump(child.stderr),
  ]);
  const timeoutMs = options.timeoutMs ?? 15_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const got = await Promise.race([
      ready.promise,
      running.exited.then((s) => {
        throw new Error(
          `Cannot start ${BINARY}: it exited (code ${s.code}) before it was ready:\n${running.text}`,
        );
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `Cannot start ${BINARY}: not ready after ${timeoutMs} ms:\n${running.text}`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
    return { running, port: got };
  } catch (e) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await running.exited;
    await running.pumps;
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

async function halt(running: Running | undefined, signal: Deno.Signal): Promise<void> {
  if (running === undefined) return;
  try {
    running.child.kill(signal);
  } catch { /* already exited */ }
  await running.exited;
  await running.pumps;
}

/**
 * Starts `nats-server -a 127.0.0.1 -p -1 [-js -sd <dir>]` and waits until it
 * is ready.
 *
 * @throws Error naming the missing binary, or with the server's output when
 *   it exits early or is not ready in time
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const ownDir = options.storeDir === undefined;
  const storeDir = options.storeDir ?? await Deno.makeTempDir({ prefix: "weir-nats-" });
  let current: Running | undefined;
  let port: number;
  try {
    const started = await launch(-1, options, storeDir);
    current = started.running;
    port = started.port;
  } catch (e) {
    if (ownDir) await Deno.remove(storeDir, { recursive: true }).catch(() => {});
    throw e;
  }
  let closed: Promise<void> | undefined;
  const stop = async () => {
    const was = current;
    current = undefined;
    await halt(was, "SIGTERM");
  };
  const kill = async () => {
    const was = current;
    current = undefined;
    await halt(was, "SIGKILL");
  };
  const close = () =>
    closed ??= (async () => {
      await stop();
      if (ownDir) await Deno.remove(storeDir, { recursive: true }).catch(() => {});
    })();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get pid() {
      return current?.child.pid ?? -1;
    },
    output: () => current?.text ?? "",
    stop,
    kill,
    async restart() {
      await stop();
      if (closed !== undefined) throw new Error(`Cannot restart nats-server: it is closed`);
      current = (await launch(port, options, storeDir)).running;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
