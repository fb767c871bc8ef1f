import { assert, assertEquals } from "@std/assert";
import {
  ClassicGroupState,
  type ClassicJoinRequest,
  type ClassicJoinResponse,
  type ClassicReply,
  type ClassicSyncResponse,
} from "./classic_group_state.ts";

const meta = (s: string): Uint8Array => new TextEncoder().encode(s);

function joinReq(memberId: string, over: Partial<ClassicJoinRequest> = {}): ClassicJoinRequest {
  return {
    memberId,
    clientId: "app",
    clientHost: "/127.0.0.1",
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: meta(`m-${memberId}`) }],
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 20_000,
    requireKnownMemberId: false,
    ...over,
  };
}

/** Test driver: numbers waiters and collects replies by waiter. */
class Driver {
  readonly group: ClassicGroupState;
  readonly replies = new Map<number, ClassicReply>();
  #next = 1;
  #ids = 0;
  now = 0;

  constructor(limits: ConstructorParameters<typeof ClassicGroupState>[1] = {}) {
    this.group = new ClassicGroupState("G", limits);
  }

  #collect(out: ClassicReply[]): void {
    for (const r of out) {
      assert(!this.replies.has(r.waiter), `waiter ${r.waiter} answered twice`);
      this.replies.set(r.waiter, r);
    }
  }

  join(req: ClassicJoinRequest): number {
    const waiter = this.#next++;
    this.#collect(
      this.group.join(req, { now: this.now, waiter, newMemberId: `m${++this.#ids}` }),
    );
    return waiter;
  }

  sync(
    memberId: string,
    generationId: number,
    assignments: { memberId: string; assignment: Uint8Array }[] = [],
  ): number {
    const waiter = this.#next++;
    this.#collect(
      this.group.sync({ memberId, generationId, assignments }, { now: this.now, waiter }),
    );
    return waiter;
  }

  tick(to: number): void {
    this.now = to;
    this.#collect(this.group.tick(to));
  }

  leave(...ids: string[]): (string | null)[] {
    const { errors, replies } = this.group.leave(ids, this.now);
    this.#collect(replies);
    return errors;
  }

  joined(waiter: number): ClassicJoinResponse | undefined {
    const r = this.replies.get(waiter);
    if (r === undefined) return undefined;
    assertEquals(r.kind, "join");
    return r.response as ClassicJoinResponse;
  }

  synced(waiter: number): ClassicSyncResponse | undefined {
    const r = this.replies.get(waiter);
    if (r === undefined) return undefined;
    assertEquals(r.kind, "sync");
    return r.response as ClassicSyncResponse;
  }
}

/** Forms a stable one-member group; returns the member id. */
function formOne(d: Driver): string {
  const w = d.join(joinReq(""));
  const r = d.joined(w)!;
  assertEquals(r.error, null);
  const s = d.sync(r.memberId, r.generationId, [{ memberId: r.memberId, assignment: meta("A1") }]);
  assertEquals(d.synced(s)?.error, null);
  return r.memberId;
}

Deno.test("ClassicGroupState forms a generation with one member: leader, protocol, sync", () => {
  const d = new Driver();
  assertEquals(d.group.state, "Empty");
  const w = d.join(joinReq(""));
  const r = d.joined(w)!;
  assertEquals(r.error, null);
  assertEquals(r.generationId, 1);
  assertEquals(r.leader, r.memberId);
  assertEquals(r.protocolName, "range");
  assertEquals(r.members.map((m) => m.memberId), [r.memberId]);
  assertEquals(d.group.state, "CompletingRebalance");
  const s = d.sync(r.memberId, 1, [{ memberId: r.memberId, assignment: meta("A1") }]);
  assertEquals(d.synced(s)!.assignment, meta("A1"));
  assertEquals(d.group.state, "Stable");
  assertEquals(d.group.heartbeat({ memberId: r.memberId, generationId: 1 }, 1), null);
});

Deno.test("ClassicGroupState answers MEMBER_ID_REQUIRED to a v4+ join, then admits the id", () => {
  const d = new Driver();
  const w1 = d.join(joinReq("", { requireKnownMemberId: true }));
  const r1 = d.joined(w1)!;
  assertEquals(r1.error, "MEMBER_ID_REQUIRED");
  assertEquals(r1.memberId, "m1");
  assertEquals(d.group.state, "Empty");
  assertEquals(d.group.size, 1, "a pending member counts");
  const w2 = d.join(joinReq("m1", { requireKnownMemberId: true }));
  assertEquals(d.joined(w2)?.error, null);
  assertEquals(d.joined(w2)?.memberId, "m1");
  // A made-up id is refused.
  const w3 = d.join(joinReq("nobody"));
  assertEquals(d.joined(w3)?.error, "UNKNOWN_MEMBER_ID");
});

