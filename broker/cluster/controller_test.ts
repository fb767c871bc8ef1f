import { assertEquals, assertRejects } from "@std/assert";
import { connect } from "@nats-io/transport-node";
import { FakeClock } from "../../actors/runtime/mod.ts";
import { WeirError } from "../../client/protocol/mod.ts";
import { startNatsServer } from "../../tests/_helpers/nats_server.ts";
import { openClusterBuckets } from "./buckets.ts";
import { Controller } from "./controller.ts";
import { MetadataStore } from "./metadata_store.ts";
import type { ControllerRequest } from "./controller_messages.ts";

Deno.test("Controller creates, alters ISR, fails over and stops acting without the lease", async (t) => {
  await using nats = await startNatsServer();
  const nc = await connect({ servers: nats.url });
  try {
    const { meta } = await openClusterBuckets(nc, { clusterId: "c", heartbeatMs: 500 });
    const store = new MetadataStore(meta);
    let live = new Set([1, 2, 3]);
    let active = true;
    const controller = new Controller({
      store,
      liveNodes: () => live,
      isActive: () => active,
      clock: new FakeClock(),
      maxPartitionsPerTopic: 100,
      maxTopics: 100,
    });
    const seen: string[] = [];
    await using _watch = await store.watch((name, topic) =>
      seen.push(`${name}:${topic === null ? "deleted" : topic.assignments.length}`)
    );

    await t.step("createTopic places RF 3 and defaults min.insync.replicas to 2", async () => {
      const topic = await controller.handle({
        type: "createTopic",
        request: { name: "orders.eu", partitions: 3, replicationFactor: 3 },
      }) as { assignments: { leader: number; isr: number[] }[]; configs: Record<string, number> };
      assertEquals(topic.assignments.map((a) => a.leader).sort(), [1, 2, 3]);
      assertEquals(topic.configs["min.insync.replicas"], 2);
      const again = await assertRejects(() =>
        controller.handle({ type: "createTopic", request: { name: "orders.eu" } })
      ) as WeirError;
      assertEquals(again.code, "TOPIC_ALREADY_EXISTS");
      const tooMany = await assertRejects(() =>
        controller.handle({ type: "createTopic", request: { name: "x", replicationFactor: 4 } })
      ) as WeirError;
      assertEquals(tooMany.code, "INVALID_REPLICATION_FACTOR");
    });

    await t.step("alterIsr persists a shrink and fences a stale epoch", async () => {
      const stored = (await store.get("orders.eu"))!.topic.assignments[0]!;
      const leader = stored.leader;
      const other = stored.replicas.find((r) => r !== leader)!;
      const reply = await controller.handle({
        type: "alterIsr",
        topic: "orders.eu",
        partition: 0,
        leaderEpoch: 0,
        isr: [leader, other],
      });
      assertEquals(reply, { isr: [leader, other] });
      assertEquals((await store.get("orders.eu"))!.topic.assignments[0]!.isr, [leader, other]);
      const fenced = await assertRejects(() =>
        controller.handle({
          type: "alterIsr",
          topic: "orders.eu",
          partition: 0,
          leaderEpoch: 5,
          isr: [leader],
        })
      ) as WeirError;
      assertEquals(fenced.code, "FENCED_LEADER_EPOCH");
    });

    await t.step("failover moves every partition led by a dead node to an ISR member", async () => {
      const before = (await store.get("orders.eu"))!.topic;
      const dead = before.assignments[0]!.leader;
      live = new Set([1, 2, 3].filter((n) => n !== dead));
      const changed = await controller.failover();
      const after = (await store.get("orders.eu"))!.topic;
      assertEquals(changed.length, before.assignments.filter((a) => a.leader === dead).length);
      for (const [p, a] of after.assignments.entries()) {
        const old = before.assignments[p]!;
        if (old.leader !== dead) {
          assertEquals(a, old);
          continue;
        }
        assertEquals(a.leaderEpoch, old.leaderEpoch + 1);
        assertEquals(old.isr.includes(a.leader) && a.leader !== dead, true);
        assertEquals(a.isr.includes(dead), false);
      }
      assertEquals(await controller.failover(), [], "nothing left to do");
    });

    await t.step("deleteTopic removes it; watchers see the deletion", async () => {
      await controller.handle({ type: "deleteTopic", name: "orders.eu" });
      assertEquals(await store.get("orders.eu"), null);
      const gone = await assertRejects(() =>
        controller.handle({ type: "deleteTopic", name: "orders.eu" })
      ) as WeirError;
      assertEquals(gone.code, "UNKNOWN_TOPIC_OR_PARTITION");
      const deadline = Date.now() + 5_000;
      while (!seen.includes("orders.eu:deleted") && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assertEquals(seen[0], "orders.eu:3");
      assertEquals(seen.at(-1), "orders.eu:deleted");
    });

    await t.step("a controller without the lease refuses retriably", async () => {
      active = false;
      const e = await assertRejects(() =>
        controller.handle({ type: "createTopic", request: { name: "late" } })
      ) as WeirError;
      assertEquals(e.code, "COORDINATOR_NOT_AVAILABLE");
      assertEquals(e.retriable, true);
      assertEquals(await store.get("late"), null);
    });

    await t.step("initProducer hands out increasing ids", async () => {
      active = true;
      const a = await controller.handle({ type: "initProducer" }) as { producerId: number };
      const b = await controller.handle({ type: "initProducer" }) as { producerId: number };
      assertEquals(b.producerId, a.producerId + 1);
    });
  } finally {
    await nc.close();
  }
});

Deno.test("Controller refuses to overwrite metadata written by a controller with a later lease epoch", async () => {
  await using nats = await startNatsServer();
  const nc = await connect({ servers: nats.url });
  try {
    const { meta } = await openClusterBuckets(nc, { clusterId: "f", heartbeatMs: 500 });
    const store = new MetadataStore(meta);
    const make = (epoch: number) =>
      new Controller({
        store,
        liveNodes: () => new Set([1, 2]),
        // Both believe they hold the lease: the old one was paused past its expiry.
        isActive: () => true,
        epoch: () => epoch,
        clock: new FakeClock(),
        maxPartitionsPerTopic: 10,
        maxTopics: 10,
      });
    const stale = make(5);
    const current = make(9);
    await stale.handle({ type: "createTopic", request: { name: "t", replicationFactor: 2 } });
    assertEquals((await store.get("t"))!.topic.controllerEpoch, 5);
    // The later controller takes over the key: its token is stamped in.
    await current.handle({
      type: "alterTopicConfigs",
      name: "t",
      configs: { "retention.ms": 1000 },
    });
    assertEquals((await store.get("t"))!.topic.controllerEpoch, 9);
    const before = await store.get("t");
    for (
      const request of [
        { type: "alterTopicConfigs", name: "t", configs: { "retention.ms": 5 } },
        { type: "alterIsr", topic: "t", partition: 0, leaderEpoch: 0, isr: [1] },
        { type: "deleteTopic", name: "t" },
      ] satisfies ControllerRequest[]
    ) {
      const e = await assertRejects(() => stale.handle(request)) as WeirError;
      assertEquals(e.code, "COORDINATOR_NOT_AVAILABLE", e.message);
    }
    assertEquals(await store.get("t"), before, "nothing written by the stale controller");
  } finally {
    await nc.close();
  }
});
