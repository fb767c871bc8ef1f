// deno-lint-ignore-file no-console
/**
 * `deno task bench:compare`: Weir vs NATS JetStream vs Redis Streams in one
 * run, from this one Deno client process, with the same payloads.
 *
 * Starts every server itself (free ports, temp dirs, stopped by PID at the
 * end), runs the workloads of issue 7 on each, rotating the order of the
 * systems between repetitions, prints one table (median, min–max, Weir's
 * advantage W× per peer, client/server CPU, server RSS), Weir's memory per
 * idle partition Worker and its 16-vs-1 partition scaling, and writes JSON.
 *
 *   P1  produce N × S B, batches of B, K in flight (Weir acks=1; JetStream async publish
 *       with acks counted; Redis pipelined XADD, memory only)
 *   P2  consume the N records from the start (Weir SDK; JetStream pull consumer; XREADGROUP COUNT 10000)
 *   P3  R records/s, one per send, p50/p99 send→receive
 *   P4  durable produce (Weir acks=all = fsync before ack; Redis AOF appendfsync always)
 *   P1x16  P1 over 16 partitions (Weir only, compared with P1)
 *
 * Options: --n 1000000 --size 100 --batch 1000 --in-flight 4 --reps 3 --peers nats,redis
 *   --workloads P1,P2,P3,P4,P1x16 --rate 5000 --p3-seconds 5 --no-memory --quick --out <file>
 *
 * @module
 */
import { parseArgs } from "node:util";
import { connect } from "../../mod.ts";
import { type Server, startNats, startRedis, startWeir } from "./servers.ts";
import { cpuMs, rssBytes } from "./proc_stats.ts";
import { formatTable, METRICS, type Sample, spread, summarize } from "./report.ts";
import type { Driver, WorkloadSettings } from "./workload.ts";
import { WeirDriver } from "./weir_driver.ts";
import { NatsDriver } from "./nats_driver.ts";
import { RedisDriver } from "./redis_driver.ts";

