import {
  assert,
  assertEquals,
  assertGreaterOrEqual,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { createApp } from "../broker/http/app.ts";
import { MemoryBackend } from "../tests/_helpers/memory_backend.ts";
import type { Schedule } from "./_group_membership.ts";
import { connect } from "./connect.ts";
import type { FetchLike } from "./http.ts";
import { type TopicPartitionList, WeirError } from "./protocol/mod.ts";

/** A timer the test drives: `advance(ms)` fires what is due, in time order. */
class ManualSchedule {
  now = 0;
  #timers: { at: number; fn: () => void; seq: number }[] = [];
  #seq = 0;
  readonly schedule: Schedule = (fn, ms) => {
    const timer = { at: this.now + ms, fn, seq: this.#seq++ };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  };

  get pending(): number {
    return this.#timers.length;
  }

  /** Fires every timer due within `ms` from now (including ones scheduled meanwhile at 0). */
  advance(ms: number): void {
    const target = this.now + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.now = due.at;
      due.fn();
    }
    this.now = target;
  }
}

async function until(what: string, check: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Polls `check`, firing due timers (and ones scheduled at 0 meanwhile) on every poll. */
function pump(clock: ManualSchedule, what: string, check: () => boolean): Promise<void> {
  return until(what, () => {
    clock.advance(0);
    return check();
  });
}

function errorResponse(code: string, status: number): Response {
  return Response.json({ error: { code, message: `Cannot do it: ${code}` } }, { status });
}

function label(list: TopicPartitionList[]): string {
  return list.flatMap((l) => l.partitions.map((p) => `${l.topic}-${p}`)).join(",");
}

/**
 * A scripted coordinator in front of an in-memory broker: the test sets each
 * member's assignment; every group call is logged in `events`.
 */
class FakeGroup {
  readonly events: string[] = [];
  readonly committed = new Map<string, number>();
  readonly commitBodies: Record<string, unknown>[] = [];
  /** Assignment handed to the next joining member, and then per member. */
  nextJoinAssignment: TopicPartitionList[] = [];
  readonly assignment = new Map<string, TopicPartitionList[]>();
  readonly epochs = new Map<string, number>();
  readonly heartbeats = new Map<string, number>();
  fenceNext = false;
  joinError: string | undefined;
  intervalMs = 1_000;
  #members = 0;

  handle(request: Request, body: Record<string, unknown>): Response | undefined {
    const url = new URL(request.url);
    const parts = url.pathname.split("/").slice(1); // v1 groups g ...
    if (parts[1] !== "groups") return undefined;
    const rest = parts.slice(3);
    if (request.method === "POST" && rest.length === 1 && rest[0] === "members") {
      if (this.joinError !== undefined) return errorResponse(this.joinError, 409);
      const memberId = `m${++this.#members}`;
      this.events.push(`join ${memberId} ${JSON.stringify(body.topics)}`);
      this.assignment.set(memberId, this.nextJoinAssignment);
      this.epochs.set(memberId, 1);
      return Response.json({
        memberId,
        memberEpoch: 1,
        heartbeatIntervalMs: this.intervalMs,
        assignment: this.nextJoinAssignment,
      });
    }
    if (request.method === "POST" && rest[0] === "members" && rest[2] === "heartbeat") {
      const memberId = rest[1]!;
      const owned = body.ownedPartitions as TopicPartitionList[];
      this.events.push(`heartbeat ${memberId} owned=${label(owned)}`);
      if (this.fenceNext) {
        this.fenceNext = false;
        return errorResponse("FENCED_MEMBER_EPOCH", 409);
      }
      if (!this.epochs.has(memberId)) return errorResponse("UNKNOWN_MEMBER_ID", 404);
      if (body.memberEpoch !== this.epochs.get(memberId)) {
        return errorResponse("FENCED_MEMBER_EPOCH", 409);
      }
      this.heartbeats.set(memberId, (this.heartbeats.get(memberId) ?? 0) + 1);
      const assignment = this.assignment.get(memberId) ?? [];
      if (label(assignment) !== label(owned)) {
        this.epochs.set(memberId, this.epochs.get(memberId)! + 1);
      }
      return Response.json({
        memberEpoch: this.epochs.get(memberId),
        heartbeatIntervalMs: this.intervalMs,
        assignment,
      });
    }
    if (request.method === "DELETE" && rest[0] === "members") {
      this.events.push(`leave ${rest[1]}`);
      this.epochs.delete(rest[1]!);
      return new Response(null, { status: 204 });
    }
    if (request.method === "POST" && rest[0] === "offsets") {
      const offsets = body.offsets as { topic: string; partition: number; offset: number }[];
      if (
        body.memberId !== undefined && body.memberEpoch !== this.epochs.get(String(body.memberId))
      ) {
        return errorResponse("FENCED_MEMBER_EPOCH", 409);
      }
      this.commitBodies.push(body);
      for (const o of offsets) {
        this.events.push(`commit ${o.topic}-${o.partition}=${o.offset}`);
        this.committed.set(`${o.topic}-${o.partition}`, o.offset);
      }
      return Response.json({ offsets: offsets.map((o) => ({ ...o, metadata: "" })) });
    }
    if (request.method === "GET" && rest[0] === "offsets") {
      const topic = url.searchParams.get("topic");
      const offsets = [...this.committed].map(([k, offset]) => {
        const i = k.lastIndexOf("-");
        return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)), offset, metadata: "" };
      }).filter((o) => topic === null || o.topic === topic);
      return Response.json({ offsets });
    }
    if (request.method === "GET" && rest.length === 0 && parts.length === 2) {
      return Response.json({ groups: [{ groupId: "g", state: "Stable", members: 1 }] });
    }
    return errorResponse("NOT_FOUND", 404);
  }
}

