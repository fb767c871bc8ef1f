import { assert, assertEquals, assertRejects } from "@std/assert";
import { WeirError } from "../../client/protocol/mod.ts";
import { type ActorRef, ActorSystem, FakeClock, sequentialIds } from "../runtime/mod.ts";
import { GroupCoordinatorActor } from "./group_coordinator_actor.ts";
import type { MemberReply } from "./group_state.ts";
import type { GroupCoordinatorDescription, GroupReplies, GroupRequest } from "./messages.ts";
import { MemoryOffsetStore } from "./offset_store.ts";

/** One inline coordinator on a FakeClock over an in-memory offset store; restartable. */
class Harness implements AsyncDisposable {
  readonly clock = new FakeClock(10_000);
  readonly store = new MemoryOffsetStore();
  #n = 0;
  system = this.#newSystem();
  ref!: ActorRef<GroupRequest>;

  #newSystem(): ActorSystem {
    return new ActorSystem({
      clock: this.clock,
      ids: sequentialIds(`m${this.#n++}-`),
      makeError: (code, message) => new WeirError(code, message),
    });
  }

  async start(partitionCounts: Record<string, number> = { orders: 4 }): Promise<this> {
    this.ref = await this.system.spawn({
      kind: "group",
      id: "g",
      host: {
        inline: () =>
          new GroupCoordinatorActor(
            { groupId: "g", offsetsPartition: 0, partitionCounts, limits: { maxSize: 5 } },
            { offsetStore: this.store },
          ),
      },
      init: undefined,
    }) as ActorRef<GroupRequest>;
    return this;
  }

  async restart(): Promise<void> {
    await this.system.shutdown();
    this.system = this.#newSystem();
    await this.start();
  }

  ask<K extends GroupRequest["type"]>(
    message: Extract<GroupRequest, { type: K }>,
  ): Promise<GroupReplies[K]> {
    return this.ref.ask<GroupReplies[K]>(message);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.system.shutdown();
  }
}

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  const e = await assertRejects(() => p);
  return (e as WeirError).code;
};

const count = (r: MemberReply): number => r.assignment.reduce((n, a) => n + a.partitions.length, 0);

Deno.test("GroupCoordinatorActor join() hands every partition to the first member", async () => {
  await using h = await new Harness().start();
  const c1 = await h.ask({ type: "join", request: { topics: ["orders"] } });
  assertEquals(c1.assignment, [{ topic: "orders", partitions: [0, 1, 2, 3] }]);
  assert(c1.memberId.startsWith("m0-"), "member ids come from ctx.ids");
  assertEquals(c1.heartbeatIntervalMs, 3000);
});

Deno.test("GroupCoordinatorActor moves partitions only after their owner released them", async () => {
  await using h = await new Harness().start();
  const c1 = await h.ask({ type: "join", request: { topics: ["orders"] } });
  const c2 = await h.ask({ type: "join", request: { topics: ["orders"] } });
  assertEquals(count(c2), 0, "nothing is free yet");
  const hb1 = await h.ask({
    type: "heartbeat",
    memberId: c1.memberId,
    request: { memberEpoch: c1.memberEpoch, ownedPartitions: c1.assignment },
  });
  assertEquals(count(hb1), 2);
  assert(hb1.memberEpoch > c1.memberEpoch, "a revocation bumps the member epoch");
  // c2 still gets nothing while c1 has not reported the release.
  const hb2 = await h.ask({
    type: "heartbeat",
    memberId: c2.memberId,
    request: { memberEpoch: c2.memberEpoch, ownedPartitions: [] },
  });
  assertEquals(count(hb2), 0);
  await h.ask({
    type: "heartbeat",
    memberId: c1.memberId,
    request: { memberEpoch: hb1.memberEpoch, ownedPartitions: hb1.assignment },
  });
  const hb2b = await h.ask({
    type: "heartbeat",
    memberId: c2.memberId,
    request: { memberEpoch: hb2.memberEpoch, ownedPartitions: [] },
  });
  assertEquals(count(hb2b), 2);
});

Deno.test("GroupCoordinatorActor expires a silent member on its clock timer", async () => {
  await using h = await new Harness().start();
  const c1 = await h.ask({ type: "join", request: { topics: ["orders"], sessionTimeoutMs: 1000 } });
  const c2 = await h.ask({ type: "join", request: { topics: ["orders"], sessionTimeoutMs: 5000 } });
  h.clock.advance(999);
  assertEquals((await h.ask({ type: "describe" })).members.length, 2);
  h.clock.advance(1);
  const d = await h.ask({ type: "describe" });
  assertEquals(d.members.map((m) => m.memberId), [c2.memberId]);
  assertEquals(
    await codeOf(h.ask({
      type: "heartbeat",
      memberId: c1.memberId,
      request: { memberEpoch: c1.memberEpoch, ownedPartitions: [] },
    })),
    "UNKNOWN_MEMBER_ID",
  );
  const hb = await h.ask({
    type: "heartbeat",
    memberId: c2.memberId,
    request: { memberEpoch: c2.memberEpoch, ownedPartitions: [] },
  });
  assertEquals(count(hb), 4, "the expired member's partitions went to the survivor");
  h.clock.advance(5000);
  assertEquals((await h.ask({ type: "isIdle" })).idle, true);
});

