/**
 * Redis Streams over the bench's own RESP client: P1 pipelines XADD (batches
 * of B in one write, K batches in flight) into a memory-only server; P4 does
 * the same against a server with AOF `appendfsync always`; P2 reads with
 * `XREADGROUP COUNT 10000 NOACK`; P3 sends one XADD per record while a second
 * connection blocks in XREADGROUP.
 *
 * @module
 */
import { encodeCommands, RespClient, type RespValue } from "./resp.ts";
import {
  type Driver,
  latencyOf,
  LatencyRecorder,
  type Measured,
  paced,
  payload,
  pipelined,
  stampedPayload,
  waitUntil,
  type WorkloadSettings,
} from "./workload.ts";
import { quantile } from "./report.ts";

/** Endpoint of one redis-server. */
export interface RedisEndpoint {
  /** Port. */
  port: number;
  /** Process id. */
  pid: number;
}

/** Redis Streams' driver. */
export class RedisDriver implements Driver {
  readonly name = "redis";
  readonly #memory: RespClient;
  readonly #memoryPid: number;
  readonly #durable: { client: RespClient; pid: number } | undefined;
  readonly #memoryPort: number;

  private constructor(
    memory: RespClient,
    memoryEndpoint: RedisEndpoint,
    durable: { client: RespClient; pid: number } | undefined,
  ) {
    this.#memory = memory;
    this.#memoryPid = memoryEndpoint.pid;
    this.#memoryPort = memoryEndpoint.port;
    this.#durable = durable;
  }

  /**
   * Connects to the memory-only server and, when given, the AOF one.
   *
   * @param memory Memory-only server.
   * @param options `durable`: the `appendfsync always` server for P4.
   * @returns The driver.
   */
  static async connect(
    memory: RedisEndpoint,
    options: { durable?: RedisEndpoint | undefined } = {},
  ): Promise<RedisDriver> {
    const client = await RespClient.connect(memory.port);
    const durable = options.durable
      ? { client: await RespClient.connect(options.durable.port), pid: options.durable.pid }
      : undefined;
    return new RedisDriver(client, memory, durable);
  }

  serverPid(workload: string): number {
    return workload === "P4" && this.#durable ? this.#durable.pid : this.#memoryPid;
  }

  supports(workload: string): boolean {
    if (workload === "P1x16") return false;
    return workload !== "P4" || this.#durable !== undefined;
  }

  prepare(): Promise<void> {
    return Promise.resolve(); // XADD creates the stream
  }

  async produce(
    name: string,
    s: WorkloadSettings,
    options: { durable: boolean },
  ): Promise<Measured> {
    const client = options.durable ? this.#durable!.client : this.#memory;
    const value = payload(s.size);
    const full = encodeCommands(
      Array.from({ length: s.batch }, () => ["XADD", name, "*", "v", value]),
    );
    const wallMs = await pipelined(s.n, {
      batch: s.batch,
      inFlight: s.inFlight,
      send: async (count) => {
        const bytes = count === s.batch
          ? full
          : encodeCommands(Array.from({ length: count }, () => ["XADD", name, "*", "v", value]));
        const replies = await client.write(bytes, count);
        for (const r of replies) if (!(r instanceof Uint8Array)) throw new Error(`XADD: ${r}`);
      },
    });
    return { records: s.n, wallMs };
  }

  async consume(name: string, s: WorkloadSettings): Promise<Measured> {
    await this.#memory.call("XGROUP", "CREATE", name, "g", "0");
    let received = 0;
    const t0 = performance.now();
    while (received < s.n) {
      const reply = await this.#memory.call(
        "XREADGROUP",
        "GROUP",
        "g",
        "c",
        "COUNT",
        "10000",
        "NOACK",
        "STREAMS",
        name,
        ">",
      );
      const n = entriesOf(reply).length;
      if (n === 0) throw new Error(`Cannot consume "${name}": stream ended at ${received}`);
      received += n;
    }
    return { records: received, wallMs: performance.now() - t0 };
  }

  async latency(name: string, s: WorkloadSettings): Promise<Measured> {
    await this.#memory.call("XGROUP", "CREATE", name, "g", "$", "MKSTREAM");
    await using reader = await RespClient.connect(this.#memoryPort);
    const recorder = new LatencyRecorder(Math.min(500, Math.floor(s.rate / 4)));
    let stop = false;
    const receiving = (async () => {
      while (!stop) {
        const reply = await reader.call(
          "XREADGROUP",
          "GROUP",
          "g",
          "c",
          "COUNT",
          "10000",
          "BLOCK",
          "200",
          "NOACK",
          "STREAMS",
          name,
          ">",
        );
        for (const e of entriesOf(reply)) {
          const fields = (e as RespValue[])[1] as RespValue[];
          recorder.add(latencyOf(fields[1] as Uint8Array));
        }
      }
    })();
    const sends: Promise<unknown>[] = [];
    const t0 = performance.now();
    const expected = await paced(s.rate, s.latencySeconds, () => {
      sends.push(this.#memory.pipeline([["XADD", name, "*", "v", stampedPayload(s.size)]]));
    });
    await Promise.all(sends);
    await waitUntil(() => recorder.seen >= expected, {
      ms: 30_000,
      what: "the Redis P3 reader to receive every entry",
    });
    stop = true;
    await receiving;
    const sorted = recorder.sorted();
    return {
      records: expected,
      wallMs: performance.now() - t0,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
    };
  }

  async drop(name: string): Promise<void> {
    await this.#memory.call("DEL", name);
    await this.#durable?.client.call("DEL", name);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#memory.close();
    await this.#durable?.client.close();
  }
}

/**
 * The entries of an XREADGROUP reply for one stream (`[[key, entries]]`, or
 * null when nothing came).
 *
 * @param reply The reply.
 * @returns Entries (`[id, [field, value, ...]]` each).
 */
export function entriesOf(reply: RespValue): RespValue[] {
  if (!Array.isArray(reply)) return [];
  const stream = reply[0];
  if (!Array.isArray(stream)) return [];
  const entries = stream[1];
  return Array.isArray(entries) ? entries : [];
}
