import { assertEquals } from "@std/assert";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import type { TestMessage } from "./_test_actor.ts";
import { FakeClock } from "./clock.ts";
import { codeOf, pollUntil, runHostConformance } from "./host_conformance.ts";
import { type ActorRestartedEvent, ActorSystem } from "./system.ts";

const worker = new URL("./_test_actor_worker.ts", import.meta.url);

runHostConformance("worker", { host: { worker } });

for (const type of ["crashUncaught", "crashRejection"] as const) {
  Deno.test(`worker host: a Worker's ${type} is a crash and the actor restarts`, async () => {
    const clock = new FakeClock();
    const restarted: ActorRestartedEvent[] = [];
    await using system = new ActorSystem({
      clock,
      onActorRestarted: (e) => restarted.push(e),
    });
    const ref = await system.spawn({ kind: "test", id: "w", host: { worker }, init: {} });
    const inFlight = ref.ask({ type: "never" } satisfies TestMessage);
    ref.tell({ type, message: `worker ${type}` } satisfies TestMessage);
    assertEquals(await codeOf(inFlight), "ACTOR_RESTARTED");
    clock.advance(100);
    await pollUntil("the restart event", () => restarted.length === 1);
    assertEquals(restarted[0]?.error.message.includes(`worker ${type}`), true);
    assertEquals(await ref.ask({ type: "echo", value: "up" } satisfies TestMessage), "up");
  });
}

Deno.test("worker host: spawn() of a module that fails to load rejects", async () => {
  await using system = new ActorSystem();
  const missing = new URL("./_no_such_worker.ts", import.meta.url);
  const code = await codeOf(
    system.spawn({ kind: "x", id: "1", host: { worker: missing }, init: {} }),
  );
  assertEquals(code, "UNKNOWN_SERVER_ERROR");
  assertEquals(system.has("x", "1"), false);
});

Deno.test("worker host: what a Worker logs is re-emitted on the host with the actor's name", async () => {
  const records: LogRecord[] = [];
  await configure({
    sinks: { capture: (r: LogRecord) => records.push(r) },
    loggers: [
      { category: ["weir", "test"], lowestLevel: "info", sinks: ["capture"] },
      { category: ["logtape", "meta"], lowestLevel: "error", sinks: [] },
    ],
    reset: true,
  });
  try {
    await using system = new ActorSystem();
    const ref = await system.spawn({ kind: "test", id: "w", host: { worker }, init: {} });
    assertEquals(await ref.ask({ type: "logInfo", name: "Ada" } satisfies TestMessage), true);
    await pollUntil("the forwarded record", () => records.length === 1);
    const [record] = records;
    assertEquals(record?.category, ["weir", "test"]);
    assertEquals(record?.level, "info");
    assertEquals(record?.message, ["Hello Ada"]);
    assertEquals(record?.properties, { name: "Ada", actor: "test/w" });
  } finally {
    await reset();
  }
});
