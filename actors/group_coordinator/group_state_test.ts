import { assert, assertEquals, assertThrows } from "@std/assert";
import { WeirError } from "../../client/protocol/mod.ts";
import {
  GroupState,
  type MemberReply,
  RECONCILING_HEARTBEAT_MS,
  type TopicPartitions,
} from "./group_state.ts";

const codeOf = (fn: () => unknown): string => assertThrows(fn, WeirError).code;
const orders = (...partitions: number[]): TopicPartitions[] =>
  partitions.length ? [{ topic: "orders", partitions }] : [];

/** A heartbeat that reports exactly the last assignment (a member that releases at once). */
function beat(group: GroupState, reply: MemberReply, now: number): MemberReply {
  return group.heartbeat(
    reply.memberId,
    { memberEpoch: reply.memberEpoch, ownedPartitions: reply.assignment },
    now,
  );
}

Deno.test("GroupState follows the seed story: 1 → 2 → 4 → 5 members, then C1 dies", () => {
  const group = new GroupState("G", { defaultSessionTimeoutMs: 10_000 });
  group.setTopics({ orders: 4 }, 0);
  let t = 0;
  const c: Record<string, MemberReply> = {};
  c.C1 = group.join({ topics: ["orders"] }, t, "C1");
  assertEquals(c.C1.assignment, orders(0, 1, 2, 3));

  c.C2 = group.join({ topics: ["orders"] }, t, "C2");
  assertEquals(c.C2.assignment, [], "C2 waits while C1 still owns everything");
  c.C2 = beat(group, c.C2, ++t);
  assertEquals(c.C2.assignment, []);
  c.C1 = beat(group, c.C1, ++t); // revokes two
  assertEquals(c.C1.assignment, orders(0, 1));
  assertEquals(group.owners().get("orders/3"), "C1", "revoked but not yet released");
  assertEquals(group.describe().state, "Reconciling");
  c.C1 = beat(group, c.C1, ++t); // releases them
  c.C2 = beat(group, c.C2, ++t);
  assertEquals(c.C2.assignment, orders(2, 3));
  assertEquals(group.describe().state, "Stable");

  const settle = (): void => {
    for (let round = 0; round < 3; round++) {
      for (const id of Object.keys(c)) c[id] = beat(group, c[id]!, ++t);
    }
  };
  c.C3 = group.join({ topics: ["orders"] }, t, "C3");
  c.C4 = group.join({ topics: ["orders"] }, t, "C4");
  settle();
  assertEquals(["C1", "C2", "C3", "C4"].map((id) => c[id]!.assignment.length), [1, 1, 1, 1]);
  const fourEpochs = Object.values(c).map((r) => r.memberEpoch);

  c.C5 = group.join({ topics: ["orders"] }, t, "C5");
  settle();
  assertEquals(c.C5.assignment, [], "a 5th member stays idle");
  assertEquals(
    ["C1", "C2", "C3", "C4"].map((id) => c[id]!.memberEpoch),
    fourEpochs,
    "nobody moved",
  );

  const c1Partition = c.C1.assignment;
  delete c.C1; // C1 dies: it stops heartbeating
  const deadline = group.nextExpiry()!;
  while (t < deadline) {
    assertEquals(group.expire(t), []);
    settle();
  }
  assertEquals(group.expire(t), ["C1"]);
  settle();
  assertEquals(c.C5.assignment, c1Partition);
  const owners = [...group.owners().values()].sort();
  assertEquals(owners, ["C2", "C3", "C4", "C5"]);
});

Deno.test("GroupState.join() refuses bad requests with their codes and changes nothing", () => {
  const group = new GroupState("g", { maxSize: 2 });
  group.setTopics({ t: 1 }, 0);
  const join = (req: Record<string, unknown>, id = "m") => () =>
    group.join(req as { topics: string[] }, 0, id);
  assertEquals(codeOf(join({ topics: [] })), "INVALID_REQUEST");
  assertEquals(codeOf(join({})), "INVALID_REQUEST");
  assertEquals(codeOf(join({ topics: ["../etc"] })), "INVALID_REQUEST");
  assertEquals(codeOf(join({ topics: [""] })), "INVALID_REQUEST");
  assertEquals(codeOf(join({ topics: ["t"] }, "")), "INVALID_REQUEST");
  assertEquals(codeOf(join({ topics: ["t"], instanceId: "" })), "INVALID_REQUEST");
  assertEquals(codeOf(join({ topics: ["t"], rebalanceTimeoutMs: 0 })), "INVALID_REQUEST");
  assertEquals(codeOf(join({ topics: ["t"], sessionTimeoutMs: 999 })), "INVALID_SESSION_TIMEOUT");
  assertEquals(
    codeOf(join({ topics: ["t"], sessionTimeoutMs: 300_001 })),
    "INVALID_SESSION_TIMEOUT",
  );
  assertEquals(
    codeOf(join({ topics: ["t"], sessionTimeoutMs: 1500.5 })),
    "INVALID_SESSION_TIMEOUT",
  );
  assertEquals(group.describe(), { groupId: "g", state: "Empty", epoch: 0, members: [] });

  group.join({ topics: ["t"] }, 0, "a");
  assertEquals(codeOf(join({ topics: ["t"] }, "a")), "INVALID_REQUEST", "id already in use");
  group.join({ topics: ["t"] }, 0, "b");
  const err = assertThrows(join({ topics: ["t"] }, "c"), WeirError);
  assertEquals(err.code, "GROUP_MAX_SIZE_REACHED");
  assert(err.message.startsWith('Cannot join group "g": '), err.message);
  assertEquals(group.size, 2);
});