Deno.test("ClassicGroupState expires a pending member that never rejoins", () => {
  const d = new Driver();
  d.join(joinReq("", { requireKnownMemberId: true }));
  assertEquals(d.group.nextDeadline(), 10_000);
  d.tick(10_000);
  assertEquals(d.group.size, 0);
  const w = d.join(joinReq("m1"));
  assertEquals(d.joined(w)?.error, "UNKNOWN_MEMBER_ID");
});

Deno.test("ClassicGroupState parks a second member's join until the first rejoins", () => {
  const d = new Driver();
  const a = formOne(d);
  const wb = d.join(joinReq(""));
  assertEquals(d.joined(wb), undefined, "B's join is parked");
  assertEquals(d.group.state, "PreparingRebalance");
  assertEquals(d.group.heartbeat({ memberId: a, generationId: 1 }, 1), "REBALANCE_IN_PROGRESS");
  const wa = d.join(joinReq(a));
  const ra = d.joined(wa)!;
  const rb = d.joined(wb)!;
  assertEquals([ra.error, rb.error], [null, null]);
  assertEquals([ra.generationId, rb.generationId], [2, 2]);
  assertEquals(ra.leader, a);
  assertEquals(rb.leader, a);
  assertEquals(ra.members.map((m) => m.memberId), [a, rb.memberId], "leader gets members");
  assertEquals(rb.members, [], "followers get none");
  assertEquals(ra.members[1]!.metadata, meta(`m-`), "B's metadata as sent");
  // Old generation is now illegal.
  assertEquals(d.group.heartbeat({ memberId: a, generationId: 1 }, 2), "ILLEGAL_GENERATION");
  // Follower syncs first: parked until the leader's sync.
  const sb = d.sync(rb.memberId, 2);
  assertEquals(d.synced(sb), undefined);
  assertEquals(d.group.heartbeat({ memberId: a, generationId: 2 }, 2), null);
  const sa = d.sync(a, 2, [
    { memberId: a, assignment: meta("A") },
    { memberId: rb.memberId, assignment: meta("B") },
  ]);
  assertEquals(d.synced(sa)!.assignment, meta("A"));
  assertEquals(d.synced(sb)!.assignment, meta("B"));
  assertEquals(d.group.state, "Stable");
  // A late sync in Stable is answered at once.
  const sb2 = d.sync(rb.memberId, 2);
  assertEquals(d.synced(sb2)!.assignment, meta("B"));
});

Deno.test("ClassicGroupState removes members that do not rejoin within the rebalance timeout", () => {
  const d = new Driver();
  const a = formOne(d);
  d.tick(1_000);
  const wb = d.join(joinReq("", { rebalanceTimeoutMs: 5_000 }));
  // A keeps heartbeating (REBALANCE_IN_PROGRESS) but never rejoins.
  for (let t = 1_000; t < 21_000; t += 5_000) {
    d.tick(t);
    assertEquals(d.group.heartbeat({ memberId: a, generationId: 1 }, t), "REBALANCE_IN_PROGRESS");
  }
  assertEquals(d.group.nextDeadline(), 1_000 + 20_000, "the largest rebalance timeout");
  d.tick(20_999);
  assertEquals(d.joined(wb), undefined);
  d.tick(21_000);
  const rb = d.joined(wb)!;
  assertEquals(rb.error, null);
  assertEquals(rb.generationId, 2);
  assertEquals(rb.leader, rb.memberId, "A was dropped, B leads");
  assertEquals(d.group.heartbeat({ memberId: a, generationId: 2 }, 21_000), "UNKNOWN_MEMBER_ID");
});

Deno.test("ClassicGroupState rebalances when a session expires", () => {
  const d = new Driver();
  const a = formOne(d);
  const wb = d.join(joinReq(""));
  const wa = d.join(joinReq(a));
  const b = d.joined(wb)!.memberId;
  assertEquals(d.joined(wa)?.generationId, 2);
  d.sync(a, 2, [{ memberId: a, assignment: meta("A") }, { memberId: b, assignment: meta("B") }]);
  d.sync(b, 2);
  // Only B heartbeats; A's session (10 s) runs out.
  d.tick(6_000);
  assertEquals(d.group.heartbeat({ memberId: b, generationId: 2 }, 6_000), null);
  d.tick(10_000);
  assertEquals(d.group.state, "PreparingRebalance");
  assertEquals(
    d.group.heartbeat({ memberId: b, generationId: 2 }, 10_000),
    "REBALANCE_IN_PROGRESS",
  );
  const wb2 = d.join(joinReq(b));
  const rb = d.joined(wb2)!;
  assertEquals([rb.generationId, rb.leader], [3, b]);
});

