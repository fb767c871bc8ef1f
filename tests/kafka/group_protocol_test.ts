/**
 * The classic group APIs on the wire, with a hand-written client against a
 * real broker's Kafka listener: FindCoordinator, JoinGroup (the
 * MEMBER_ID_REQUIRED flow), SyncGroup, Heartbeat error codes, OffsetCommit
 * fencing and per-partition errors, OffsetFetch, ListGroups,
 * DescribeGroups, LeaveGroup, and mixing with HTTP members refused both ways.
 */
import { assert, assertEquals } from "@std/assert";
import { type Broker, startBroker } from "weir/broker";
import { type KafkaReader, KafkaWriter } from "../../broker/kafka/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { KafkaTestClient } from "./_kafka_client.ts";

async function http(
  broker: Broker,
  path: string,
  init?: { method?: string; body?: unknown },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${broker.url}${path}`, {
    method: init?.method ?? (init?.body === undefined ? "GET" : "POST"),
    headers: { "content-type": "application/json" },
    ...(init?.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? {} : JSON.parse(text) };
}

function errorCode(body: Record<string, unknown>): unknown {
  return (body.error as { code?: unknown } | undefined)?.code;
}

/** ConsumerProtocolSubscription v0 for `topics`. */
function subscription(...topics: string[]): Uint8Array {
  const w = new KafkaWriter().int16(0).int32(topics.length);
  for (const t of topics) w.string(t);
  return w.nullableBytes(null).finish().slice();
}

/** ConsumerProtocolAssignment v0. */
function assignment(topic: string, partitions: number[]): Uint8Array {
  const w = new KafkaWriter().int16(0).int32(1).string(topic).int32(partitions.length);
  for (const p of partitions) w.int32(p);
  return w.nullableBytes(null).finish().slice();
}

interface JoinAnswer {
  errorCode: number;
  generationId: number;
  protocol: string;
  leader: string;
  memberId: string;
  members: string[];
}

async function joinV5(
  c: KafkaTestClient,
  group: string,
  memberId: string,
): Promise<JoinAnswer> {
  const body = new KafkaWriter().string(group).int32(6000).int32(3000).string(memberId)
    .nullableString(null).string("consumer")
    .int32(1).string("range").bytes(subscription("orders")).finish();
  const r = await c.request(11, 5, body);
  r.int32(); // throttle
  const errorCode = r.int16();
  const generationId = r.int32();
  const protocol = r.string();
  const leader = r.string();
  const id = r.string();
  const members = r.array(false, (r) => {
    const m = r.string();
    r.nullableString();
    r.bytes();
    return m;
  });
  return { errorCode, generationId, protocol, leader, memberId: id, members };
}

async function heartbeatV3(
  c: KafkaTestClient,
  group: string,
  generationId: number,
  memberId: string,
): Promise<number> {
  const body = new KafkaWriter().string(group).int32(generationId).string(memberId)
    .nullableString(null).finish();
  const r = await c.request(12, 3, body);
  r.int32();
  return r.int16();
}

async function commitV7(
  c: KafkaTestClient,
  group: string,
  who: { generationId: number; memberId: string },
  offsets: { topic: string; partition: number; offset: number }[],
): Promise<number[]> {
  const w = new KafkaWriter().string(group).int32(who.generationId).string(who.memberId)
    .nullableString(null).int32(offsets.length);
  for (const o of offsets) {
    w.string(o.topic).int32(1).int32(o.partition).int64(o.offset).int32(-1).nullableString("m");
  }
  const r = await c.request(8, 7, w.finish());
  r.int32();
  return r.array(false, (r) => {
    r.string();
    return r.array(false, (r) => {
      r.int32();
      return r.int16();
    })[0]!;
  });
}

async function withBroker(
  fn: (broker: Broker, c: KafkaTestClient) => Promise<void>,
): Promise<void> {
  await using dir = await tempDir();
  await using broker = await startBroker({ dataDir: dir.path, port: 0, kafkaPort: 0 });
  assertEquals(
    (await http(broker, "/v1/topics", { body: { name: "orders", partitions: 2 } })).status,
    201,
  );
  await using c = await KafkaTestClient.connect(broker.kafkaAddress!);
  await fn(broker, c);
}

Deno.test("Kafka group APIs: join (MEMBER_ID_REQUIRED), sync, heartbeat errors, leave", async () => {
  await withBroker(async (broker, c) => {
    // FindCoordinator v2: this node for groups; none for transactions.
    let r = await c.request(10, 2, new KafkaWriter().string("g").int8(0).finish());
    r.int32();
    assertEquals(r.int16(), 0);
    r.nullableString();
    assertEquals([r.int32(), r.string(), r.int32()], [
      1,
      broker.kafkaAddress!.host,
      broker.kafkaAddress!.port,
    ]);
    r = await c.request(10, 2, new KafkaWriter().string("tx").int8(1).finish());
    r.int32();
    assertEquals(r.int16(), 15); // COORDINATOR_NOT_AVAILABLE

    const first = await joinV5(c, "g", "");
    assertEquals(first.errorCode, 79); // MEMBER_ID_REQUIRED
    assert(first.memberId.startsWith("weir-test-"), first.memberId);
    const joined = await joinV5(c, "g", first.memberId);
    assertEquals(joined.errorCode, 0);
    assertEquals(joined.generationId, 1);
    assertEquals(joined.protocol, "range");
    assertEquals(joined.leader, first.memberId);
    assertEquals(joined.members, [first.memberId]);

    // SyncGroup v3 from the leader.
    const sync = new KafkaWriter().string("g").int32(1).string(first.memberId).nullableString(null)
      .int32(1).string(first.memberId).bytes(assignment("orders", [0, 1])).finish();
    r = await c.request(14, 3, sync);
    r.int32();
    assertEquals(r.int16(), 0);
    assertEquals(r.bytes(), assignment("orders", [0, 1]));

    assertEquals(await heartbeatV3(c, "g", 1, first.memberId), 0);
    assertEquals(await heartbeatV3(c, "g", 7, first.memberId), 22); // ILLEGAL_GENERATION
    assertEquals(await heartbeatV3(c, "g", 1, "ghost"), 25); // UNKNOWN_MEMBER_ID
    assertEquals(await heartbeatV3(c, "never-seen", 1, "ghost"), 25);
    const unknown = await joinV5(c, "g", "made-up");
    assertEquals(unknown.errorCode, 25);

    // HTTP sees the Kafka group with Kafka's state name and the decoded subscription.
    const described = await http(broker, "/v1/groups/g");
    assertEquals(described.status, 200);
    assertEquals(described.body.state, "Stable");
    assertEquals(described.body.members, [{
      memberId: first.memberId,
      memberEpoch: 1,
      topics: ["orders"],
      assignment: [{ topic: "orders", partitions: [0, 1] }],
    }]);

    // DescribeGroups v3 and ListGroups v2.
    r = await c.request(
      15,
      3,
      new KafkaWriter().int32(2).string("g").string("nope").boolean(false)
        .finish(),
    );
    r.int32();
    const groups = r.array(false, (r) => {
      const g = {
        errorCode: r.int16(),
        groupId: r.string(),
        state: r.string(),
        protocolType: r.string(),
        protocol: r.string(),
        members: r.array(false, (r) => ({
          memberId: r.string(),
          clientId: r.string(),
          clientHost: r.string(),
          metadata: r.bytes().slice(),
          assignment: r.bytes().slice(),
        })),
      };
      r.int32();
      return g;
    });
    assertEquals(groups.map((g) => [g.groupId, g.state, g.protocolType, g.protocol]), [
      ["g", "Stable", "consumer", "range"],
      ["nope", "Dead", "", ""],
    ]);
    assertEquals(groups[0]!.members[0]!.clientId, "weir-test");
    assertEquals(groups[0]!.members[0]!.clientHost, "/127.0.0.1");
    assertEquals(groups[0]!.members[0]!.metadata, subscription("orders"));
    assertEquals(groups[0]!.members[0]!.assignment, assignment("orders", [0, 1]));
    r = await c.request(16, 2, new Uint8Array(0));
    r.int32();
    assertEquals(r.int16(), 0);
    assertEquals(r.array(false, (r) => [r.string(), r.string()]), [["g", "consumer"]]);

    // LeaveGroup v3: one known, one unknown member.
    r = await c.request(
      13,
      3,
      new KafkaWriter().string("g").int32(2).string(first.memberId).nullableString(null)
        .string("ghost").nullableString(null).finish(),
    );
    r.int32();
    assertEquals(r.int16(), 0);
    assertEquals(r.array(false, (r) => [r.string(), r.nullableString(), r.int16()]), [
      [first.memberId, null, 0],
      ["ghost", null, 25],
    ]);
    assertEquals((await http(broker, "/v1/groups/g")).body.members, []);
  });
});

Deno.test("Kafka OffsetCommit is fenced by generation and answers per partition", async () => {
  await withBroker(async (broker, c) => {
    // Simple commit (generation -1, no member) while the group is empty.
    assertEquals(
      await commitV7(c, "g", { generationId: -1, memberId: "" }, [
        { topic: "orders", partition: 0, offset: 5 },
        { topic: "orders", partition: 9, offset: 1 },
        { topic: "missing", partition: 0, offset: 1 },
      ]),
      [0, 3, 3], // UNKNOWN_TOPIC_OR_PARTITION for the bad ones only
    );
    const first = await joinV5(c, "g", "");
    const joined = await joinV5(c, "g", first.memberId);
    assertEquals(joined.generationId, 1);
    const sync = new KafkaWriter().string("g").int32(1).string(first.memberId).nullableString(null)
      .int32(0).finish();
    (await c.request(14, 3, sync)).int32();
    assertEquals(
      await commitV7(c, "g", { generationId: -1, memberId: "" }, [
        { topic: "orders", partition: 0, offset: 6 },
      ]),
      [25],
      "no simple commits while the group has members",
    );
    assertEquals(
      await commitV7(c, "g", { generationId: 0, memberId: first.memberId }, [
        { topic: "orders", partition: 0, offset: 6 },
      ]),
      [22],
    );
    assertEquals(
      await commitV7(c, "g", { generationId: 1, memberId: first.memberId }, [
        { topic: "orders", partition: 1, offset: 3 },
      ]),
      [0],
    );
    // HTTP commits without a member are refused while Kafka members are in.
    const httpCommit = await http(broker, "/v1/groups/g/offsets", {
      body: { offsets: [{ topic: "orders", partition: 0, offset: 99 }] },
    });
    assertEquals([httpCommit.status, errorCode(httpCommit.body)], [409, "REBALANCE_IN_PROGRESS"]);

    // OffsetFetch v5: named partitions (one never committed) and v2+ "all".
    const fetch = new KafkaWriter().string("g").int32(1).string("orders").int32(2).int32(0)
      .int32(1).finish();
    let r = await c.request(9, 5, fetch);
    r.int32();
    const read = (r: KafkaReader): [string, number, number, string | null, number][] =>
      r.array(false, (r) => {
        const t = r.string();
        return r.array(false, (r) => {
          const p = r.int32();
          const o = r.int64();
          r.int32();
          return [t, p, o, r.nullableString(), r.int16()] as [
            string,
            number,
            number,
            string | null,
            number,
          ];
        });
      }).flat();
    assertEquals(read(r), [["orders", 0, 5, "m", 0], ["orders", 1, 3, "m", 0]]);
    assertEquals(r.int16(), 0);
    r = await c.request(
      9,
      5,
      new KafkaWriter().string("other").int32(1).string("orders").int32(1)
        .int32(0).finish(),
    );
    r.int32();
    assertEquals(read(r), [["orders", 0, -1, "", 0]]);
    r = await c.request(9, 5, new KafkaWriter().string("g").int32(-1).finish());
    r.int32();
    assertEquals(read(r).map((x) => x.slice(0, 3)), [["orders", 0, 5], ["orders", 1, 3]]);

    // The same offsets over HTTP, with lag.
    const described = await http(broker, "/v1/groups/g");
    assertEquals(described.body.offsets, [
      { topic: "orders", partition: 0, committed: 5, highWatermark: 0, lag: 0 },
      { topic: "orders", partition: 1, committed: 3, highWatermark: 0, lag: 0 },
    ]);
  });
});

Deno.test("Kafka and HTTP members never share a group", async () => {
  await withBroker(async (broker, c) => {
    // An HTTP member first: a Kafka join gets INCONSISTENT_GROUP_PROTOCOL (23).
    const member = await http(broker, "/v1/groups/web/members", {
      body: { topics: ["orders"], sessionTimeoutMs: 10_000 },
    });
    assertEquals(member.status, 200);
    const refused = await joinV5(c, "web", "");
    assertEquals(refused.errorCode, 23);
    // A Kafka member first: an HTTP join gets 409 INCONSISTENT_GROUP_PROTOCOL.
    const first = await joinV5(c, "kafka", "");
    assertEquals((await joinV5(c, "kafka", first.memberId)).errorCode, 0);
    const mixed = await http(broker, "/v1/groups/kafka/members", { body: { topics: ["orders"] } });
    assertEquals([mixed.status, errorCode(mixed.body)], [409, "INCONSISTENT_GROUP_PROTOCOL"]);
    // Both groups are listed; the Kafka one with Kafka's state name.
    const list = await http(broker, "/v1/groups");
    assertEquals(list.body.groups, [
      { groupId: "kafka", state: "CompletingRebalance", members: 1 },
      { groupId: "web", state: "Stable", members: 1 },
    ]);
  });
});