const { values: args } = parseArgs({
  options: {
    n: { type: "string" },
    size: { type: "string", default: "100" },
    batch: { type: "string", default: "1000" },
    "in-flight": { type: "string", default: "4" },
    reps: { type: "string" },
    peers: { type: "string", default: "nats,redis" },
    workloads: { type: "string", default: "P1,P2,P3,P4,P1x16" },
    rate: { type: "string", default: "5000" },
    "p3-seconds": { type: "string" },
    "no-memory": { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    out: { type: "string" },
  },
});

const settings: WorkloadSettings = {
  n: Number(args.n ?? (args.quick ? 100_000 : 1_000_000)),
  size: Number(args.size),
  batch: Number(args.batch),
  inFlight: Number(args["in-flight"]),
  rate: Number(args.rate),
  latencySeconds: Number(args["p3-seconds"] ?? (args.quick ? 2 : 5)),
};
const reps = Number(args.reps ?? (args.quick ? 1 : 3));
const peers = args.peers.split(",").map((p) => p.trim()).filter((p) => p !== "" && p !== "none");
const workloads = args.workloads.split(",").map((w) => w.trim()).filter((w) => w !== "");
for (const p of peers) {
  if (p !== "nats" && p !== "redis") throw new Error(`Cannot compare: unknown peer "${p}"`);
}
for (const w of workloads) {
  if (!["P1", "P2", "P3", "P4", "P1x16"].includes(w)) {
    throw new Error(`Cannot compare: unknown workload "${w}"`);
  }
}

const log = (line: string) => console.error(`[bench:compare] ${line}`);
const started = new Date();
const servers: Server[] = [];
const drivers: Driver[] = [];
const samples: Sample[] = [];
let memory: Record<string, number> | undefined;

try {
  log(`starting servers (weir${peers.map((p) => `, ${p}`).join("")})`);
  const weirServer = await startWeir();
  servers.push(weirServer);
  drivers.push(await WeirDriver.connect(weirServer.address, weirServer.pid));
  if (peers.includes("nats")) {
    const nats = await startNats();
    servers.push(nats);
    drivers.push(await NatsDriver.connect(nats.port, nats.pid));
  }
  if (peers.includes("redis")) {
    const redis = await startRedis({ aof: false });
    servers.push(redis);
    const aof = workloads.includes("P4") ? await startRedis({ aof: true }) : undefined;
    if (aof) servers.push(aof);
    drivers.push(await RedisDriver.connect(redis, { durable: aof }));
  }

  for (let rep = 0; rep < reps; rep++) {
    const order = drivers.map((_, i) => drivers[(i + rep) % drivers.length]!);
    log(`rep ${rep + 1}/${reps}: order ${order.map((d) => d.name).join(", ")}`);
    const kept = new Map<Driver, string>();
    for (const workload of workloads) {
      for (const d of order) {
        if (!d.supports(workload)) continue;
        const name = `${workload.toLowerCase()}-r${rep}`;
        const pid = d.serverPid(workload);
        const partitions = workload === "P1x16" ? 16 : 1;
        let source = name;
        if (workload === "P2") {
          source = kept.get(d) ?? `p1-r${rep}`;
          if (!kept.has(d)) {
            await d.prepare(source, { partitions: 1 });
            await d.produce(source, settings, { durable: false, partitions: 1 });
          }
          kept.delete(d);
        } else {
          await d.prepare(name, { partitions });
        }
        const run = () => {
          switch (workload) {
            case "P3":
              return d.latency(name, settings);
            case "P2":
              return d.consume(source, settings);
            default:
              return d.produce(name, settings, { durable: workload === "P4", partitions });
          }
        };
        const c0 = cpuMs(Deno.pid);
        const s0 = cpuMs(pid);
        const m = await run();
        const sample: Sample = {
          peer: d.name,
          workload,
          rep,
          records: m.records,
          wallMs: m.wallMs,
          recordsPerSec: m.records / (m.wallMs / 1000),
          clientCpuMs: cpuMs(Deno.pid) - c0,
          serverCpuMs: cpuMs(pid) - s0,
          serverRssBytes: rssBytes(pid),
          ...(m.p50Ms === undefined ? {} : { p50Ms: m.p50Ms }),
          ...(m.p99Ms === undefined ? {} : { p99Ms: m.p99Ms }),
        };
        samples.push(sample);
        if (workload === "P1") kept.set(d, name);
        else await d.drop(source);
        log(
          `  ${workload} ${d.name}: ${Math.round(sample.recordsPerSec).toLocaleString()} rec/s` +
            (m.p99Ms === undefined
              ? ""
              : `, p50 ${m.p50Ms!.toFixed(2)} ms, p99 ${m.p99Ms.toFixed(2)} ms`) +
            `, cpu client ${(sample.clientCpuMs / 1000).toFixed(2)} s server ${
              (sample.serverCpuMs / 1000).toFixed(2)
            } s`,
        );
      }
    }
    for (const [d, name] of kept) await d.drop(name);
  }
} finally {
  for (const d of drivers.reverse()) {
    await Promise.resolve(d[Symbol.asyncDispose]()).catch(() => {});
  }
  for (const s of servers.reverse()) await s.close();
}

if (!args["no-memory"]) memory = await measureWeirMemory();

/** RSS of a fresh broker: idle, with 1 partition, with 1 + 100 partitions. */
async function measureWeirMemory(): Promise<Record<string, number>> {
  log("memory: fresh broker, 1 then 1 + 100 partitions");
  await using server = await startWeir();
  await using weir = await connect({ url: server.address });
  const idle = await settledRss(server.pid);
  await weir.admin.createTopic({ name: "mem-one", partitions: 1 });
  const one = await settledRss(server.pid);
  await weir.admin.createTopic({ name: "mem-hundred", partitions: 100 });
  const hundredOne = await settledRss(server.pid);
  return {
    brokerIdleRssBytes: idle,
    broker1PartitionRssBytes: one,
    broker101PartitionsRssBytes: hundredOne,
    perPartitionWorkerRssBytes: (hundredOne - one) / 100,
  };
}

/** RSS once three readings 250 ms apart agree within 1 % (or after 15 s). */
async function settledRss(pid: number): Promise<number> {
  const deadline = Date.now() + 15_000;
  const seen: number[] = [];
  while (Date.now() < deadline) {
    seen.push(rssBytes(pid));
    const last = seen.slice(-3);
    if (last.length === 3 && (Math.max(...last) - Math.min(...last)) / Math.max(...last) < 0.01) {
      return last[2]!;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return seen.at(-1)!;
}

const columns = ["weir", ...peers];
const rows = summarize(samples, METRICS);
const table = formatTable(rows, columns);
const p1 = samples.filter((s) => s.peer === "weir" && s.workload === "P1");
const p16 = samples.filter((s) => s.peer === "weir" && s.workload === "P1x16");
const scaling = p1.length > 0 && p16.length > 0
  ? spread(p16.map((s) => s.recordsPerSec)).median / spread(p1.map((s) => s.recordsPerSec)).median
  : undefined;
const machine = machineInfo();
const lines = [
  `bench:compare ${started.toISOString()}  ${machine.cpu} × ${machine.cores}, Deno ${Deno.version.deno}, ${machine.nats}, ${machine.redis}`,
  `${settings.n.toLocaleString()} × ${settings.size} B, batches of ${settings.batch}, ${settings.inFlight} in flight, ${reps} rep(s); P3 ${settings.rate}/s for ${settings.latencySeconds} s`,
  "W× = Weir's advantage over the peer (>1 = Weir ahead; throughput weir/peer, latency/CPU/RSS peer/weir)",
  "",
  table,
  "",
];
if (scaling !== undefined) {
  lines.push(
    `scaling: Weir P1 over 16 partitions = ${(scaling * 100).toFixed(0)} % of 1 partition`,
  );
}
if (memory) {
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  lines.push(
    `memory: broker idle ${mb(memory.brokerIdleRssBytes!)}, 1 partition ${
      mb(memory.broker1PartitionRssBytes!)
    }, 101 partitions ${mb(memory.broker101PartitionsRssBytes!)}, per idle partition Worker ${
      mb(memory.perPartitionWorkerRssBytes!)
    }`,
  );
}
console.log(lines.join("\n"));

const out = args.out ??
  `artifacts/bench_compare_${started.toISOString().replaceAll(":", "-").slice(0, 19)}.json`;
await Deno.mkdir(new URL(".", `file://${Deno.realPathSync(".")}/${out}`).pathname, {
  recursive: true,
}).catch(() => {});
await Deno.writeTextFile(
  out,
  JSON.stringify(
    {
      startedAt: started.toISOString(),
      machine,
      settings: { ...settings, reps, peers, workloads },
      samples,
      memory,
      scaling,
      table: lines.join("\n"),
    },
    null,
    2,
  ),
);
log(`wrote ${out}`);

function machineInfo(): { cpu: string; cores: number; nats: string; redis: string } {
  const cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
  const version = (cmd: string, arg: string) => {
    try {
      const o = new Deno.Command(cmd, { args: [arg] }).outputSync();
      return new TextDecoder().decode(o.stdout).trim().split("\n")[0]!;
    } catch {
      return `${cmd} missing`;
    }
  };
  return {
    cpu: cpuinfo.match(/model name\s*:\s*(.+)/)?.[1] ?? "unknown CPU",
    cores: navigator.hardwareConcurrency,
    nats: version("nats-server", "--version"),
    redis: version("redis-server", "--version").replace(/ sha=.*/, ""),
  };
}