Deno.test("ClassicGroupState answers a parked sync REBALANCE_IN_PROGRESS when a member joins", () => {
  const d = new Driver();
  const a = formOne(d);
  const wb = d.join(joinReq(""));
  d.join(joinReq(a));
  const b = d.joined(wb)!.memberId;
  const sb = d.sync(b, 2);
  assertEquals(d.synced(sb), undefined);
  const wc = d.join(joinReq(""));
  assertEquals(d.synced(sb)?.error, "REBALANCE_IN_PROGRESS");
  assertEquals(d.joined(wc), undefined);
  const sa = d.sync(a, 2, []);
  assertEquals(d.synced(sa)?.error, "REBALANCE_IN_PROGRESS");
});

Deno.test("ClassicGroupState removes a member that never syncs (leader stuck)", () => {
  const d = new Driver();
  const a = formOne(d);
  const wb = d.join(joinReq(""));
  d.join(joinReq(a));
  const b = d.joined(wb)!.memberId;
  const sb = d.sync(b, 2);
  // The leader keeps heartbeating but never syncs.
  for (let t = 5_000; t < 20_000; t += 5_000) {
    d.tick(t);
    assertEquals(d.group.heartbeat({ memberId: a, generationId: 2 }, t), null);
  }
  d.tick(20_000);
  assertEquals(d.synced(sb)?.error, "REBALANCE_IN_PROGRESS");
  assertEquals(d.group.heartbeat({ memberId: a, generationId: 2 }, 20_000), "UNKNOWN_MEMBER_ID");
});

Deno.test("ClassicGroupState lets a leave complete a pending rebalance", () => {
  const d = new Driver();
  const a = formOne(d);
  const wb = d.join(joinReq(""));
  assertEquals(d.leave(a, "ghost"), [null, "UNKNOWN_MEMBER_ID"]);
  const rb = d.joined(wb)!;
  assertEquals([rb.error, rb.generationId, rb.leader], [null, 2, rb.memberId]);
  assertEquals(d.leave(rb.memberId), [null]);
  assertEquals(d.group.state, "Empty");
  assertEquals(d.group.generationId, 3);
});

Deno.test("ClassicGroupState rejects inconsistent protocols and picks the common one", () => {
  const d = new Driver();
  const w1 = d.join(joinReq("", { protocolType: "" }));
  assertEquals(d.joined(w1)?.error, "INCONSISTENT_GROUP_PROTOCOL");
  const a = formOne(d);
  const w2 = d.join(joinReq("", { protocolType: "connect" }));
  assertEquals(d.joined(w2)?.error, "INCONSISTENT_GROUP_PROTOCOL");
  const w3 = d.join(joinReq("", { protocols: [{ name: "sticky", metadata: meta("") }] }));
  assertEquals(d.joined(w3)?.error, "INCONSISTENT_GROUP_PROTOCOL");
  assertEquals(d.group.state, "Stable", "refused joins change nothing");
  // B prefers roundrobin but also speaks range; A rejoins preferring roundrobin too.
  const both = [
    { name: "roundrobin", metadata: meta("rr") },
    { name: "range", metadata: meta("r") },
  ];
  const wb = d.join(joinReq("", { protocols: both }));
  const wa = d.join(joinReq(a, { protocols: both }));
  assertEquals(d.joined(wa)?.protocolName, "roundrobin");
  assertEquals(d.joined(wb)?.protocolName, "roundrobin");
  assertEquals(d.joined(wa)?.members.map((m) => m.metadata), [meta("rr"), meta("rr")]);
});

Deno.test("ClassicGroupState validates session timeouts and the group size", () => {
  const d = new Driver({ maxSize: 1 });
  const w1 = d.join(joinReq("", { sessionTimeoutMs: 10 }));
  assertEquals(d.joined(w1)?.error, "INVALID_SESSION_TIMEOUT");
  formOne(d);
  const w2 = d.join(joinReq(""));
  assertEquals(d.joined(w2)?.error, "GROUP_MAX_SIZE_REACHED");
});

