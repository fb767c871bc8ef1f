/**
 * The kill -9 durability scenario, shared by `kill_nine_test.ts` (a few
 * iterations in CI) and `soak.ts` (`deno task soak`, 100+ iterations).
 *
 * One data directory, one real broker process (`broker/main.ts`) per
 * iteration. Each iteration:
 *
 * 1. start the broker on the data directory (topics `durable-all` and
 *    `durable-one`, 3 partitions each, created in the first iteration);
 * 2. run concurrent producers per topic — plain HTTP (`POST .../records` with
 *    `acks=all` or `acks=1`) and the SDK (binary batches, idempotent) — each
 *    value unique and recorded in a {@linkcode History};
 * 3. at a seeded moment (after a seeded number of acknowledgements) SIGKILL
 *    the broker; requests in flight get an unknown outcome;
 * 4. restart and read back every partition from where the previous
 *    iteration's read stopped (plus a seeded window of older offsets, compared
 *    with what was read before), then stop the broker with SIGKILL again.
 *
 * At the end {@linkcode History.check} must find nothing: every acknowledged
 * value at its offset, no offset with two values, no duplicates of the
 * idempotent SDK producers. A process kill keeps the page cache, so acks=1
 * loses nothing either — the scenario asserts that too.
 *
 * @module
 */
import { connect } from "../../client/mod.ts";
import { seeded } from "../../actors/partition/log/_testing.ts";
import { type BrokerProcess, startBrokerProcess } from "../_helpers/broker_process.ts";
import { History, type Violation } from "../_helpers/history_checker.ts";

/** Options of {@linkcode runKillNine}. */
export interface KillNineOptions {
  /** Data directory (kept by the caller). */
  dataDir: string;
  /** Iterations (broker kills). */
  iterations: number;
  /** Seed of every random choice. */
  seed: number;
  /** Most acknowledgements per iteration before the kill (default 1500). */
  maxAcksPerIteration?: number;
  /** Called after each iteration (progress). */
  onIteration?: (iteration: number, result: KillNineResult) => void;
}

/** Per-topic totals. */
export interface KillNineTotals {
  /** Records acknowledged. */
  acked: number;
  /** Acknowledged records not found at their offset (lost or moved). */
  lost: number;
  /** Produce calls that failed or whose outcome is unknown (records). */
  unknown: number;
}

/** Result of {@linkcode runKillNine}. */
export interface KillNineResult {
  /** Iterations done. */
  iterations: number;
  /** Totals for `acks=all` and `acks=1`. */
  byAcks: { all: KillNineTotals; one: KillNineTotals };
  /** Records read back and checked. */
  recordsChecked: number;
  /** Everything the checker found (should be empty). */
  violations: Violation[];
}

const TOPICS = { all: "durable-all", one: "durable-one" } as const;
const PARTITIONS = 3;
const KILL_DEADLINE_MS = 30_000;

interface FetchedRecord {
  offset: number;
  value: unknown;
}

async function json<T>(res: Response, what: string): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what} failed with ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function createTopics(url: string): Promise<void> {
  for (const name of Object.values(TOPICS)) {
    const res = await fetch(`${url}/v1/topics`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, partitions: PARTITIONS, configs: { "segment.bytes": 65_536 } }),
    });
    await json(res, `Creating topic "${name}"`);
  }
}

