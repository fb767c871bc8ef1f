// deno-lint-ignore-file no-console
/**
 * Consumer-group figures: rebalance time and pause, and group consume
 * throughput. Starts a broker in this process (worker actors) on a free port
 * in a temp dir and drives it with the SDK.
 *
 * 1. **Rebalance.** A topic of P partitions is pre-filled; a steady producer
 *    keeps adding records; a group of 4 consumers (`autoOffsetReset:
 *    "earliest"`) reads continuously, each loop stamping every batch it
 *    receives. Once the group is stable a 5th member joins. Measured: time
 *    from the join until `GET /v1/groups/:g` shows a stable, balanced group
 *    of 5; which partitions moved (from the `"revoked"`/`"assigned"` events);
 *    for each moved partition the gap between the last batch of its old
 *    owner and the first batch of its new owner (partition-seconds paused);
 *    and the largest gap between batches of the partitions that did not
 *    move, during the same window.
 * 2. **Throughput.** N records over P partitions, read by a group of 1 and by
 *    a group of 4 consumers. Each group first joins and converges without
 *    fetching; the clock runs from the first fetch to the N-th record.
 *    All consumers share this one process, hence one CPU for the clients.
 *
 *   deno task bench:groups [--records 400000] [--prefill 200000] [--partitions 32] [--size 100]
 *     [--rate 20000] [--session 45000] [--settle 2000] [--trace]
 *
 * `--session` is the members' session timeout (heartbeat every min(3 s, session / 3));
 * `--trace` prints the group requests (join, heartbeats with the assignment answered,
 * commits) from the 5th member's join to convergence.
 *
 * Progress goes to stderr, the summary to stdout.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { connect, type Consumer, type GroupDescriptionResponse, type Weir } from "../mod.ts";
import { startBroker } from "../broker/mod.ts";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "400000" },
    prefill: { type: "string", default: "200000" },
    partitions: { type: "string", default: "32" },
    size: { type: "string", default: "100" },
    rate: { type: "string", default: "20000" },
    session: { type: "string", default: "45000" },
    settle: { type: "string", default: "2000" },
    trace: { type: "boolean", default: false },
  },
});
const total = Number(values.records);
const prefill = Number(values.prefill);
const partitions = Number(values.partitions);
const size = Number(values.size);
const rate = Number(values.rate);
const sessionTimeoutMs = Number(values.session);
const settleMs = Number(values.settle);
for (const [name, v] of Object.entries({ total, prefill, partitions, size, rate, settleMs })) {
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`Cannot run: --${name} must be >= 1`);
}

const TICK_MS = 50;
/** With `--trace`: group requests (join/heartbeat/leave/commit) as [start, end, line]. */
const trace: [number, number, string][] = [];
let traceFrom = Infinity;

/** The global fetch, recording group requests after {@linkcode traceFrom} when `--trace`. */
async function tracingFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = input instanceof Request ? input.url : String(input);
  const start = performance.now();
  const response = await fetch(input, init);
  const method = init?.method ?? "GET";
  if (
    values.trace && method !== "GET" && start >= traceFrom &&
    url.includes("/v1/groups/bench-rebalance/")
  ) {
    const path = new URL(url).pathname.replace("/v1/groups/bench-rebalance", "")
      .replace(/([0-9a-f]{8})[0-9a-f-]{28}/, "$1");
    let body = "";
    if (path.endsWith("/heartbeat") || path.endsWith("/members")) {
      const json = await response.clone().json().catch(() => undefined) as
        | { assignment?: { partitions: number[] }[] }
        | undefined;
      body = JSON.stringify(json?.assignment?.map((a) => a.partitions));
    }
    trace.push([
      start,
      performance.now(),
      `${method} ${path} ${response.status} ${body}`,
    ]);
  }
  return response;
}
const log = (msg: string): void => console.error(`  ${msg}`);
const now = (): number => performance.now();
const value = new Uint8Array(size).fill(97);

/** A batch as one consumer loop saw it. */
interface Seen {
  t: number;
  consumer: number;
  partition: number;
  n: number;
}

/** An `"assigned"`/`"revoked"` event of one consumer. */
interface OwnerEvent {
  t: number;
  consumer: number;
  partition: number;
  kind: "assigned" | "revoked";
}