Deno.test("ClassicGroupState checks commits: simple only when empty, generation, rebalance", () => {
  const d = new Driver();
  assertEquals(d.group.checkCommit({ memberId: "", generationId: -1 }, 0), null);
  const a = formOne(d);
  assertEquals(
    d.group.checkCommit({ memberId: "", generationId: -1 }, 0),
    "UNKNOWN_MEMBER_ID",
  );
  assertEquals(d.group.checkCommit({ memberId: a, generationId: 1 }, 0), null);
  assertEquals(d.group.checkCommit({ memberId: a, generationId: 0 }, 0), "ILLEGAL_GENERATION");
  const wb = d.join(joinReq(""));
  assertEquals(
    d.group.checkCommit({ memberId: a, generationId: 1 }, 0),
    null,
    "PreparingRebalance still accepts the old generation's commits",
  );
  d.join(joinReq(a));
  assertEquals(d.joined(wb)?.generationId, 2);
  assertEquals(
    d.group.checkCommit({ memberId: a, generationId: 2 }, 0),
    "REBALANCE_IN_PROGRESS",
  );
});

Deno.test("ClassicGroupState waits out the initial rebalance delay and extends it", () => {
  const d = new Driver({ initialRebalanceDelayMs: 3_000 });
  const wa = d.join(joinReq(""));
  assertEquals(d.joined(wa), undefined);
  assertEquals(d.group.nextDeadline(), 3_000);
  d.tick(2_000);
  const wb = d.join(joinReq(""));
  d.tick(3_000);
  assertEquals(d.joined(wa), undefined, "B's join extended the delay");
  d.tick(5_000);
  assertEquals(d.joined(wa)?.generationId, 1);
  assertEquals(d.joined(wb)?.generationId, 1);
  assertEquals(d.joined(wa)?.members.length, 2);
});

Deno.test("ClassicGroupState.shutdown() answers parked requests and refuses new ones", () => {
  const d = new Driver();
  const a = formOne(d);
  const wb = d.join(joinReq(""));
  for (const r of d.group.shutdown()) d.replies.set(r.waiter, r);
  assertEquals(d.joined(wb)?.error, "COORDINATOR_NOT_AVAILABLE");
  assertEquals(d.group.state, "Dead");
  assertEquals(
    d.group.heartbeat({ memberId: a, generationId: 1 }, 0),
    "COORDINATOR_NOT_AVAILABLE",
  );
});

Deno.test("ClassicGroupState lets a static member come back without a rebalance", () => {
  const d = new Driver();
  const podA = { instanceId: "pod-a", protocols: [{ name: "range", metadata: meta("s") }] };
  const wa = d.join(joinReq("", { ...podA, requireKnownMemberId: true }));
  const a = d.joined(wa)!;
  assertEquals([a.error, a.generationId], [null, 1], "static members skip MEMBER_ID_REQUIRED");
  const wb = d.join(joinReq(""));
  d.join(joinReq(a.memberId, podA));
  const b = d.joined(wb)!.memberId;
  d.sync(a.memberId, 2, [
    { memberId: a.memberId, assignment: meta("A") },
    { memberId: b, assignment: meta("B") },
  ]);
  d.sync(b, 2);
  assertEquals(d.group.state, "Stable");
  // pod-a restarts: no member id, same instance id.
  const wa2 = d.join(joinReq("", podA));
  const a2 = d.joined(wa2)!;
  assertEquals([a2.error, a2.generationId, a2.leader], [null, 2, a2.memberId]);
  assert(a2.memberId !== a.memberId);
  assertEquals(d.group.state, "Stable", "no rebalance");
  const s = d.sync(a2.memberId, 2);
  assertEquals(d.synced(s)?.assignment, meta("A"), "the old incarnation's assignment");
  assertEquals(
    d.group.heartbeat({ memberId: a.memberId, generationId: 2 }, 0),
    "UNKNOWN_MEMBER_ID",
    "the old id is fenced",
  );
  assertEquals(d.group.heartbeat({ memberId: b, generationId: 2 }, 0), null);
});

Deno.test("ClassicGroupState takes a lone member's new protocol type when it rejoins with one", () => {
  const d = new Driver();
  const id = formOne(d);
  const w = d.join(joinReq(id, {
    protocolType: "connect",
    protocols: [{ name: "sessioned", metadata: meta("c") }],
  }));
  const r = d.joined(w)!;
  assertEquals(r.error, null);
  assertEquals(r.protocolType, "connect");
  assertEquals(r.protocolName, "sessioned");
  assertEquals(d.group.protocolType, "connect");
  const out = d.group.sync(
    { memberId: id, generationId: r.generationId, protocolType: "connect", assignments: [] },
    { now: d.now, waiter: 99 },
  );
  assertEquals(out.map((o) => (o.response as ClassicSyncResponse).error), [null]);
  // A newcomer of the old type no longer fits.
  const late = d.join(joinReq(""));
  assertEquals(d.joined(late)?.error, "INCONSISTENT_GROUP_PROTOCOL");
});
