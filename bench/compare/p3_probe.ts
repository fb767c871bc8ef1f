// deno-lint-ignore-file no-console
/**
 * P3 probe: splits Weir's send→receive latency into send→ack and
 * send→receive at a few rates, on a fresh broker child process.
 * `deno run -A --unstable-no-legacy-abort bench/compare/p3_probe.ts [rates=500,5000] [seconds=3]`
 * (env `WEIR_URL`: use that broker instead of starting one)
 *
 * @module
 */
import { connect } from "../../mod.ts";
import { startWeir } from "./servers.ts";
import { latencyOf, paced, stampedPayload } from "./workload.ts";
import { quantile } from "./report.ts";

const rates = (Deno.args[0] ?? "500,5000").split(",").map(Number);
const seconds = Number(Deno.args[1] ?? 3);
// WEIR_URL: probe a broker started elsewhere (e.g. under `--cpu-prof`).
const external = Deno.env.get("WEIR_URL");
await using server = external === undefined ? await startWeir() : undefined;
await using weir = await connect({ url: external ?? server!.address });
const fmt = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${quantile(s, 0.5).toFixed(2)} p99 ${quantile(s, 0.99).toFixed(2)}`;
};
for (const rate of rates) {
  const name = `probe-${rate}-${Date.now()}`;
  await weir.admin.createTopic({ name, partitions: 1 });
  const topic = weir.topic(name, { value: "bytes" });
  const e2e: number[] = [];
  const acks: number[] = [];
  await using consumer = weir.consumer({ topics: [topic], waitMs: 1000 });
  consumer.assign([{ topic: name, partition: 0, offset: 0 }]);
  const receiving = (async () => {
    for await (const r of consumer) {
      e2e.push(latencyOf(r.value as Uint8Array));
      if (e2e.length >= Math.round(rate * seconds)) break;
    }
  })();
  await using producer = weir.producer({
    acks: 1,
    lingerMs: 0,
    maxInFlight: Number(Deno.env.get("INFLIGHT") ?? 4),
  });
  const sends: Promise<unknown>[] = [];
  await paced(rate, seconds, () => {
    const t = performance.now();
    sends.push(
      producer.send(topic, { value: stampedPayload(100) }).then(() => {
        acks.push(performance.now() - t);
      }),
    );
  });
  await Promise.all(sends);
  await receiving;
  const warm = Math.floor(acks.length / 10);
  if (Deno.env.get("HIST")) {
    const buckets = new Map<number, number>();
    for (const x of e2e.slice(warm)) {
      const b = x < 1 ? 0 : 2 ** Math.floor(Math.log2(x));
      buckets.set(b, (buckets.get(b) ?? 0) + 1);
    }
    console.log([...buckets].sort((a, b) => a[0] - b[0]).map(([b, n]) => `≥${b}ms:${n}`).join(" "));
  }
  console.log(
    `rate ${rate}: ack ${fmt(acks.slice(warm))} | e2e ${fmt(e2e.slice(warm))} (n=${e2e.length})`,
  );
}