async function setup(partitions = 2) {
  const backend = new MemoryBackend();
  const app = createApp(backend);
  const group = new FakeGroup();
  const fetch: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url).pathname.startsWith("/v1/groups")) {
      const text = request.method === "GET" || request.method === "DELETE"
        ? ""
        : await request.text();
      return group.handle(request, text === "" ? {} : JSON.parse(text))!;
    }
    return app.request(request);
  };
  const weir = await connect({ url: "http://weir.test", fetch });
  await weir.admin.createTopic({ name: "orders", partitions });
  const clock = new ManualSchedule();
  return {
    backend,
    weir,
    group,
    clock,
    async [Symbol.asyncDispose]() {
      await weir.close();
      await backend.close();
    },
  };
}

const P0 = [{ topic: "orders", partitions: [0] }];
const P01 = [{ topic: "orders", partitions: [0, 1] }];
const P1 = [{ topic: "orders", partitions: [1] }];

Deno.test("group consumer joins, starts at the committed offset and heartbeats on its timer", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.sendBatch("orders", [0, 1, 2].map((v) => ({ partition: 0, value: v })));
  s.group.committed.set("orders-0", 1);
  s.group.nextJoinAssignment = P0;
  const assigned: string[] = [];
  await using consumer = s.weir.consumer({
    groupId: "g",
    topics: ["orders"],
    schedule: s.clock.schedule,
    waitMs: 10,
  });
  consumer.on("assigned", (tps) => {
    assigned.push(tps.map((tp) => `${tp.topic}-${tp.partition}`).join(","));
  });
  await until("the assignment", () => assigned.length === 1);
  assertEquals(assigned, ["orders-0"]);
  assertEquals(s.group.events[0], 'join m1 ["orders"]');
  assertEquals(consumer.assignment(), [{ topic: "orders", partition: 0 }]);
  const it = consumer[Symbol.asyncIterator]();
  assertEquals((await it.next()).value?.offset, 1, "starts at the committed offset");
  // the owned set changed on join, so the first heartbeat goes out at once
  await pump(s.clock, "a heartbeat", () => s.group.heartbeats.get("m1") === 1);
  for (let i = 2; i <= 4; i++) {
    s.clock.advance(1_000);
    await until(`heartbeat ${i}`, () => s.group.heartbeats.get("m1") === i);
  }
  assert(s.group.events.includes("heartbeat m1 owned=orders-0"));
  await it.return();
});

