/**
 * Real kafkajs (2.2.4, under Deno's Node compatibility) consumer groups
 * against Weir's Kafka listener: a group of 2 then 3 members reads every
 * record of a 4-partition topic exactly once (history check), a new
 * consumer resumes after the committed offsets, the group shows in
 * `GET /v1/groups/:group` with offsets and lag, and an SDK member cannot
 * join a Kafka group. kafkajs timeouts are set small so each test takes
 * seconds.
 */
import { assert, assertEquals } from "@std/assert";
import { type Consumer, Kafka, logLevel } from "kafkajs";
import { type Broker, startBroker } from "weir/broker";
import { tempDir } from "../_helpers/temp_dir.ts";
import { formatViolations, History } from "../_helpers/history_checker.ts";

const TOPIC = "orders";
const PARTITIONS = 4;

interface GroupView {
  state: string;
  members: { memberId: string; topics: string[]; assignment: { partitions: number[] }[] }[];
  offsets: { partition: number; committed: number; highWatermark: number; lag: number }[];
}

async function http(broker: Broker, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${broker.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await res.json();
  assert(res.ok, `${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Produces `values` over HTTP (acks=all), keyed by value, into the history. */
async function produce(broker: Broker, history: History, values: string[]): Promise<void> {
  for (const v of values) history.attempt(v);
  const res = await http(broker, `/v1/topics/${TOPIC}/records`, {
    records: values.map((v) => ({ key: v, value: v })),
  }) as { offsets: { partition: number; offset: number }[] };
  res.offsets.forEach((at, i) => history.ack(values[i]!, { topic: TOPIC, ...at }));
}

/** Polls `probe` until it returns a value (not undefined), or fails naming `what`. */
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 12_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    last = value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

async function group(broker: Broker, groupId: string): Promise<GroupView> {
  return await http(broker, `/v1/groups/${groupId}`) as GroupView;
}

/** Waits until the group is Stable with `n` members, every partition assigned. */
function stableWith(broker: Broker, groupId: string, n: number): Promise<GroupView> {
  return until(`group ${groupId} Stable with ${n} members`, async () => {
    const g = await group(broker, groupId);
    const assigned = g.members.flatMap((m) => m.assignment.flatMap((a) => a.partitions));
    return g.state === "Stable" && g.members.length === n && assigned.length === PARTITIONS &&
        g.members.every((m) => m.assignment.length > 0)
      ? g
      : undefined;
  });
}

/** Waits until the group's committed offsets reach every partition's high watermark. */
function caughtUp(broker: Broker, groupId: string, total: number): Promise<GroupView> {
  return until(`group ${groupId} to commit all ${total} records`, async () => {
    const g = await group(broker, groupId);
    const committed = g.offsets.reduce((n, o) => n + o.committed, 0);
    return committed === total && g.offsets.every((o) => o.lag === 0) ? g : undefined;
  });
}

class Readers {
  readonly counts = new Map<string, number>();
  readonly byConsumer = new Map<string, number>();
  constructor(readonly history: History, readonly groupId: string) {}

  async start(kafka: Kafka, name: string): Promise<Consumer> {
    const consumer = kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 6_000,
      rebalanceTimeout: 3_000,
      heartbeatInterval: 200,
      maxWaitTimeInMs: 100,
      retry: { retries: 10, initialRetryTime: 50, maxRetryTime: 500 },
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    await consumer.run({
      autoCommitThreshold: 1,
      eachMessage: ({ partition, message }) => {
        const value = JSON.parse(message.value!.toString()) as string; // produced as JSON over HTTP
        this.history.read({
          reader: name,
          group: this.groupId,
          topic: TOPIC,
          partition,
          offset: Number(message.offset),
          value,
        });
        this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
        this.byConsumer.set(name, (this.byConsumer.get(name) ?? 0) + 1);
        return Promise.resolve();
      },
    });
    return consumer;
  }
}

function newKafka(broker: Broker, clientId: string): Kafka {
  const a = broker.kafkaAddress!;
  return new Kafka({
    clientId,
    brokers: [`${a.host}:${a.port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 50, maxRetryTime: 500 },
  });
}

