// deno-lint-ignore-file no-console
/**
 * RSS of one idle partition Worker, without a broker: spawns N partition
 * actors (fresh logs in a temp dir) after a first one, waits until RSS
 * settles, prints the growth per Worker. Quicker and less noisy than the
 * memory step of `bench:compare` (which also counts the broker's own
 * per-partition state).
 * `deno run -A --unstable-no-legacy-abort bench/compare/worker_memory.ts [n=20]`
 *
 * @module
 */
import { ActorSystem } from "../../actors/runtime/mod.ts";
import { PARTITION_WORKER_URL } from "../../actors/partition/mod.ts";
import type { PartitionInit } from "../../actors/partition/messages.ts";

const n = Number(Deno.args[0] ?? 20);
const rssMb = (): number =>
  Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync("/proc/self/status"))![1]) / 1024;
/** RSS once three readings 150 ms apart agree within 0.5 %. */
async function settled(): Promise<number> {
  let last = 0;
  for (let i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 150));
    const now = rssMb();
    if (Math.abs(now - last) / now < 0.005) return now;
    last = now;
  }
  return rssMb();
}

const root = await Deno.makeTempDir({ prefix: "weir-worker-memory-" });
try {
  await using system = new ActorSystem();
  const spawn = (i: number) =>
    system.spawn<PartitionInit>({
      kind: "partition",
      id: `t-${i}`,
      host: { worker: PARTITION_WORKER_URL },
      init: { topic: "t", partition: i, dir: `${root}/t-${i}`, configs: {} },
    });
  await spawn(0);
  const before = await settled();
  for (let i = 1; i <= n; i++) await spawn(i);
  const after = await settled();
  console.log(`idle partition Worker: ${((after - before) / n).toFixed(2)} MB RSS each (n=${n})`);
} finally {
  await Deno.remove(root, { recursive: true });
}