Deno.test("GroupState.join() admits group.max.size members out of 10,000 attempts", () => {
  const group = new GroupState("crowd");
  group.setTopics({ t: 32 }, 0);
  let refused = 0;
  for (let i = 0; i < 10_000; i++) {
    try {
      group.join({ topics: ["t"] }, i, `m${i}`);
    } catch (e) {
      assertEquals((e as WeirError).code, "GROUP_MAX_SIZE_REACHED");
      refused++;
    }
  }
  assertEquals([group.size, refused], [1000, 9000]);
  assertEquals(group.owners().size, 32);
});

Deno.test("GroupState.join() sets heartbeatIntervalMs to min(3000, sessionTimeoutMs / 3)", () => {
  const group = new GroupState("g");
  assertEquals(group.join({ topics: ["t"] }, 0, "a").heartbeatIntervalMs, 3_000);
  assertEquals(
    group.join({ topics: ["t"], sessionTimeoutMs: 1_000 }, 0, "b").heartbeatIntervalMs,
    333,
  );
  assertEquals(
    group.join({ topics: ["t"], sessionTimeoutMs: 6_000 }, 0, "c").heartbeatIntervalMs,
    2_000,
  );
});

Deno.test("GroupState.heartbeat() fences unknown members and stale epochs without side effects", () => {
  const group = new GroupState("g", { defaultSessionTimeoutMs: 1_000 });
  group.setTopics({ orders: 2 }, 0);
  const a = group.join({ topics: ["orders"] }, 0, "a");
  assertEquals(
    codeOf(() => group.heartbeat("nobody", { memberEpoch: 1, ownedPartitions: [] }, 1)),
    "UNKNOWN_MEMBER_ID",
  );
  assertEquals(
    codeOf(() =>
      group.heartbeat("a", { memberEpoch: a.memberEpoch - 1, ownedPartitions: [] }, 500)
    ),
    "FENCED_MEMBER_EPOCH",
  );
  assertEquals(
    codeOf(() =>
      group.heartbeat("a", { memberEpoch: a.memberEpoch + 1, ownedPartitions: [] }, 500)
    ),
    "FENCED_MEMBER_EPOCH",
  );
  assertEquals(group.nextExpiry(), 1_000, "a fenced heartbeat does not count as liveness");
  assertEquals(group.expire(1_000), ["a"]);
  assertEquals(codeOf(() => beat(group, a, 1_001)), "UNKNOWN_MEMBER_ID");
});

Deno.test("GroupState.heartbeat() holds a revoked partition until the owner stops listing it", () => {
  const group = new GroupState("g");
  group.setTopics({ orders: 2 }, 0);
  let a = group.join({ topics: ["orders"] }, 0, "a");
  let b = group.join({ topics: ["orders"] }, 0, "b");
  const epochBefore = a.memberEpoch;
  a = beat(group, a, 1);
  assertEquals([a.assignment, a.memberEpoch], [orders(0), epochBefore + 1]);
  // A lazy member keeps listing the revoked partition: it stays its own.
  for (let t = 2; t < 5; t++) {
    a = group.heartbeat("a", { memberEpoch: a.memberEpoch, ownedPartitions: orders(0, 1) }, t);
    b = beat(group, b, t);
    assertEquals(b.assignment, []);
    assertEquals(group.owners().get("orders/1"), "a");
  }
  assertEquals(a.memberEpoch, epochBefore + 1, "holding on changes no epoch");
  a = beat(group, a, 5);
  assertEquals(group.owners().get("orders/1"), undefined, "released, free");
  const bEpoch = b.memberEpoch;
  b = beat(group, b, 6);
  assertEquals([b.assignment, b.memberEpoch], [orders(1), bEpoch + 1]);
  assertEquals(group.describe().state, "Stable");
});