Deno.test("revocation stops fetching, commits, emits revoked, then reports the release", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.sendBatch("orders", [0, 1, 2].map((v) => ({ partition: 0, value: v })));
  s.group.nextJoinAssignment = P01;
  await using consumer = s.weir.consumer({
    groupId: "g",
    topics: ["orders"],
    schedule: s.clock.schedule,
    autoOffsetReset: "earliest",
    waitMs: 10,
  });
  consumer.on("revoked", (tps) => {
    s.group.events.push(`revoked ${tps.map((tp) => `${tp.topic}-${tp.partition}`)}`);
  });
  await until("two partitions", () => consumer.assignment().length === 2);
  consumer.pause([{ topic: "orders", partition: 1 }]);
  const it = consumer[Symbol.asyncIterator]();
  await it.next();
  await it.next(); // record 0 processed, record 1 in hand
  s.group.assignment.set("m1", P1);
  await until("the release heartbeat", () => {
    s.clock.advance(0);
    return s.group.events.includes("heartbeat m1 owned=orders-1");
  });
  const from = s.group.events.indexOf("heartbeat m1 owned=orders-0,orders-1");
  assertEquals(s.group.events.slice(from), [
    "heartbeat m1 owned=orders-0,orders-1",
    "commit orders-0=1",
    "revoked orders-0",
    "heartbeat m1 owned=orders-1",
  ]);
  assertEquals(consumer.assignment(), [{ topic: "orders", partition: 1 }]);
  assertEquals(s.group.commitBodies[0]?.memberId, "m1");
  assertEquals(s.group.commitBodies[0]?.memberEpoch, 2, "the commit carries the new epoch");
  await it.return();
});

Deno.test("FENCED_MEMBER_EPOCH drops every partition without a commit and joins again", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.send("orders", { partition: 0, value: "a" });
  s.group.nextJoinAssignment = P0;
  const revoked: number[] = [];
  const reported: string[] = [];
  await using consumer = s.weir.consumer({
    groupId: "g",
    topics: ["orders"],
    schedule: s.clock.schedule,
    onError: (e) => void reported.push(e.code),
    autoOffsetReset: "earliest",
    waitMs: 10,
  });
  consumer.on("revoked", (tps) => void revoked.push(...tps.map((tp) => tp.partition)));
  await until("joined", () => consumer.assignment().length === 1);
  const it = consumer[Symbol.asyncIterator]();
  await it.next();
  s.group.nextJoinAssignment = P1;
  s.group.fenceNext = true;
  await pump(s.clock, "a second join", () => s.group.events.some((e) => e.startsWith("join m2")));
  await until("the new assignment", () => consumer.assignment()[0]?.partition === 1);
  assertEquals(revoked, [0]);
  assertEquals(reported, ["FENCED_MEMBER_EPOCH"], "onError hears of the handled fence");
  assertEquals(
    s.group.events.filter((e) => e.startsWith("commit")),
    [],
    "a fenced member commits nothing",
  );
  await pump(s.clock, "heartbeat as m2", () => s.group.heartbeats.get("m2") === 1);
  await it.return();
});

Deno.test("UNKNOWN_MEMBER_ID on a heartbeat (session expired) rejoins", async () => {
  await using s = await setup();
  s.group.nextJoinAssignment = P0;
  await using consumer = s.weir.consumer({
    groupId: "g",
    topics: ["orders"],
    schedule: s.clock.schedule,
  });
  await until("joined", () => consumer.assignment().length === 1);
  s.group.epochs.delete("m1"); // the broker expired us
  await pump(s.clock, "a second join", () => s.group.events.some((e) => e.startsWith("join m2")));
  await until("assigned again", () => consumer.assignment().length === 1);
});

Deno.test("a slow loop body does not stop heartbeats (real timers)", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.sendBatch("orders", [0, 1].map((v) => ({ partition: 0, value: v })));
  s.group.nextJoinAssignment = P0;
  s.group.intervalMs = 5;
  await using consumer = s.weir.consumer({
    groupId: "g",
    topics: ["orders"],
    autoOffsetReset: "earliest",
    waitMs: 10,
  });
  let during = 0;
  for await (const record of consumer) {
    const before = s.group.heartbeats.get("m1") ?? 0;
    // the "handler" takes as long as 10 heartbeat intervals, awaiting nothing of the consumer's
    await until(
      "heartbeats while the handler runs",
      () => (s.group.heartbeats.get("m1") ?? 0) >= before + 10,
    );
    during += (s.group.heartbeats.get("m1") ?? 0) - before;
    if (record.offset === 1) break;
  }
  assertGreaterOrEqual(during, 20);
  assertEquals(s.group.events.at(-1), "leave m1");
});

