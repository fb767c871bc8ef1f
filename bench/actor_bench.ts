/**
 * Actor runtime micro-benchmarks: ask round trips through the Worker and the
 * inline host (sequential, one in flight; and 64 pipelined), a routed ask
 * worker → main → worker, transferring 1 MiB buffers, and the shape of a
 * produce path: 110 KB buffers transferred with 8 asks in flight. Each
 * iteration does a fixed batch (see `ROUND_TRIPS`, `MIB_PER_ITER`,
 * `BATCHES`); divide to get rates: round trips/s = ROUND_TRIPS / (avg time),
 * MB/s = MIB_PER_ITER / (avg time).
 *
 *     deno bench -A bench/actor_bench.ts
 */
import { ActorSystem, type HostSpec } from "../actors/runtime/mod.ts";
import { createTestActor, type TestActorInit } from "../actors/runtime/_test_actor.ts";

const ROUND_TRIPS = 2_000;
const MIB_PER_ITER = 64;
const BATCHES = 256;
const BATCH_BYTES = 110_000;
const worker = new URL("../actors/runtime/_test_actor_worker.ts", import.meta.url);
const hosts: Record<string, HostSpec<TestActorInit>> = {
  worker: { worker },
  inline: { inline: createTestActor },
};

// One system per host for the whole run (spawning per iteration would time Worker start-up).
const systems = new Map<string, ActorSystem>();
for (const [name, host] of Object.entries(hosts)) {
  const system = new ActorSystem();
  await system.spawn({ kind: "test", id: "a", host, init: {} });
  await system.spawn({ kind: "test", id: "b", host, init: {} });
  systems.set(name, system);
}
for (const name of Object.keys(hosts)) {
  const ref = systems.get(name)!.lookup("test", "a");
  Deno.bench({
    name: `${name}: ${ROUND_TRIPS} sequential ask round trips`,
    group: "ask",
    n: 20,
    warmup: 3,
    fn: async () => {
      for (let i = 0; i < ROUND_TRIPS; i++) await ref.ask({ type: "echo", value: i });
    },
  });

  Deno.bench({
    name: `${name}: ${ROUND_TRIPS} asks, 64 in flight`,
    group: "ask",
    n: 20,
    warmup: 3,
    fn: async () => {
      for (let i = 0; i < ROUND_TRIPS; i += 64) {
        await Promise.all(
          Array.from({ length: 64 }, (_, j) => ref.ask({ type: "echo", value: i + j })),
        );
      }
    },
  });

  Deno.bench({
    name: `${name}: ${ROUND_TRIPS / 4} routed asks a → main → b`,
    group: "routed",
    n: 20,
    warmup: 3,
    fn: async () => {
      const message = {
        type: "forward",
        kind: "test",
        id: "b",
        message: { type: "echo", value: 1 },
      };
      for (let i = 0; i < ROUND_TRIPS / 4; i++) await ref.ask(message);
    },
  });

  Deno.bench({
    name: `${name}: ${MIB_PER_ITER} × 1 MiB transferred (reply: its size)`,
    group: "transfer",
    n: 20,
    warmup: 3,
    fn: async () => {
      for (let i = 0; i < MIB_PER_ITER; i++) {
        const bytes = new Uint8Array(1 << 20);
        await ref.ask({ type: "size", bytes }, { transfer: [bytes.buffer] });
      }
    },
  });

  Deno.bench({
    name: `${name}: ${BATCHES} × 110 KB transferred, 8 in flight`,
    group: "transfer",
    n: 20,
    warmup: 3,
    fn: async (b) => {
      const buffers = Array.from({ length: BATCHES }, () => new Uint8Array(BATCH_BYTES));
      let next = 0;
      const lane = async () => {
        while (next < buffers.length) {
          const bytes = buffers[next++]!;
          await ref.ask({ type: "size", bytes }, { transfer: [bytes.buffer] });
        }
      };
      b.start();
      await Promise.all(Array.from({ length: 8 }, lane));
      b.end();
    },
  });

  Deno.bench({
    name: `${name}: ${MIB_PER_ITER} × 1 MiB cloned (no transfer)`,
    group: "transfer",
    n: 20,
    warmup: 3,
    fn: async () => {
      const bytes = new Uint8Array(1 << 20);
      for (let i = 0; i < MIB_PER_ITER; i++) await ref.ask({ type: "size", bytes });
    },
  });
}

// The bench runner exits when the module's benches are done; this closes the Workers cleanly first.
Deno.bench({
  name: "teardown (ignore)",
  group: "zz",
  n: 1,
  warmup: 0,
  fn: async () => {
    for (const system of systems.values()) await system.close();
  },
});