async function withBroker(fn: (broker: Broker) => Promise<void>): Promise<void> {
  await using dir = await tempDir();
  await using broker = await startBroker({ dataDir: dir.path, port: 0, kafkaPort: 0 });
  await http(broker, "/v1/topics", { name: TOPIC, partitions: PARTITIONS });
  await fn(broker);
}

const values = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

Deno.test("kafkajs group of 2 then 3 members reads every record exactly once", async () => {
  await withBroker(async (broker) => {
    const history = new History();
    const readers = new Readers(history, "billing");
    const kafka = newKafka(broker, "k2-billing");
    const consumers: Consumer[] = [];
    try {
      consumers.push(await readers.start(kafka, "c1"), await readers.start(kafka, "c2"));
      const two = await stableWith(broker, "billing", 2);
      assertEquals(two.members.map((m) => m.topics), [[TOPIC], [TOPIC]]);
      await produce(broker, history, values("a", 200));
      await caughtUp(broker, "billing", 200);
      assert((readers.byConsumer.get("c1") ?? 0) > 0 && (readers.byConsumer.get("c2") ?? 0) > 0);

      consumers.push(await readers.start(kafka, "c3"));
      const three = await stableWith(broker, "billing", 3);
      assertEquals(
        three.members.map((m) => m.assignment.flatMap((a) => a.partitions).length).sort(),
        [1, 1, 2],
      );
      await produce(broker, history, values("b", 200));
      await caughtUp(broker, "billing", 400);
      assert((readers.byConsumer.get("c3") ?? 0) > 0, "the third member read its partition");
    } finally {
      for (const c of consumers) await c.disconnect();
    }
    const violations = history.check();
    assertEquals(violations, [], formatViolations(violations));
    const twice = [...readers.counts].filter(([, n]) => n !== 1);
    assertEquals(twice, [], "every record read exactly once");
    assertEquals(readers.counts.size, 400);
  });
});

Deno.test("kafkajs: a new consumer resumes after the committed offsets; HTTP shows lag", async () => {
  await withBroker(async (broker) => {
    const history = new History();
    const kafka = newKafka(broker, "k2-resume");
    const first = new Readers(history, "audit");
    let consumer = await first.start(kafka, "first");
    try {
      await produce(broker, history, values("a", 50));
      await caughtUp(broker, "audit", 50);
    } finally {
      await consumer.disconnect();
    }
    await produce(broker, history, values("b", 30));
    const idle = await group(broker, "audit");
    assertEquals(idle.state, "Empty");
    assertEquals(idle.offsets.reduce((n, o) => n + o.lag, 0), 30, "lag of the 30 new records");
    const listed = await http(broker, "/v1/groups") as { groups: { groupId: string }[] };
    assert(listed.groups.some((g) => g.groupId === "audit"), JSON.stringify(listed));

    const second = new Readers(history, "audit");
    consumer = await second.start(kafka, "second");
    try {
      const g = await caughtUp(broker, "audit", 80);
      assertEquals(g.members.length, 1);
      assertEquals(g.members[0]!.topics, [TOPIC]);
    } finally {
      await consumer.disconnect();
    }
    assertEquals([...second.counts.keys()].sort(), values("b", 30).sort(), "no re-delivery");
    const violations = history.check();
    assertEquals(violations, [], formatViolations(violations));
  });
});

Deno.test("kafkajs group refuses an SDK member with 409 INCONSISTENT_GROUP_PROTOCOL", async () => {
  await withBroker(async (broker) => {
    const readers = new Readers(new History(), "mixed");
    const consumer = await readers.start(newKafka(broker, "k2-mixed"), "kafka");
    try {
      await stableWith(broker, "mixed", 1);
      const res = await fetch(`${broker.url}/v1/groups/mixed/members`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ topics: [TOPIC] }),
      });
      const body = await res.json() as { error: { code: string; message: string } };
      assertEquals([res.status, body.error.code], [409, "INCONSISTENT_GROUP_PROTOCOL"]);
      assertEquals((await group(broker, "mixed")).members.length, 1);
    } finally {
      await consumer.disconnect();
    }
  });
});