Deno.test("GroupState.expire() removes a member holding a revoked partition past its rebalance timeout", () => {
  const group = new GroupState("g", { defaultSessionTimeoutMs: 10_000 });
  group.setTopics({ orders: 2 }, 0);
  let a = group.join({ topics: ["orders"], rebalanceTimeoutMs: 3_000 }, 0, "a");
  group.join({ topics: ["orders"] }, 0, "b");
  a = beat(group, a, 1_000); // revokes orders/1 → deadline 4_000
  assertEquals(group.nextExpiry(), 4_000);
  a = group.heartbeat("a", { memberEpoch: a.memberEpoch, ownedPartitions: orders(0, 1) }, 3_000);
  assertEquals(group.expire(3_999), []);
  assertEquals(group.expire(4_000), ["a"]);
  assertEquals(group.owners().size, 0);
  assertEquals(group.targetOf("b"), orders(0, 1));
});

Deno.test("GroupState.leave() frees the partitions at once for the next heartbeat of the others", () => {
  const group = new GroupState("g");
  group.setTopics({ orders: 4 }, 0);
  const a = group.join({ topics: ["orders"] }, 0, "a");
  let b = group.join({ topics: ["orders"] }, 0, "b");
  const epoch = group.describe().epoch;
  group.leave("a", 1);
  assertEquals(group.describe().epoch, epoch + 1);
  assertEquals(group.owners().size, 0);
  b = beat(group, b, 2);
  assertEquals(b.assignment, orders(0, 1, 2, 3));
  assertEquals(codeOf(() => group.leave("a", 3)), "UNKNOWN_MEMBER_ID");
  assertEquals(codeOf(() => beat(group, a, 3)), "UNKNOWN_MEMBER_ID");
});

Deno.test("GroupState.join() lets a static member return within its session without moving anyone", () => {
  const group = new GroupState("g", { defaultSessionTimeoutMs: 5_000 });
  group.setTopics({ orders: 4 }, 0);
  let a = group.join({ topics: ["orders"], instanceId: "host-a" }, 0, "a1");
  let b = group.join({ topics: ["orders"] }, 0, "b");
  a = beat(group, a, 1);
  a = beat(group, a, 2);
  b = beat(group, b, 3);
  const before = group.describe();
  assertEquals(before.state, "Stable");

  // host-a restarts and rejoins under a new id 4 s after its last heartbeat.
  const back = group.join({ topics: ["orders"], instanceId: "host-a" }, 4_000, "a2");
  assertEquals(back.assignment, a.assignment);
  assert(back.memberEpoch > a.memberEpoch);
  const after = group.describe();
  assertEquals(after.epoch, before.epoch, "no rebalance");
  assertEquals(after.members.map((m) => m.memberId).sort(), ["a2", "b"]);
  assertEquals(after.members.find((m) => m.memberId === "a2")!.instanceId, "host-a");
  assertEquals(beat(group, b, 4_001).memberEpoch, b.memberEpoch, "b did not move");
  assertEquals(
    codeOf(() => beat(group, a, 4_001)),
    "UNKNOWN_MEMBER_ID",
    "the old incarnation is out",
  );
  assertEquals(codeOf(() => group.checkCommit("a1", a.memberEpoch)), "UNKNOWN_MEMBER_ID");
  group.checkCommit("a2", back.memberEpoch);
});

Deno.test("GroupState.join() treats a static member past its session as a new member", () => {
  const group = new GroupState("g", { defaultSessionTimeoutMs: 5_000 });
  group.setTopics({ orders: 2 }, 0);
  group.join({ topics: ["orders"], instanceId: "x" }, 0, "x1");
  group.join({ topics: ["orders"] }, 0, "b");
  const epoch = group.describe().epoch;
  const x2 = group.join({ topics: ["orders"], instanceId: "x" }, 5_000, "x2");
  assertEquals(group.describe().epoch, epoch + 1, "a rebalance");
  assertEquals(group.size, 2);
  assertEquals(x2.memberEpoch, 1);
});

Deno.test("GroupState.join() recomputes when a static member comes back with other topics", () => {
  const group = new GroupState("g");
  group.setTopics({ orders: 2, audit: 2 }, 0);
  const a = group.join({ topics: ["orders"], instanceId: "x" }, 0, "a1");
  const epoch = group.describe().epoch;
  const back = group.join({ topics: ["audit"], instanceId: "x" }, 1, "a2");
  assertEquals(group.describe().epoch, epoch + 1);
  assertEquals(back.assignment, [{ topic: "audit", partitions: [0, 1] }], "audit was free");
  assertEquals(group.owners().get("orders/0"), "a2", "orders revoked but not yet released");
  assertEquals(a.assignment, orders(0, 1));
  group.heartbeat("a2", { memberEpoch: back.memberEpoch, ownedPartitions: back.assignment }, 2);
  assertEquals([...group.owners().keys()].sort(), ["audit/0", "audit/1"]);
  assertEquals(group.describe().state, "Stable");
});

