import { assertEquals } from "@std/assert";
import { createTestActor, type TestMessage } from "./_test_actor.ts";
import { FakeClock } from "./clock.ts";
import { runHostConformance } from "./host_conformance.ts";
import { ActorSystem } from "./system.ts";

runHostConformance("inline", { host: { inline: createTestActor } });

Deno.test("inline host: actors share the system's FakeClock", async () => {
  const clock = new FakeClock(5_000);
  await using system = new ActorSystem({ clock, seed: 1 });
  const host = { inline: createTestActor };
  const a = await system.spawn({ kind: "test", id: "a", host, init: {} });
  const b = await system.spawn({ kind: "test", id: "b", host, init: {} });
  assertEquals(await a.ask<number>({ type: "now" } satisfies TestMessage), 5_000);
  const fired = [
    a.ask<number>({ type: "timer", ms: 30 } satisfies TestMessage),
    b.ask<number>({ type: "timer", ms: 10 } satisfies TestMessage),
  ];
  await b.ask({ type: "echo", value: "timers set" } satisfies TestMessage);
  await a.ask({ type: "echo", value: "timers set" } satisfies TestMessage);
  assertEquals(clock.advance(30), 2);
  assertEquals(await Promise.all(fired), [5_030, 5_010]);
});

Deno.test("inline host: spawn() by kind definition uses the inline factory", async () => {
  await using system = new ActorSystem({ kinds: { test: { inline: createTestActor } } });
  const ref = await system.spawn({ kind: "test", id: "k", host: "inline", init: {} });
  assertEquals(await ref.ask({ type: "echo", value: 9 } satisfies TestMessage), 9);
  const error = await system.spawn({ kind: "test", id: "w", host: "worker", init: {} }).then(
    () => "spawned",
    (e: { code: string }) => e.code,
  );
  assertEquals(error, "INVALID_REQUEST");
});