/** Runs the scenario; throws only on harness failures (violations are returned). */
export async function runKillNine(options: KillNineOptions): Promise<KillNineResult> {
  const rnd = seeded(options.seed);
  const history = new History();
  const maxAcks = options.maxAcksPerIteration ?? 1500;
  const totals = {
    all: { acked: 0, lost: 0, unknown: 0 },
    one: { acked: 0, lost: 0, unknown: 0 },
  };
  /** topic → partition → values read so far, by offset. */
  const verified = new Map<string, string[][]>();
  for (const t of Object.values(TOPICS)) {
    verified.set(t, Array.from({ length: PARTITIONS }, () => []));
  }
  const extra: Violation[] = [];
  let recordsChecked = 0;
  let iteration = 0;
  const result = (): KillNineResult => ({
    iterations: iteration,
    byAcks: structuredClone(totals),
    recordsChecked,
    violations: [...extra, ...history.check({ limit: 50 })],
  });

  for (; iteration < options.iterations;) {
    let broker: BrokerProcess = await startBrokerProcess({ dataDir: options.dataDir });
    try {
      if (iteration === 0) await createTopics(broker.url);
      const url = broker.url;
      const killAfter = 50 + Math.floor(rnd() * maxAcks);
      let acked = 0;
      let stop = false;
      const kill = Promise.withResolvers<void>();
      const onAck = (n: number) => {
        acked += n;
        if (acked >= killAfter) kill.resolve();
      };
      const loops: Promise<void>[] = [];
      for (const mode of ["all", "one"] as const) {
        const topic = TOPICS[mode];
        for (let p = 0; p < 2; p++) {
          const prefix = `i${iteration}-${mode}-h${p}-`;
          const batchSize = 1 + Math.floor(rnd() * 40);
          loops.push(httpProducer({
            url,
            topic,
            acks: mode === "all" ? "all" : "1",
            prefix,
            batchSize,
            history,
            totals: totals[mode],
            stopped: () => stop,
            onAck,
          }));
        }
        loops.push(sdkProducer({
          url,
          topic,
          acks: mode === "all" ? "all" : 1,
          prefix: `i${iteration}-${mode}-s-`,
          batchSize: 1 + Math.floor(rnd() * 100),
          history,
          totals: totals[mode],
          stopped: () => stop,
          onAck,
        }));
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const failed = Promise.all(loops).then(() => {
        throw new Error("Every producer stopped before the kill");
      });
      await Promise.race([
        kill.promise,
        failed,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `Only ${acked} of ${killAfter} acknowledgements within ${KILL_DEADLINE_MS} ms`,
                ),
              ),
            KILL_DEADLINE_MS,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      await broker.kill();
      stop = true;
      await Promise.all(loops);

      broker = await startBrokerProcess({ dataDir: options.dataDir });
      for (const topic of Object.values(TOPICS)) {
        for (let p = 0; p < PARTITIONS; p++) {
          recordsChecked += await readBack({
            url: broker.url,
            topic,
            partition: p,
            known: verified.get(topic)![p]!,
            history,
            rnd,
            violations: extra,
          });
        }
      }
    } finally {
      await broker.kill();
    }
    iteration++;
    options.onIteration?.(iteration, result());
  }
  const final = result();
  for (const v of final.violations) {
    const mode = v.topic === TOPICS.all ? "all" : "one";
    if (v.kind === "lost" || v.kind === "moved") final.byAcks[mode].lost++;
  }
  return final;
}

interface ProducerArgs {
  url: string;
  topic: string;
  prefix: string;
  batchSize: number;
  history: History;
  totals: KillNineTotals;
  stopped: () => boolean;
  onAck: (n: number) => void;
}

async function httpProducer(args: ProducerArgs & { acks: "all" | "1" }): Promise<void> {
  let seq = 0;
  while (!args.stopped()) {
    const values: string[] = [];
    for (let i = 0; i < args.batchSize; i++) values.push(`${args.prefix}${seq++}`);
    for (const v of values) args.history.attempt(v);
    let status = 0;
    try {
      const res = await fetch(`${args.url}/v1/topics/${args.topic}/records?acks=${args.acks}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ records: values.map((value) => ({ key: value, value })) }),
      });
      status = res.status;
      const body = await res.json() as { offsets?: { partition: number; offset: number }[] };
      if (res.status === 200 && body.offsets?.length === values.length) {
        values.forEach((v, i) => args.history.ack(v, { topic: args.topic, ...body.offsets![i]! }));
        args.totals.acked += values.length;
        args.onAck(values.length);
        continue;
      }
    } catch {
      // Connection reset by the kill: outcome unknown.
    }
    for (const v of values) args.history.fail(v, { definite: status >= 400 && status < 500 });
    args.totals.unknown += values.length;
    if (status === 0) return; // the broker is gone
  }
}

async function sdkProducer(args: ProducerArgs & { acks: "all" | 1 }): Promise<void> {
  let weir;
  try {
    weir = await connect({ url: args.url, retry: { retries: 0 } });
  } catch {
    return; // killed before we connected
  }
  try {
    const producer = weir.producer({ acks: args.acks, lingerMs: 1, idempotent: true });
    let seq = 0;
    while (!args.stopped()) {
      const values: string[] = [];
      for (let i = 0; i < args.batchSize; i++) values.push(`${args.prefix}${seq++}`);
      for (const v of values) args.history.attempt(v, { idempotent: true });
      try {
        const metas = await producer.sendBatch(
          args.topic,
          values.map((value) => ({ key: value, value })),
        );
        metas.forEach((m, i) => args.history.ack(values[i]!, m));
        args.totals.acked += values.length;
        args.onAck(values.length);
      } catch {
        for (const v of values) args.history.fail(v);
        args.totals.unknown += values.length;
        return;
      }
    }
    await producer.close().catch(() => {});
  } finally {
    await weir.close();
  }
}

/**
 * Reads a partition from the end of what was read before to the current log
 * end into the history, and re-reads a seeded window of older offsets,
 * comparing them with the values seen before. Returns records read.
 */
async function readBack(args: {
  url: string;
  topic: string;
  partition: number;
  known: string[];
  history: History;
  rnd: () => number;
  violations: Violation[];
}): Promise<number> {
  const base = `${args.url}/v1/topics/${args.topic}/partitions/${args.partition}`;
  const { earliest, latest } = await json<{ earliest: number; latest: number }>(
    await fetch(`${base}/offsets`),
    "Listing offsets",
  );
  const known = args.known;
  const lost = (offset: number, message: string) =>
    args.violations.push({
      kind: "lost",
      message,
      topic: args.topic,
      partition: args.partition,
      offset,
    });
  if (earliest !== 0) lost(0, `"${args.topic}-${args.partition}" starts at ${earliest}, not 0`);
  if (latest < known.length) {
    lost(
      latest,
      `"${args.topic}-${args.partition}" ends at ${latest} below ${known.length} read before`,
    );
  }
  let checked = 0;
  const readRange = async (from: number, to: number, fn: (r: FetchedRecord) => void) => {
    let offset = from;
    while (offset < to) {
      const page = await json<{ records: FetchedRecord[]; nextOffset: number }>(
        await fetch(`${base}/records?offset=${offset}&maxRecords=5000&maxBytes=4194304`),
        `Reading "${args.topic}-${args.partition}" at ${offset}`,
      );
      if (page.records.length === 0) break;
      for (const r of page.records) {
        if (r.offset >= to) break;
        fn(r);
        checked++;
      }
      offset = page.nextOffset;
    }
  };
  // A seeded window of older records must still hold the same values.
  if (known.length > 0) {
    const from = Math.floor(args.rnd() * known.length);
    const to = Math.min(known.length, from + 2000);
    let expected = from;
    await readRange(from, to, (r) => {
      if (r.offset !== expected || known[r.offset] !== r.value) {
        lost(
          r.offset,
          `"${args.topic}-${args.partition}" offset ${r.offset} holds ${
            JSON.stringify(r.value)
          }, read before as "${known[r.offset]}" (expected offset ${expected})`,
        );
      }
      expected = r.offset + 1;
    });
  }
  await readRange(known.length, latest, (r) => {
    const value = typeof r.value === "string" ? r.value : JSON.stringify(r.value);
    args.history.read({
      reader: "final",
      topic: args.topic,
      partition: args.partition,
      offset: r.offset,
      value,
    });
    if (r.offset === known.length) known.push(value);
  });
  return checked;
}
