/**
 * The Kafka listener against the real `kcat` (librdkafka): metadata, topic
 * creation over CreateTopics, produce with acks 0/1/all, consume from the
 * beginning, cross-checks with the HTTP edge both ways, ListOffsets by
 * timestamp, and the error code of an unknown topic.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { type Broker, startBroker } from "weir/broker";
import { KafkaWriter } from "../../broker/kafka/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { kcat, type KcatResult } from "./_kcat.ts";
import { KafkaTestClient } from "./_kafka_client.ts";

function bootstrap(broker: Broker): string {
  const a = broker.kafkaAddress!;
  return `${a.host}:${a.port}`;
}

function ok(run: KcatResult, what: string): KcatResult {
  assertEquals(run.code, 0, `${what} failed: ${run.stderr}`);
  return run;
}

interface KcatRecord {
  topic: string;
  partition: number;
  offset: number;
  ts: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

function lines(text: string): KcatRecord[] {
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}

async function http(broker: Broker, path: string, init?: RequestInit): Promise<unknown> {
  const res = await fetch(`${broker.url}${path}`, init);
  const body = await res.json();
  assert(res.ok, `${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function createTopicOverKafka(
  broker: Broker,
  name: string,
  partitions: number,
): Promise<{ name: string; errorCode: number; message: string | null }> {
  await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
  const body = new KafkaWriter()
    .int32(1).string(name).int32(partitions).int16(1).int32(0) // no assignments
    .int32(1).string("retention.ms").nullableString("3600000") // one config
    .int32(5000).boolean(false).finish();
  const r = await client.request(19, 4, body);
  assertEquals(r.int32(), 0); // throttle
  const [topic] = r.array(false, (r) => ({
    name: r.string(),
    errorCode: r.int16(),
    message: r.nullableString(),
  }));
  return topic!;
}

Deno.test("kcat -L lists the node and topics created over Kafka CreateTopics", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({
    dataDir: dir.path,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
  });
  const created = await createTopicOverKafka(broker, "orders", 3);
  assertEquals(created, { name: "orders", errorCode: 0, message: null });
  const again = await createTopicOverKafka(broker, "orders", 3);
  assertEquals(again.errorCode, 36); // TOPIC_ALREADY_EXISTS
  const bad = await createTopicOverKafka(broker, "bad/name", 1);
  assertEquals(bad.errorCode, 17); // INVALID_TOPIC_EXCEPTION
  const described = await http(broker, "/v1/topics/orders") as {
    configs: Record<string, unknown>;
    partitions: unknown[];
  };
  assertEquals(described.partitions.length, 3);
  assertEquals(described.configs["retention.ms"], 3_600_000);

  const meta = JSON.parse(ok(await kcat(bootstrap(broker), ["-L", "-J"]), "kcat -L").stdout);
  assertEquals(meta.brokers, [{ id: 1, name: bootstrap(broker) }]);
  assertEquals(meta.controllerid, 1);
  const orders = meta.topics.find((t: { topic: string }) => t.topic === "orders");
  assertEquals(orders.partitions.length, 3);
  for (const p of orders.partitions) {
    assertEquals(p.leader, 1);
    assertEquals(p.isrs, [{ id: 1 }]);
  }
});

Deno.test("kcat produces keyed records with acks 0, 1 and all, and consumes them from the beginning", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({ dataDir: dir.path, port: 0, kafkaPort: 0 });
  await http(broker, "/v1/topics", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "events", partitions: 1 }),
  });
  const b = bootstrap(broker);
  for (const acks of ["1", "all", "0"]) {
    const input = Array.from({ length: 5 }, (_, i) => `k-${acks}-${i}:v-${acks}-${i}`).join("\n");
    ok(
      await kcat(b, ["-P", "-t", "events", "-p", "0", "-K:", "-X", `acks=${acks}`], {
        stdin: input + "\n",
      }),
      `kcat -P acks=${acks}`,
    );
  }
  // acks=0 answers nothing: wait until the broker has all 15 records.
  const deadline = Date.now() + 10_000;
  let hw = 0;
  while (Date.now() < deadline) {
    const d = await http(broker, "/v1/topics/events") as {
      partitions: { highWatermark: number }[];
    };
    hw = d.partitions[0]!.highWatermark;
    if (hw >= 15) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  assertEquals(hw, 15, "records produced with acks 0/1/all reached the log");
  const run = ok(await kcat(b, ["-C", "-t", "events", "-e", "-J", "-o", "beginning"]), "kcat -C");
  const got = lines(run.stdout);
  assertEquals(got.map((r) => r.offset), Array.from({ length: 15 }, (_, i) => i));
  const expected = ["1", "all", "0"].flatMap((a) =>
    Array.from({ length: 5 }, (_, i) => ({ key: `k-${a}-${i}`, payload: `v-${a}-${i}` }))
  );
  assertEquals(got.map((r) => ({ key: r.key, payload: r.payload })), expected);
});

Deno.test("records cross between kcat and the HTTP edge with the same offsets, keys, values, headers and timestamps", async (t) => {
  await using dir = await tempDir();
  await using broker = await startBroker({
    dataDir: dir.path,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
  });
  await http(broker, "/v1/topics", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "mixed", partitions: 2 }),
  });
  const b = bootstrap(broker);

  await t.step("HTTP → kcat", async () => {
    await http(broker, "/v1/topics/mixed/records?acks=all", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        records: [
          { key: "a", value: { n: 1 }, headers: { h1: "x" }, partition: 1, timestamp: 1_000 },
          { key: "b", value: "two", partition: 1, timestamp: 2_000 },
          { key: null, value: null, partition: 1, timestamp: 3_000 },
        ],
      }),
    });
    const got = lines(
      ok(await kcat(b, ["-C", "-t", "mixed", "-p", "1", "-e", "-J", "-o", "beginning"]), "kcat -C")
        .stdout,
    );
    assertEquals(got.map((r) => [r.offset, r.ts, r.key, r.payload]), [
      [0, 1_000, "a", '{"n":1}'],
      [1, 2_000, "b", '"two"'],
      [2, 3_000, null, null],
    ]);
    assertEquals(got[0]!.headers, ["h1", "x"]);
  });

  await t.step("kcat → HTTP", async () => {
    ok(
      await kcat(b, ["-P", "-t", "mixed", "-p", "0", "-K:", "-H", "trace=t-1", "-H", "n=2"], {
        stdin: "user-1:hello\nuser-2:world\n",
      }),
      "kcat -P",
    );
    const before = Date.now();
    const res = await http(
      broker,
      "/v1/topics/mixed/partitions/0/records?offset=earliest&format=string",
    ) as {
      records: {
        offset: number;
        key: string | null;
        value: string | null;
        headers?: Record<string, string>;
        timestamp: number;
      }[];
    };
    assertEquals(
      res.records.map((r) => [r.offset, r.key, r.value, r.headers]),
      [
        [0, "user-1", "hello", { trace: "t-1", n: "2" }],
        [1, "user-2", "world", { trace: "t-1", n: "2" }],
      ],
    );
    for (const r of res.records) assert(r.timestamp > before - 60_000 && r.timestamp <= before);
    // kcat reads back the same timestamps the HTTP edge reports.
    const got = lines(
      ok(await kcat(b, ["-C", "-t", "mixed", "-p", "0", "-e", "-J", "-o", "beginning"]), "kcat -C")
        .stdout,
    );
    assertEquals(got.map((r) => r.ts), res.records.map((r) => r.timestamp));
  });

  await t.step("kcat -Q finds offsets by timestamp", async () => {
    const at = ok(await kcat(b, ["-Q", "-t", "mixed:1:2000"]), "kcat -Q 2000");
    assertStringIncludes(at.stdout, "mixed [1] offset 1");
    const between = ok(await kcat(b, ["-Q", "-t", "mixed:1:2500"]), "kcat -Q 2500");
    assertStringIncludes(between.stdout, "mixed [1] offset 2");
    const first = ok(await kcat(b, ["-Q", "-t", "mixed:1:0"]), "kcat -Q 0");
    assertStringIncludes(first.stdout, "mixed [1] offset 0");
    const past = ok(await kcat(b, ["-Q", "-t", "mixed:1:99999999999"]), "kcat -Q past the end");
    assertStringIncludes(past.stdout, "mixed [1] offset -1");
  });
});

Deno.test("Kafka Metadata and Produce answer UNKNOWN_TOPIC_OR_PARTITION for an unknown topic", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({
    dataDir: dir.path,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
  });
  await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
  const meta = await client.request(
    3,
    4,
    new KafkaWriter().int32(1).string("nope").boolean(true).finish(),
  );
  meta.int32(); // throttle
  meta.array(false, (r) => [r.int32(), r.string(), r.int32(), r.nullableString()]);
  meta.nullableString();
  meta.int32();
  const topics = meta.array(false, (r) => ({
    errorCode: r.int16(),
    name: r.string(),
    internal: r.boolean(),
    partitions: r.array(false, (r) => r.int32()),
  }));
  assertEquals(topics, [{ errorCode: 3, name: "nope", internal: false, partitions: [] }]);

  const produce = await client.request(
    0,
    7,
    new KafkaWriter().nullableString(null).int16(1).int32(1000)
      .int32(1).string("nope").int32(1).int32(0).bytes(new Uint8Array(70)).finish(),
  );
  const res = produce.array(false, (r) => ({
    name: r.string(),
    partitions: r.array(false, (r) => ({
      partition: r.int32(),
      errorCode: r.int16(),
      baseOffset: r.int64(),
      logAppendTime: r.int64(),
      logStartOffset: r.int64(),
    })),
  }));
  assertEquals(res[0]!.partitions[0]!.errorCode, 3);
  assertEquals(res[0]!.partitions[0]!.baseOffset, -1);

  const run = await kcat(bootstrap(broker), ["-C", "-t", "nope", "-e", "-m", "5"]);
  assert(run.code !== 0, "kcat -C of an unknown topic fails");
  assertStringIncludes(run.stderr.toLowerCase(), "unknown topic");
});

Deno.test("kcat produces with every compression codec and idempotence; kcat and HTTP read it back", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({
    dataDir: dir.path,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
  });
  const b = bootstrap(broker);
  for (const codec of ["gzip", "snappy", "lz4", "zstd"]) {
    await broker.node.createTopic({ name: `z-${codec}`, partitions: 1 });
    ok(
      await kcat(
        b,
        ["-P", "-t", `z-${codec}`, "-K:", "-z", codec, "-X", "enable.idempotence=true"],
        {
          stdin: "a:one\nb:two\nc:three\n",
        },
      ),
      `kcat -P -z ${codec}`,
    );
    const viaKafka = lines(
      ok(await kcat(b, ["-C", "-t", `z-${codec}`, "-e", "-J", "-o", "beginning"]), "kcat -C")
        .stdout,
    );
    assertEquals(viaKafka.map((r) => [r.offset, r.key, r.payload]), [
      [0, "a", "one"],
      [1, "b", "two"],
      [2, "c", "three"],
    ], codec);
    const viaHttp = await http(
      broker,
      `/v1/topics/z-${codec}/partitions/0/records?offset=earliest&format=string`,
    ) as { records: { offset: number; key: string; value: string; timestamp: number }[] };
    assertEquals(
      viaHttp.records.map((r) => [r.offset, r.key, r.value, r.timestamp]),
      viaKafka.map((r) => [r.offset, r.key, r.payload, r.ts]),
      codec,
    );
  }
});