async function fill(weir: Weir, topic: string, count: number): Promise<number> {
  const producer = weir.producer({ acks: 1, lingerMs: 0, maxBatchBytes: 4 * 1024 * 1024 });
  const batch = 8000;
  const records = Array.from({ length: batch }, (_, i) => ({ value, partition: i % partitions }));
  const t0 = now();
  const inFlight = new Set<Promise<unknown>>();
  for (let sent = 0; sent < count; sent += batch) {
    const p = producer.sendBatch(
      topic,
      sent + batch <= count ? records : records.slice(0, count - sent),
    );
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await producer.close();
  return now() - t0;
}

/** Produces `rate` records/s in ticks of {@linkcode TICK_MS}, one slice per partition, until stopped. */
function steadyProducer(
  weir: Weir,
  topic: string,
): { produced: () => number; stop: () => Promise<number> } {
  const producer = weir.producer({ acks: 1, lingerMs: 0 });
  const perTick = Math.max(partitions, Math.round((rate * TICK_MS) / 1000));
  const records = Array.from({ length: perTick }, (_, i) => ({ value, partition: i % partitions }));
  let running = true;
  let produced = 0;
  const loop = (async () => {
    let next = now();
    while (running) {
      await producer.sendBatch(topic, records);
      produced += perTick;
      next += TICK_MS;
      const wait = next - now();
      // Pacing of the load generator (not synchronisation).
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else next = now();
    }
    await producer.close();
  })();
  return {
    produced: () => produced,
    stop: async () => {
      running = false;
      await loop;
      return produced;
    },
  };
}

function expectedCounts(members: number): number[] {
  const base = Math.floor(partitions / members);
  const extra = partitions % members;
  return Array.from({ length: members }, (_, i) => base + (i >= members - extra ? 1 : 0));
}

/** True when the group is Stable with `members` members sharing all partitions, balanced. */
function converged(d: GroupDescriptionResponse, topic: string, members: number): boolean {
  if (d.state !== "Stable" || d.members.length !== members) return false;
  const owned = new Set<number>();
  const counts: number[] = [];
  for (const m of d.members) {
    const ps = m.assignment.filter((a) => a.topic === topic).flatMap((a) => a.partitions);
    counts.push(ps.length);
    for (const p of ps) owned.add(p);
  }
  counts.sort((a, b) => a - b);
  return owned.size === partitions && counts.join() === expectedCounts(members).join();
}

/** Polls the group description until converged; returns the time it was first seen so. */
async function untilConverged(
  weir: Weir,
  group: string,
  topic: string,
  members: number,
  deadlineMs: number,
): Promise<number> {
  const deadline = now() + deadlineMs;
  for (;;) {
    const d = await weir.admin.describeGroup(group).catch(() => undefined);
    const t = now();
    if (d !== undefined && converged(d, topic, members)) return t;
    if (t > deadline) {
      throw new Error(
        `Cannot converge group ${group}: ${members} members not stable after ${deadlineMs} ms (${
          JSON.stringify(d?.members.map((m) => m.assignment))
        })`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Polls `check` every 10 ms until it holds or `deadlineMs` passes; returns whether it held. */
async function until(check: () => boolean, deadlineMs: number): Promise<boolean> {
  const deadline = now() + deadlineMs;
  while (!check()) {
    if (now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function startConsumer(
  weir: Weir,
  options: { group: string; topic: string; index: number; seen: Seen[]; events: OwnerEvent[] },
): { consumer: Consumer; done: Promise<void> } {
  const consumer = weir.consumer({
    topics: [options.topic],
    groupId: options.group,
    autoOffsetReset: "earliest",
    sessionTimeoutMs,
    onError: (e) => log(`consumer ${options.index}: ${e.code} ${e.message}`),
  });
  for (const kind of ["assigned", "revoked"] as const) {
    consumer.on(kind, (tps) => {
      const t = now();
      for (const tp of tps) {
        options.events.push({ t, consumer: options.index, partition: tp.partition, kind });
      }
    });
  }
  const done = (async () => {
    for await (const b of consumer.batches()) {
      options.seen.push({
        t: now(),
        consumer: options.index,
        partition: b.partition,
        n: b.records.length,
      });
    }
  })();
  return { consumer, done };
}

async function rebalance(weir: Weir): Promise<string[]> {
  const topic = "rebalance";
  const group = "bench-rebalance";
  await weir.admin.createTopic({ name: topic, partitions });
  const fillMs = await fill(weir, topic, prefill);
  log(`pre-filled ${prefill.toLocaleString()} records in ${fillMs.toFixed(0)} ms`);
  const producer = steadyProducer(weir, topic);
  const seen: Seen[] = [];
  const events: OwnerEvent[] = [];
  const members: { consumer: Consumer; done: Promise<void> }[] = [];
  try {
    const tStart = now();
    for (let i = 0; i < 4; i++) {
      members.push(startConsumer(weir, { group, topic, index: i, seen, events }));
    }
    const tFour = await untilConverged(weir, group, topic, 4, 60_000);
    log(`4 members stable after ${(tFour - tStart).toFixed(0)} ms`);
    // Busy: every partition delivered a batch since the 4-member group became stable.
    const warm = await until(() => {
      const fresh = new Set(seen.filter((s) => s.t > tFour).map((s) => s.partition));
      return fresh.size === partitions;
    }, 20_000);
    if (!warm) throw new Error("Cannot warm up: some partitions delivered nothing");
    const consumedBefore = seen.reduce((sum, s) => sum + s.n, 0);
    const backlog = prefill + producer.produced() - consumedBefore;

    log("5th member joins");
    const tJoin = now();
    traceFrom = tJoin;
    members.push(startConsumer(weir, { group, topic, index: 4, seen, events }));
    const tConv = await untilConverged(weir, group, topic, 5, 60_000);
    log(`5 members stable after ${(tConv - tJoin).toFixed(0)} ms`);

    // Moved partitions: revoked from an old owner after the join.
    const revoked = events.filter((e) => e.kind === "revoked" && e.t >= tJoin);
    const moved = new Map<number, { from: number; revokedAt: number }>();
    for (const e of revoked) moved.set(e.partition, { from: e.consumer, revokedAt: e.t });
    const newOwner = (p: number): OwnerEvent | undefined =>
      events.find((e) => e.kind === "assigned" && e.partition === p && e.t >= tJoin);
    const firstNew = (p: number): Seen | undefined => {
      const a = newOwner(p);
      return a && seen.find((s) => s.partition === p && s.consumer === a.consumer && s.t >= a.t);
    };
    const resumed = await until(() => [...moved.keys()].every((p) => firstNew(p)), 30_000);
    // Observation window, so that partitions which did not move show they kept receiving.
    await new Promise((r) => setTimeout(r, settleMs));
    const tEnd = now();

    const gaps: number[] = [];
    const details: string[] = [];
    for (const [p, m] of [...moved].sort((a, b) => a[0] - b[0])) {
      const lastOld = seen.filter((s) => s.partition === p && s.consumer === m.from)
        .reduce((t, s) => Math.max(t, s.t), -Infinity);
      const first = firstNew(p);
      const to = newOwner(p)?.consumer;
      if (first === undefined) {
        details.push(`p${p} ${m.from}→${to ?? "?"}: never resumed`);
        continue;
      }
      const gap = first.t - lastOld;
      gaps.push(gap);
      details.push(
        `p${p} c${m.from}→c${to}: revoked +${(m.revokedAt - tJoin).toFixed(0)} ms, gap ${
          gap.toFixed(0)
        } ms`,
      );
    }
    for (const d of details) log(d);
    for (const [a, b, line] of trace.filter((x) => x[0] <= tConv + 200)) {
      log(`+${(a - tJoin).toFixed(0)}..+${(b - tJoin).toFixed(0)} ms ${line}`);
    }

    // Partitions that did not move: largest gap between batches in [tJoin, tEnd], and batches
    // received between join and convergence; baseline: median and max gap before the join.
    const stay = Array.from({ length: partitions }, (_, p) => p).filter((p) => !moved.has(p));
    let stayMaxGap = 0;
    let stayMinBatches = Infinity;
    let baselineMax = 0;
    const baseline: number[] = [];
    for (const p of stay) {
      const ts = seen.filter((s) => s.partition === p).map((s) => s.t);
      const inWindow = ts.filter((t) => t >= tJoin && t <= tEnd);
      const points = [Math.max(...ts.filter((t) => t < tJoin)), ...inWindow, tEnd];
      for (let i = 1; i < points.length; i++) {
        stayMaxGap = Math.max(stayMaxGap, points[i]! - points[i - 1]!);
      }
      stayMinBatches = Math.min(stayMinBatches, ts.filter((t) => t >= tJoin && t <= tConv).length);
      const pre = ts.filter((t) => t > tFour && t < tJoin);
      for (let i = 1; i < pre.length; i++) {
        baseline.push(pre[i]! - pre[i - 1]!);
        baselineMax = Math.max(baselineMax, pre[i]! - pre[i - 1]!);
      }
    }
    const produced = await producer.stop();
    const consumed = seen.reduce((sum, s) => sum + s.n, 0);
    const sum = gaps.reduce((a, b) => a + b, 0);
    return [
      `Rebalance (${partitions} partitions, pre-filled ${prefill.toLocaleString()} × ${size} B, ` +
      `producer ${rate.toLocaleString()} records/s, sessionTimeoutMs ${sessionTimeoutMs} → ` +
      `heartbeat ${Math.min(3000, Math.floor(sessionTimeoutMs / 3))} ms):`,
      `  4 members start → stable: ${(tFour - tStart).toFixed(0)} ms; at the join: ` +
      `${consumedBefore.toLocaleString()} consumed, backlog ~${backlog.toLocaleString()} records`,
      `  5th joins → converged (Stable, counts ${expectedCounts(5).join("/")}): ` +
      `${(tConv - tJoin).toFixed(0)} ms`,
      `  partitions moved: ${moved.size} (minimum ${expectedCounts(5)[0]})` +
      (resumed ? "" : " — some never resumed!"),
      `  pause of moved partitions: sum ${(sum / 1000).toFixed(2)} partition-s, max ${
        Math.max(0, ...gaps).toFixed(0)
      } ms, median ${median(gaps).toFixed(0)} ms`,
      `  partitions not moved (${stay.length}): largest gap between batches ${
        stayMaxGap.toFixed(0)
      } ms (before the join: median ${median(baseline).toFixed(0)} ms, max ${
        baselineMax.toFixed(0)
      } ms); ` +
      `each got >= ${stayMinBatches} batches between join and convergence`,
      `  records produced while measuring ${produced.toLocaleString()}, consumed in all ${consumed.toLocaleString()}`,
    ];
  } finally {
    await producer.stop();
    await Promise.all(members.map((m) => m.consumer.close()));
    await Promise.all(members.map((m) => m.done));
  }
}

async function throughput(weir: Weir, topic: string, count: number): Promise<string> {
  const group = `bench-tput-${count}`;
  const consumers: Consumer[] = [];
  try {
    const tJoin = now();
    for (let i = 0; i < count; i++) {
      consumers.push(weir.consumer({
        topics: [topic],
        groupId: group,
        autoOffsetReset: "earliest",
        sessionTimeoutMs,
      }));
    }
    const tConv = await untilConverged(weir, group, topic, count, 60_000);
    log(`group of ${count}: stable after ${(tConv - tJoin).toFixed(0)} ms; consuming`);
    let received = 0;
    let tDone = 0;
    const t0 = now();
    await Promise.all(consumers.map(async (c) => {
      for await (const b of c.batches()) {
        received += b.records.length;
        if (received >= total) {
          tDone ||= now();
          for (const x of consumers) void x.close();
          break;
        }
      }
    }));
    const ms = tDone - t0;
    const perS = Math.round(received / (ms / 1000));
    return `  ${count} consumer(s): ${perS.toLocaleString()} records/s (${
      ((perS * size) / 1e6).toFixed(1)
    } MB/s), ${ms.toFixed(0)} ms; join → stable ${(tConv - tJoin).toFixed(0)} ms`;
  } finally {
    await Promise.all(consumers.map((c) => c.close()));
  }
}

const dataDir = await Deno.makeTempDir({ prefix: "weir-bench-groups-" });
try {
  await using broker = await startBroker({ dataDir, port: 0 });
  await using weir = await connect({ url: broker.url, fetch: tracingFetch });
  const t0 = now();
  const lines = await rebalance(weir);
  const topic = "throughput";
  await weir.admin.createTopic({ name: topic, partitions });
  const fillMs = await fill(weir, topic, total);
  log(`produced ${total.toLocaleString()} records in ${fillMs.toFixed(0)} ms`);
  lines.push(
    `Group consume throughput (${total.toLocaleString()} × ${size} B over ${partitions} partitions; ` +
      `all consumers in this one process, so the clients share one CPU):`,
  );
  lines.push(await throughput(weir, topic, 1));
  lines.push(await throughput(weir, topic, 4));
  lines.push(`(whole run ${((now() - t0) / 1000).toFixed(1)} s)`);
  console.log(lines.join("\n"));
} finally {
  await Deno.remove(dataDir, { recursive: true });
}
