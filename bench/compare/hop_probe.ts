// deno-lint-ignore-file no-console
/**
 * Hop probe: sequential round trips (one at a time, idle broker) of
 * `GET /healthz` (HTTP only), `GET /v1/topics/:name` (edge + main isolate),
 * a one-record `Producer.send` with acks=1 and a one-record fetch with
 * `waitMs=0` (both through the partition Worker), on a fresh broker child.
 * `deno run -A --unstable-no-legacy-abort bench/compare/hop_probe.ts [rounds=300]`
 *
 * @module
 */
import { connect } from "../../mod.ts";
import { startWeir } from "./servers.ts";
import { quantile } from "./report.ts";

const rounds = Number(Deno.args[0] ?? 300);
await using server = await startWeir();
await using weir = await connect({ url: server.address });
await weir.admin.createTopic({ name: "hop", partitions: 1 });
const topic = weir.topic("hop", { value: "bytes" });
await using producer = weir.producer({ acks: 1, lingerMs: 0 });
const base = server.address;
const steps: Record<string, () => Promise<unknown>> = {
  healthz: async () => await (await fetch(`${base}/healthz`)).arrayBuffer(),
  topic: async () => await (await fetch(`${base}/v1/topics/hop`)).arrayBuffer(),
  send: () => producer.send(topic, { value: new Uint8Array(100) }),
  fetch: async () =>
    await (await fetch(
      `${base}/v1/topics/hop/partitions/0/batches?offset=0&maxRecords=1&waitMs=0`,
      {
        headers: { accept: "application/vnd.weir.record-batch" },
      },
    )).arrayBuffer(),
};
for (const round of ["warm-up", "measured"]) {
  const times: Record<string, number[]> = {};
  for (let i = 0; i < rounds; i++) {
    for (const [name, step] of Object.entries(steps)) {
      const t = performance.now();
      await step();
      (times[name] ??= []).push(performance.now() - t);
    }
  }
  const line = Object.entries(times).map(([name, xs]) => {
    const s = xs.sort((a, b) => a - b);
    return `${name} p50 ${quantile(s, 0.5).toFixed(3)} ms`;
  });
  console.log(`${round}: ${line.join(" | ")}`);
}