Deno.test("autoCommit commits processed offsets on the interval and on close, then leaves", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.sendBatch("orders", [0, 1, 2, 3].map((v) => ({ partition: 0, value: v })));
  s.group.nextJoinAssignment = P0;
  const consumer = s.weir.consumer({
    groupId: "g",
    topics: ["orders"],
    schedule: s.clock.schedule,
    autoOffsetReset: "earliest",
    autoCommitIntervalMs: 5_000,
    waitMs: 10,
  });
  await until("joined", () => consumer.assignment().length === 1);
  const it = consumer[Symbol.asyncIterator]();
  await it.next();
  await it.next(); // offset 0 processed, offset 1 in hand
  s.clock.advance(5_000);
  await until("the interval commit", () => s.group.committed.get("orders-0") === 1);
  await it.next();
  await it.next(); // offsets 1, 2 processed, 3 in hand
  await it.return(); // leaving the loop closes: the record in hand is not counted
  assertEquals(consumer.closed, true);
  const tail = s.group.events.slice(-2);
  assertEquals(tail, ["commit orders-0=3", "leave m1"]);
  assertEquals(s.clock.pending, 0, "no timer is left behind");
  await consumer.close();
  assertEquals(s.group.events.filter((e) => e === "leave m1").length, 1, "close is idempotent");
});

Deno.test("commit(record) and commit() send offset + 1 and positions with member and epoch", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.sendBatch("orders", [0, 1, 2].map((v) => ({ partition: 0, value: v })));
  s.group.nextJoinAssignment = P0;
  await using consumer = s.weir.consumer({
    groupId: "g",
    topics: ["orders"],
    schedule: s.clock.schedule,
    autoOffsetReset: "earliest",
    autoCommit: false,
    waitMs: 10,
  });
  await until("joined", () => consumer.assignment().length === 1);
  for await (const record of consumer) {
    if (record.offset === 0) await consumer.commit(record);
    if (record.offset === 1) await consumer.commit();
    if (record.offset === 2) {
      await consumer.commit([{ topic: "orders", partition: 0, offset: 3, metadata: "done" }]);
      break;
    }
  }
  assertEquals(s.group.events.filter((e) => e.startsWith("commit")), [
    "commit orders-0=1",
    "commit orders-0=2",
    "commit orders-0=3",
  ]);
  assertEquals(s.group.commitBodies.map((b) => b.memberId), ["m1", "m1", "m1"]);
  assertEquals((s.group.commitBodies[2]?.offsets as { metadata: string }[])[0]?.metadata, "done");
  const err = await assertRejects(
    () => consumer.commit([{ topic: "orders", partition: 0, offset: -1 }]),
    WeirError,
  );
  assertEquals(err.code, "INVALID_REQUEST");
});

Deno.test('autoOffsetReset "none" without a committed offset throws until a seek', async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.sendBatch("orders", [0, 1].map((v) => ({ partition: 0, value: v })));
  s.group.nextJoinAssignment = P0;
  await using consumer = s.weir.consumer({
    groupId: "g",
    topics: ["orders"],
    schedule: s.clock.schedule,
    autoOffsetReset: "none",
    waitMs: 10,
  });
  await until("joined", () => consumer.assignment().length === 1);
  for (let i = 0; i < 2; i++) {
    const err = await assertRejects(async () => {
      for await (const _ of consumer) break;
    }, WeirError);
    assertEquals(err.code, "OFFSET_OUT_OF_RANGE");
    assertStringIncludes(err.message, 'autoOffsetReset is "none"');
  }
  consumer.seek({ topic: "orders", partition: 0, offset: 1 });
  for await (const record of consumer) {
    assertEquals(record.value, 1);
    break;
  }
});

Deno.test("a fatal join error reaches the loop", async () => {
  await using s = await setup();
  s.group.joinError = "GROUP_MAX_SIZE_REACHED";
  await using consumer = s.weir.consumer({
    groupId: "g",
    topics: ["orders"],
    schedule: s.clock.schedule,
  });
  const err = await assertRejects(async () => {
    for await (const _ of consumer) break;
  }, WeirError);
  assertEquals(err.code, "GROUP_MAX_SIZE_REACHED");
});

