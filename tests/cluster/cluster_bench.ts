// deno-lint-ignore-file no-console
/**
 * Cluster produce figures (not a test; `deno run -A --unstable-no-legacy-abort
 * tests/cluster/cluster_bench.ts`): three in-process cluster nodes over one
 * real nats-server; acks=all produce throughput and p99 request latency for
 * RF 1 and RF 3 (one partition, produced through its leader's node).
 *
 * @module
 */
import type { ClusterBroker } from "../../broker/cluster/mod.ts";
import { startNatsServer } from "../_helpers/nats_server.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { http, startNode, waitFor } from "./_cluster.ts";

const SECONDS = Number(Deno.args[0] ?? 5);
const BATCH = 100;
const CONCURRENCY = 4;

await using nats = await startNatsServer();
await using dir = await tempDir();
const nodes: ClusterBroker[] = [];
for (const id of [1, 2, 3]) {
  nodes.push(await startNode(nats.url, id, `${dir.path}/n${id}`, { actorHost: "worker" }));
}
try {
  await waitFor("three nodes", async () => {
    const { body } = await http(`${nodes[0]!.url}/v1/cluster`);
    return (body.brokers as unknown[]).length === 3;
  });
  const value = "x".repeat(100);
  // Two rounds; the first also warms up (JIT, Workers). Machine load drifts: compare within a round.
  for (const [round, rf] of [[1, 1], [1, 3], [2, 1], [2, 3]] as const) {
    const created = await http(`${nodes[0]!.url}/v1/topics`, {
      body: { name: `bench-${round}-rf${rf}`, partitions: 1, replicationFactor: rf },
    });
    const leader = (created.body.partitions as { leader: number }[])[0]!.leader;
    const via = nodes[leader - 1]!;
    const latencies: number[] = [];
    let records = 0;
    const end = performance.now() + SECONDS * 1000;
    const body = { records: Array.from({ length: BATCH }, () => ({ value, partition: 0 })) };
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const res = await http(`${via.url}/v1/topics/bench-${round}-rf${rf}/records?acks=all`, {
          body,
        });
        if (res.status !== 200) throw new Error(JSON.stringify(res.body));
        latencies.push(performance.now() - t0);
        records += BATCH;
      }
    }));
    latencies.sort((a, b) => a - b);
    const p = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    console.log(
      `round ${round} RF ${rf}: ${
        Math.round(records / SECONDS)
      } records/s acks=all (${BATCH}-record requests x${CONCURRENCY}), p50 ${
        p(0.5).toFixed(1)
      } ms, p99 ${p(0.99).toFixed(1)} ms`,
    );
  }
} finally {
  for (const n of nodes) await n.close();
}
