/**
 * What every system under comparison implements, and the shared pieces of
 * the workloads: the pipelined send loop (batches of B records, K batches
 * in flight), the paced sender of P3 and the latency stamp in a payload.
 *
 * @module
 */

/** Settings of one comparison run. */
export interface WorkloadSettings {
  /** Records per throughput run. */
  n: number;
  /** Value size in bytes. */
  size: number;
  /** Records per client batch. */
  batch: number;
  /** Batches in flight. */
  inFlight: number;
  /** P3 send rate (records/s). */
  rate: number;
  /** P3 duration (s). */
  latencySeconds: number;
}

/** Result of one workload run, before CPU and memory are added. */
export interface Measured {
  /** Records moved. */
  records: number;
  /** Wall time of the measured part (ms). */
  wallMs: number;
  /** P3: median send→receive latency (ms). */
  p50Ms?: number;
  /** P3: 99th percentile send→receive latency (ms). */
  p99Ms?: number;
}

/** A system under comparison, connected and ready. */
export interface Driver extends AsyncDisposable {
  /** `weir`, `nats`, `redis`. */
  readonly name: string;
  /** PID of the server process doing the work of `workload`. */
  serverPid(workload: string): number;
  /**
   * Creates stream `name` (topic, JetStream stream) before the measured part
   * starts, so Worker spawns and stream setup stay out of the CPU figures.
   */
  prepare(name: string, options: { partitions: number }): Promise<void>;
  /** P1: produce `n` records into the prepared stream `name` (kept for P2). */
  produce(
    name: string,
    s: WorkloadSettings,
    options: { durable: boolean; partitions: number },
  ): Promise<Measured>;
  /** P2: consume the `n` records of stream `name` from the start, then drop it. */
  consume(name: string, s: WorkloadSettings): Promise<Measured>;
  /** P3: one record per send at `rate`/s, send→receive latency. */
  latency(name: string, s: WorkloadSettings): Promise<Measured>;
  /** Drops stream `name` (idempotent). */
  drop(name: string): Promise<void>;
  /** Whether this driver can run `workload` (e.g. NATS has no P4 here). */
  supports(workload: string): boolean;
}

/**
 * Sends `total` records as batches of `batch` with at most `inFlight`
 * batches outstanding, and waits for all.
 *
 * @param total Records.
 * @param options Batch size, in-flight limit, and the send of one batch (`count` records, `index` = batch number).
 * @returns Wall time in ms.
 */
export async function pipelined(
  total: number,
  options: {
    batch: number;
    inFlight: number;
    send: (count: number, index: number) => Promise<unknown>;
  },
): Promise<number> {
  const t0 = performance.now();
  const pending = new Set<Promise<unknown>>();
  let failure: unknown;
  let index = 0;
  for (let sent = 0; sent < total; sent += options.batch) {
    const p = options.send(Math.min(options.batch, total - sent), index++);
    pending.add(p);
    p.then(() => pending.delete(p), (e) => (failure ??= e));
    if (pending.size >= options.inFlight) await Promise.race(pending);
    if (failure !== undefined) throw failure;
  }
  await Promise.all(pending);
  return performance.now() - t0;
}

/**
 * Calls `send(seq)` `rate` times per second for `seconds`, each call at (or
 * as soon as the timer allows after) its due time.
 *
 * @param rate Calls per second.
 * @param seconds Duration.
 * @param send The send of one record.
 * @returns How many were sent.
 */
export async function paced(
  rate: number,
  seconds: number,
  send: (seq: number) => void,
): Promise<number> {
  const total = Math.round(rate * seconds);
  const t0 = performance.now();
  let seq = 0;
  while (seq < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
    while (seq < due) send(seq++);
    await new Promise((r) => setTimeout(r, 0));
  }
  return seq;
}

/**
 * A payload of `size` bytes (at least 8) with `performance.now()` in its
 * first 8 bytes.
 *
 * @param size Bytes.
 * @returns The payload.
 */
export function stampedPayload(size: number): Uint8Array {
  const out = new Uint8Array(Math.max(8, size)).fill(120);
  new DataView(out.buffer).setFloat64(0, performance.now(), true);
  return out;
}

/**
 * Milliseconds since the stamp in `payload` was written (same process).
 *
 * @param payload A payload from {@linkcode stampedPayload}.
 * @returns Latency in ms.
 */
export function latencyOf(payload: Uint8Array): number {
  return performance.now() -
    new DataView(payload.buffer, payload.byteOffset, 8).getFloat64(0, true);
}

/**
 * A deterministic payload of `size` bytes (same bytes for every system).
 *
 * @param size Bytes.
 * @returns The payload.
 */
export function payload(size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = 97 + ((x >>> 0) % 26);
  }
  return out;
}

/** Latencies of P3, collected as they arrive. */
export class LatencyRecorder {
  #values = new Float64Array(1024);
  #count = 0;
  readonly #skip: number;
  #seen = 0;

  /**
   * Creates a recorder.
   *
   * @param skip How many first samples to ignore (warm-up).
   */
  constructor(skip: number) {
    this.#skip = skip;
  }

  /** Samples received (warm-up included). */
  get seen(): number {
    return this.#seen;
  }

  /**
   * Records one latency.
   *
   * @param ms Latency.
   */
  add(ms: number): void {
    if (this.#seen++ < this.#skip) return;
    if (this.#count === this.#values.length) {
      const next = new Float64Array(this.#values.length * 2);
      next.set(this.#values);
      this.#values = next;
    }
    this.#values[this.#count++] = ms;
  }

  /**
   * Sorted samples (warm-up excluded).
   *
   * @returns Sorted copy.
   */
  sorted(): Float64Array {
    return this.#values.slice(0, this.#count).sort();
  }
}

/**
 * Polls `done()` every 5 ms until it is true.
 *
 * @param done Condition.
 * @param options Deadline (ms) and what is awaited (for the error).
 * @throws Error naming `what` when the deadline passes.
 */
export async function waitUntil(
  done: () => boolean,
  options: { ms: number; what: string },
): Promise<void> {
  const deadline = performance.now() + options.ms;
  while (!done()) {
    if (performance.now() > deadline) {
      throw new Error(`Timed out after ${options.ms} ms waiting for ${options.what}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