Deno.test("GroupCoordinatorActor commitOffsets() writes, applies and survives a restart", async () => {
  await using h = await new Harness().start();
  const out = await h.ask({
    type: "commitOffsets",
    offsets: [
      { topic: "orders", partition: 1, offset: 5, metadata: "m" },
      { topic: "orders", partition: 0, offset: 7 },
    ],
  });
  assertEquals(out.offsets.length, 2);
  assertEquals(h.store.appends.length, 1, "one commit is one append");
  assertEquals(h.store.appends[0]!.entries[0]!.value!.commitTimestamp, 10_000);
  await h.ask({ type: "commitOffsets", offsets: [{ topic: "orders", partition: 1, offset: 6 }] });
  await h.restart();
  assertEquals((await h.ask({ type: "fetchOffsets" })).offsets, [
    { topic: "orders", partition: 0, offset: 7, metadata: "" },
    { topic: "orders", partition: 1, offset: 6, metadata: "" },
  ]);
  assertEquals((await h.ask({ type: "fetchOffsets", topic: "other" })).offsets, []);
});

Deno.test("GroupCoordinatorActor commitOffsets() rejects bad input and writes nothing", async () => {
  await using h = await new Harness().start();
  const commit = (offsets: { topic: string; partition: number; offset: number }[]) =>
    h.ask({ type: "commitOffsets", offsets });
  const good = { topic: "orders", partition: 0, offset: 1 };
  assertEquals(
    await codeOf(commit([good, { topic: "orders", partition: 1, offset: -1 }])),
    "INVALID_REQUEST",
  );
  assertEquals(await codeOf(commit([good, { ...good, offset: 1.5 }])), "INVALID_REQUEST");
  assertEquals(
    await codeOf(commit([good, { topic: "nope", partition: 0, offset: 1 }])),
    "UNKNOWN_TOPIC_OR_PARTITION",
  );
  assertEquals(
    await codeOf(commit([good, { topic: "orders", partition: 4, offset: 1 }])),
    "UNKNOWN_TOPIC_OR_PARTITION",
  );
  assertEquals(
    await codeOf(h.ask({
      type: "commitOffsets",
      offsets: [{ ...good, metadata: "x".repeat(4097) }],
    })),
    "INVALID_REQUEST",
  );
  h.store.failNext(new WeirError("NOT_ENOUGH_REPLICAS", "Cannot append: test"));
  assertEquals(await codeOf(commit([good])), "NOT_ENOUGH_REPLICAS");
  assertEquals(h.store.appends, []);
  assertEquals(
    (await h.ask({ type: "fetchOffsets" })).offsets,
    [],
    "a failed append applies nothing",
  );
});

Deno.test("GroupCoordinatorActor commitOffsets() fences stale epochs and unknown members", async () => {
  await using h = await new Harness().start();
  const c1 = await h.ask({ type: "join", request: { topics: ["orders"] } });
  const offsets = [{ topic: "orders", partition: 0, offset: 3 }];
  assertEquals(
    await codeOf(h.ask({ type: "commitOffsets", offsets })),
    "REBALANCE_IN_PROGRESS",
    "no memberId while the group has members",
  );
  assertEquals(
    await codeOf(h.ask({ type: "commitOffsets", memberId: "ghost", memberEpoch: 1, offsets })),
    "UNKNOWN_MEMBER_ID",
  );
  assertEquals(
    await codeOf(h.ask({
      type: "commitOffsets",
      memberId: c1.memberId,
      memberEpoch: c1.memberEpoch - 1,
      offsets,
    })),
    "FENCED_MEMBER_EPOCH",
  );
  assertEquals(h.store.appends, []);
  await h.ask({
    type: "commitOffsets",
    memberId: c1.memberId,
    memberEpoch: c1.memberEpoch,
    offsets,
  });
  assertEquals(h.store.appends.length, 1);
});

Deno.test("GroupCoordinatorActor setTopics() assigns new topics and tombstones removed ones", async () => {
  await using h = await new Harness().start({});
  const c1 = await h.ask({ type: "join", request: { topics: ["late"] } });
  assertEquals(count(c1), 0, "a topic that does not exist yet gives no partitions");
  await h.ask({ type: "setTopics", partitionCounts: { late: 2 } });
  const hb = await h.ask({
    type: "heartbeat",
    memberId: c1.memberId,
    request: { memberEpoch: c1.memberEpoch, ownedPartitions: [] },
  });
  assertEquals(hb.assignment, [{ topic: "late", partitions: [0, 1] }]);
  await h.ask({
    type: "commitOffsets",
    memberId: c1.memberId,
    memberEpoch: hb.memberEpoch,
    offsets: [{ topic: "late", partition: 1, offset: 9 }],
  });
  await h.ask({ type: "setTopics", partitionCounts: {} });
  assertEquals((await h.ask({ type: "fetchOffsets" })).offsets, []);
  assertEquals(h.store.appends.at(-1)!.entries, [{ topic: "late", partition: 1, value: null }]);
});

Deno.test("GroupCoordinatorActor join() enforces group.max.size and session bounds", async () => {
  await using h = await new Harness().start();
  for (let i = 0; i < 5; i++) await h.ask({ type: "join", request: { topics: ["orders"] } });
  assertEquals(
    await codeOf(h.ask({ type: "join", request: { topics: ["orders"] } })),
    "GROUP_MAX_SIZE_REACHED",
  );
  assertEquals(
    await codeOf(h.ask({ type: "join", request: { topics: ["orders"], sessionTimeoutMs: 10 } })),
    "INVALID_SESSION_TIMEOUT",
  );
  const d: GroupCoordinatorDescription = await h.ask({ type: "describe" });
  assertEquals(d.members.length, 5);
  assertEquals(
    await codeOf(h.ref.ask({ type: "bogus" } as unknown as GroupRequest)),
    "INVALID_REQUEST",
  );
});