Deno.test("GroupState.setTopics() reassigns on new partitions and revokes a deleted topic", () => {
  const group = new GroupState("g");
  group.setTopics({ orders: 2, other: 5 }, 0);
  let a = group.join({ topics: ["orders"] }, 0, "a");
  let b = group.join({ topics: ["orders"] }, 0, "b");
  a = beat(group, a, 1);
  a = beat(group, a, 2);
  b = beat(group, b, 3);
  const epoch = group.describe().epoch;
  group.setTopics({ orders: 2, other: 9 }, 4);
  assertEquals(group.describe().epoch, epoch, "an unsubscribed topic changes nothing");
  group.setTopics({ orders: 4, other: 9 }, 4);
  assertEquals(group.describe().epoch, epoch + 1);
  a = beat(group, a, 5);
  b = beat(group, b, 5);
  assertEquals(a.assignment.concat(b.assignment).flatMap((tp) => tp.partitions).sort(), [
    0,
    1,
    2,
    3,
  ]);
  group.setTopics({ other: 9 }, 6);
  a = beat(group, a, 7);
  assertEquals(a.assignment, []);
  assertEquals(group.owners().size, 4, "revoked, not yet released");
  a = beat(group, a, 8);
  assertEquals(group.owners().size, 2, "a released; b has not heard yet");
  b = beat(group, b, 8);
  b = beat(group, b, 9);
  assertEquals(group.owners().size, 0);
  assertEquals(group.describe().state, "Stable");
});

Deno.test("GroupState.checkCommit() fences stale epochs and member-less commits to a live group", () => {
  const group = new GroupState("g");
  group.setTopics({ orders: 2 }, 0);
  group.checkCommit(undefined, undefined);
  const a = group.join({ topics: ["orders"] }, 0, "a");
  assertEquals(codeOf(() => group.checkCommit(undefined, undefined)), "REBALANCE_IN_PROGRESS");
  group.checkCommit("a", a.memberEpoch);
  group.join({ topics: ["orders"] }, 0, "b");
  const a2 = beat(group, a, 1);
  assert(a2.memberEpoch > a.memberEpoch);
  assertEquals(codeOf(() => group.checkCommit("a", a.memberEpoch)), "FENCED_MEMBER_EPOCH");
  assertEquals(codeOf(() => group.checkCommit("a", undefined)), "FENCED_MEMBER_EPOCH");
  assertEquals(codeOf(() => group.checkCommit("zz", 1)), "UNKNOWN_MEMBER_ID");
  group.checkCommit("a", a2.memberEpoch);
});

Deno.test("GroupState.describe() reports members in join order with topics and instance ids", () => {
  const group = new GroupState("g");
  group.setTopics({ orders: 1 }, 0);
  group.join({ topics: ["orders", "orders", "audit"], instanceId: "i" }, 0, "z");
  group.join({ topics: ["orders"] }, 0, "a");
  assertEquals(group.describe(), {
    groupId: "g",
    state: "Stable",
    epoch: 2,
    members: [
      {
        memberId: "z",
        instanceId: "i",
        memberEpoch: 1,
        topics: ["audit", "orders"],
        assignment: orders(0),
      },
      { memberId: "a", memberEpoch: 1, topics: ["orders"], assignment: [] },
    ],
  });
  assertEquals(group.nextExpiry(), 45_000);
  assertEquals(new GroupState("e").nextExpiry(), null);
});

Deno.test("GroupState tells members that are not on their target yet to heartbeat soon", () => {
  const group = new GroupState("g");
  group.setTopics({ t: 4 }, 0);
  const c1 = group.join({ topics: ["t"] }, 0, "c1");
  assertEquals(c1.heartbeatIntervalMs, 3_000); // got everything at once
  const c2 = group.join({ topics: ["t"] }, 0, "c2");
  assertEquals(c2.heartbeatIntervalMs, RECONCILING_HEARTBEAT_MS); // waits for C1's release
  const revoking = group.heartbeat("c1", {
    memberEpoch: c1.memberEpoch,
    ownedPartitions: c1.assignment,
  }, 1);
  assertEquals(revoking.heartbeatIntervalMs, RECONCILING_HEARTBEAT_MS); // must release two
  const released = group.heartbeat(
    "c1",
    { memberEpoch: revoking.memberEpoch, ownedPartitions: revoking.assignment },
    2,
  );
  assertEquals(released.heartbeatIntervalMs, 3_000);
  const c2b = group.heartbeat("c2", { memberEpoch: c2.memberEpoch, ownedPartitions: [] }, 3);
  assertEquals([c2b.assignment, c2b.heartbeatIntervalMs], [
    [{ topic: "t", partitions: [2, 3] }],
    3_000,
  ]);
});
