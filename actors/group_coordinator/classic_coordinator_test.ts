/**
 * The GroupCoordinatorActor hosting classic (Kafka-client) members: parked
 * joins and syncs never block the mailbox, timers on a FakeClock expire
 * sessions, commits are fenced and answered per partition, and a group
 * holds members of one kind at a time.
 */
import { assertEquals, assertRejects } from "@std/assert";
import { WeirError } from "../../client/protocol/mod.ts";
import { type ActorRef, ActorSystem, FakeClock, sequentialIds } from "../runtime/mod.ts";
import { GroupCoordinatorActor } from "./group_coordinator_actor.ts";
import type { ClassicJoinRequest } from "./classic_group_state.ts";
import type { GroupReplies, GroupRequest } from "./messages.ts";
import { MemoryOffsetStore } from "./offset_store.ts";

class Harness implements AsyncDisposable {
  readonly clock = new FakeClock(10_000);
  readonly store = new MemoryOffsetStore();
  readonly system = new ActorSystem({
    clock: this.clock,
    ids: sequentialIds("id"),
    makeError: (code, message) => new WeirError(code, message),
  });
  ref!: ActorRef<GroupRequest>;

  async start(): Promise<this> {
    this.ref = await this.system.spawn({
      kind: "group",
      id: "g",
      host: {
        inline: () =>
          new GroupCoordinatorActor(
            { groupId: "g", offsetsPartition: 0, partitionCounts: { orders: 2 } },
            { offsetStore: this.store },
          ),
      },
      init: undefined,
    }) as ActorRef<GroupRequest>;
    return this;
  }

  ask<K extends GroupRequest["type"]>(
    message: Extract<GroupRequest, { type: K }>,
  ): Promise<GroupReplies[K]> {
    return this.ref.ask<GroupReplies[K]>(message, { timeoutMs: 3_600_000 });
  }

  join(memberId: string): Promise<GroupReplies["classicJoin"]> {
    const request: ClassicJoinRequest = {
      memberId,
      clientId: "app",
      clientHost: "/127.0.0.1",
      protocolType: "consumer",
      protocols: [{ name: "range", metadata: new Uint8Array([1]) }],
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 30_000,
      requireKnownMemberId: false,
    };
    return this.ask({ type: "classicJoin", request });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.system.shutdown();
  }
}

/** Resolves true when `p` settles before the mailbox has answered `probe`. */
async function settledBefore(p: Promise<unknown>, probe: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(() => settled = true, () => settled = true);
  await probe;
  await Promise.resolve();
  return settled;
}

Deno.test("GroupCoordinatorActor parks a classic join while heartbeats keep flowing", async () => {
  await using h = await new Harness().start();
  const a = await h.join("");
  assertEquals([a.error, a.generationId, a.memberId], [null, 1, "app-id1"]);
  const synced = await h.ask({
    type: "classicSync",
    request: { memberId: a.memberId, generationId: 1, assignments: [] },
  });
  assertEquals(synced.error, null);
  const b = h.join("");
  const beat = h.ask({
    type: "classicHeartbeat",
    request: { memberId: a.memberId, generationId: 1 },
  });
  assertEquals(await settledBefore(b, beat), false, "B's join is parked");
  assertEquals((await beat).error, "REBALANCE_IN_PROGRESS");
  const a2 = await h.join(a.memberId);
  const b2 = await b;
  assertEquals([a2.generationId, b2.generationId, b2.leader], [2, 2, a.memberId]);
  const d = await h.ask({ type: "describe" });
  assertEquals([d.state, d.epoch, d.members.length], ["CompletingRebalance", 2, 2]);
  // A parked sync is answered at stop.
  const parked = h.ask({
    type: "classicSync",
    request: { memberId: b2.memberId, generationId: 2, assignments: [] },
  });
  await h.system.stop("group", "g");
  assertEquals((await parked).error, "COORDINATOR_NOT_AVAILABLE");
});

Deno.test("GroupCoordinatorActor expires a classic session on its clock", async () => {
  await using h = await new Harness().start();
  const a = await h.join("");
  await h.ask({
    type: "classicSync",
    request: { memberId: a.memberId, generationId: 1, assignments: [] },
  });
  h.clock.advance(9_999);
  assertEquals(
    (await h.ask({ type: "classicHeartbeat", request: { memberId: a.memberId, generationId: 1 } }))
      .error,
    null,
  );
  h.clock.advance(10_000);
  assertEquals(
    (await h.ask({ type: "classicHeartbeat", request: { memberId: a.memberId, generationId: 1 } }))
      .error,
    "UNKNOWN_MEMBER_ID",
  );
  assertEquals((await h.ask({ type: "isIdle" })).idle, true);
});

Deno.test("GroupCoordinatorActor fences classic commits and keeps kinds apart", async () => {
  await using h = await new Harness().start();
  const simple = await h.ask({
    type: "classicCommit",
    memberId: "",
    generationId: -1,
    offsets: [
      { topic: "orders", partition: 0, offset: 4 },
      { topic: "orders", partition: 7, offset: 1 },
    ],
  });
  assertEquals(simple, {
    error: null,
    results: [
      { topic: "orders", partition: 0, error: null },
      { topic: "orders", partition: 7, error: "UNKNOWN_TOPIC_OR_PARTITION" },
    ],
  });
  assertEquals(h.store.appends.length, 1, "only the valid offset was written");
  const a = await h.join("");
  const stale = await h.ask({
    type: "classicCommit",
    memberId: a.memberId,
    generationId: 0,
    offsets: [{ topic: "orders", partition: 0, offset: 9 }],
  });
  assertEquals(stale.error, "ILLEGAL_GENERATION");
  const httpJoin = h.ask({ type: "join", request: { topics: ["orders"] } });
  const e = await assertRejects(() => httpJoin, WeirError);
  assertEquals(e.code, "INCONSISTENT_GROUP_PROTOCOL");
  assertEquals((await h.ask({ type: "fetchOffsets" })).offsets.map((o) => o.offset), [4]);
  // Once empty, HTTP members may use the group; then a Kafka join is refused.
  assertEquals((await h.ask({ type: "classicLeave", memberIds: [a.memberId] })).errors, [null]);
  await h.ask({ type: "join", request: { topics: ["orders"] } });
  assertEquals((await h.join("")).error, "INCONSISTENT_GROUP_PROTOCOL");
});