Deno.test("subscribe() gives up partitions with a commit and joins with the new topics", async () => {
  await using s = await setup();
  await s.weir.admin.createTopic({ name: "audit", partitions: 1 });
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.send("orders", { partition: 0, value: "x" });
  s.group.nextJoinAssignment = P0;
  await using consumer = s.weir.consumer<string>({
    groupId: "g",
    topics: ["orders"],
    schedule: s.clock.schedule,
    autoOffsetReset: "earliest",
    waitMs: 10,
  });
  await until("joined", () => consumer.assignment().length === 1);
  const it = consumer[Symbol.asyncIterator]();
  await it.next();
  s.group.nextJoinAssignment = [{ topic: "audit", partitions: [0] }, ...P0];
  consumer.subscribe(["audit"]);
  await until("joined again", () => consumer.assignment().length === 2);
  const joins = s.group.events.filter((e) => e.startsWith("join") || e.startsWith("leave"));
  assertEquals(joins, ['join m1 ["orders"]', "leave m1", 'join m2 ["audit","orders"]']);
  await it.return();
});

Deno.test("group and assign modes refuse each other's calls; bad group ids are refused", async () => {
  await using s = await setup();
  await using assigned = s.weir.consumer();
  assertEquals(
    assertThrows(() => assigned.subscribe(["orders"]), WeirError).code,
    "INVALID_REQUEST",
  );
  assertEquals((await assertRejects(() => assigned.commit(), WeirError)).code, "INVALID_REQUEST");
  await using grouped = s.weir.consumer({ groupId: "g", schedule: s.clock.schedule });
  assertEquals(
    assertThrows(() => grouped.assign([{ topic: "orders", partition: 0 }]), WeirError).code,
    "INVALID_REQUEST",
  );
  assertEquals(
    assertThrows(() => s.weir.consumer({ groupId: "" }), WeirError).code,
    "INVALID_GROUP_ID",
  );
  assertEquals(s.group.events, [], "a group consumer without topics does not join");
  const err = await assertRejects(() => grouped.commit(), WeirError);
  assertEquals(err.code, "REBALANCE_IN_PROGRESS");
});

Deno.test("a stopped member sends nothing more, and close() then neither commits nor leaves", async () => {
  await using s = await setup();
  s.group.nextJoinAssignment = P0;
  const consumer = s.weir.consumer({
    groupId: "g",
    topics: ["orders"],
    schedule: s.clock.schedule,
  });
  await until("joined", () => consumer.assignment().length === 1);
  const stop = (consumer as unknown as Record<symbol, () => void>)[
    Symbol.for("weir.test.stopHeartbeats")
  ]!;
  stop.call(consumer);
  const before = s.group.events.length;
  s.clock.advance(60_000);
  await consumer.close();
  assertEquals(s.group.events.length, before);
  assertEquals(s.clock.pending, 0);
});

Deno.test("admin lists and describes groups and resets offsets without a member id", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.sendBatch("orders", [0, 1, 2].map((v) => ({ partition: 1, value: v })));
  assertEquals(await s.weir.admin.listGroups(), [{ groupId: "g", state: "Stable", members: 1 }]);
  const latest = await s.weir.admin.resetGroupOffsets({
    groupId: "g",
    topic: "orders",
    to: "latest",
  });
  assertEquals(latest.map((o) => o.offset), [0, 3]);
  assertEquals(s.group.commitBodies[0]?.memberId, undefined);
  await s.weir.admin.resetGroupOffsets({ groupId: "g", topic: "orders", to: 1, partitions: [1] });
  assertEquals(s.group.committed.get("orders-1"), 1);
  const bad = await assertRejects(
    () => s.weir.admin.resetGroupOffsets({ groupId: "g", topic: "orders", to: 0, partitions: [7] }),
    WeirError,
  );
  assertEquals(bad.code, "UNKNOWN_TOPIC_OR_PARTITION");
  await assertRejects(
    () => s.weir.admin.resetGroupOffsets({ groupId: "g", topic: "orders", to: -1 }),
    WeirError,
  );
  const missing = await assertRejects(() => s.weir.admin.describeGroup("nope"), WeirError);
  assertEquals(missing.code, "NOT_FOUND");
});
