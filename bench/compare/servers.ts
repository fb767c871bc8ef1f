/**
 * Starts the systems under comparison as child processes, each on a free
 * port with its data in a temp dir, and stops them by PID: `nats-server -js`,
 * `redis-server` (memory only, or AOF with `appendfsync always`) and a Weir
 * broker (`broker/main.ts`, what `deno task start` runs).
 *
 * @module
 */
import { startBrokerProcess } from "../../tests/_helpers/broker_process.ts";

/** A running server. */
export interface Server extends AsyncDisposable {
  /** Display name. */
  readonly name: string;
  /** Process id (CPU and RSS are read from /proc/<pid>). */
  readonly pid: number;
  /** TCP port. */
  readonly port: number;
  /** Base URL (Weir) or `host:port`. */
  readonly address: string;
  /** Stops the process (SIGTERM, then SIGKILL after 10 s) and removes its dir. Idempotent. */
  close(): Promise<void>;
}

/**
 * A port that was free a moment ago (bind port 0, read it, close).
 *
 * @returns The port.
 */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function waitForPort(port: number, what: string, exited: Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 15_000;
  let gone = false;
  exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`Cannot start ${what}: the process exited before listening`);
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`Cannot start ${what}: port ${port} did not accept connections within 15 s`);
}

function requireProgram(program: string, debianPackage: string): void {
  const found = new Deno.Command("sh", { args: ["-c", `command -v ${program}`], stdout: "null" })
    .outputSync().success;
  if (!found) {
    throw new Error(
      `Cannot start ${program}: not installed (apt-get install -y ${debianPackage})`,
    );
  }
}

async function spawnServer(
  name: string,
  program: string,
  args: string[],
  port: number,
  dir: string,
): Promise<Server> {
  const child = new Deno.Command(program, {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const pump = (async () => {
    const d = new TextDecoder();
    for await (const c of child.stderr) stderr += d.decode(c, { stream: true });
  })();
  try {
    await waitForPort(port, name, child.status);
  } catch (e) {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await child.status;
    await pump;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw new Error(`${(e as Error).message}\n${stderr}`);
  }
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 10_000);
      await child.status;
      clearTimeout(timer);
      await pump;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    })();
  return {
    name,
    pid: child.pid,
    port,
    address: `127.0.0.1:${port}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Starts `nats-server -js` (file storage in a temp dir).
 *
 * @returns The server.
 * @throws Error when nats-server is missing or does not listen.
 */
export async function startNats(): Promise<Server> {
  requireProgram("nats-server", "nats-server");
  const dir = await Deno.makeTempDir({ prefix: "weir-cmp-nats-" });
  const port = freePort();
  return spawnServer(
    "nats",
    "nats-server",
    [
      "-js",
      "-a",
      "127.0.0.1",
      "-p",
      String(port),
      "-sd",
      dir,
    ],
    port,
    dir,
  );
}

/**
 * Starts `redis-server`: memory only, or with AOF and `appendfsync always`.
 *
 * @param options `aof: true` for the durable variant.
 * @returns The server.
 * @throws Error when redis-server is missing or does not listen.
 */
export async function startRedis(options: { aof: boolean }): Promise<Server> {
  requireProgram("redis-server", "redis-server");
  const dir = await Deno.makeTempDir({ prefix: "weir-cmp-redis-" });
  const port = freePort();
  const persistence = options.aof
    ? ["--appendonly", "yes", "--appendfsync", "always"]
    : ["--appendonly", "no"];
  return spawnServer(
    options.aof ? "redis-aof" : "redis",
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--protected-mode",
      "no",
      ...persistence,
    ],
    port,
    dir,
  );
}

/**
 * Starts a Weir broker child process (`broker/main.ts --port 0`) with its data
 * in a temp dir.
 *
 * @returns The server; `address` is the base URL.
 */
export async function startWeir(): Promise<Server> {
  const dir = await Deno.makeTempDir({ prefix: "weir-cmp-weir-" });
  const broker = await startBrokerProcess({ dataDir: dir, args: ["--log-level", "warning"] })
    .catch(async (e) => {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw e;
    });
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= (async () => {
      await broker.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    })();
  return {
    name: "weir",
    pid: broker.pid,
    port: Number(new URL(broker.url).port),
    address: broker.url,
    close,
    [Symbol.asyncDispose]: close,
  };
}
