/**
 * Admin-side Kafka APIs with the hand-written client: DeleteTopics,
 * DescribeConfigs, InitProducerId and CreateTopics' validate-only mode.
 */
import { assert, assertEquals } from "@std/assert";
import { startBroker } from "weir/broker";
import { KafkaWriter } from "../../broker/kafka/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { KafkaTestClient } from "./_kafka_client.ts";

Deno.test("DeleteTopics deletes a topic and answers UNKNOWN_TOPIC_OR_PARTITION for a missing one", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({
    dataDir: dir.path,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
  });
  await broker.node.createTopic({ name: "gone", partitions: 2 });
  await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
  const r = await client.request(
    20,
    3,
    new KafkaWriter().array(false, ["gone", "never"], (w, n) => w.string(n)).int32(5000).finish(),
  );
  assertEquals(r.int32(), 0);
  assertEquals(r.array(false, (r) => [r.string(), r.int16()]), [["gone", 0], ["never", 3]]);
  assertEquals((await broker.node.listTopics()).map((t) => t.name), []);
});

Deno.test("DescribeConfigs v2 returns a topic's configs as strings, filtered by key", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({
    dataDir: dir.path,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
  });
  await broker.node.createTopic({
    name: "cfg",
    partitions: 1,
    configs: { "retention.ms": 60_000 },
  });
  await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
  const body = new KafkaWriter()
    .int32(2)
    .int8(2).string("cfg").array(false, ["retention.ms", "cleanup.policy"], (w, k) => w.string(k))
    .int8(2).string("missing").int32(-1)
    .boolean(false).finish();
  const r = await client.request(32, 2, body);
  assertEquals(r.int32(), 0);
  const results = r.array(false, (r) => ({
    errorCode: r.int16(),
    message: r.nullableString(),
    type: r.int8(),
    name: r.string(),
    configs: r.array(false, (r) => {
      const c = { name: r.string(), value: r.nullableString() };
      r.boolean(); // read_only
      r.int8(); // source
      r.boolean(); // sensitive
      r.array(false, (r) => [r.string(), r.nullableString(), r.int8()]);
      return c;
    }),
  }));
  assertEquals(results[0]!.errorCode, 0);
  assertEquals(
    results[0]!.configs.sort((a, b) => a.name < b.name ? -1 : 1),
    [{ name: "cleanup.policy", value: "delete" }, { name: "retention.ms", value: "60000" }],
  );
  assertEquals(results[1]!.errorCode, 3);
  assertEquals(r.remaining, 0);
});

Deno.test("InitProducerId hands out distinct producer ids and refuses transactional ids", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({
    dataDir: dir.path,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
  });
  await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
  const init = async (txn: string | null) => {
    const r = await client.request(
      22,
      1,
      new KafkaWriter().nullableString(txn).int32(60000).finish(),
    );
    r.int32();
    return { errorCode: r.int16(), producerId: r.int64(), epoch: r.int16() };
  };
  const a = await init(null);
  const b = await init(null);
  assertEquals([a.errorCode, b.errorCode], [0, 0]);
  assert(a.producerId >= 0 && b.producerId >= 0 && a.producerId !== b.producerId);
  assertEquals((await init("txn-1")).errorCode, 42);
});

Deno.test("CreateTopics validate-only checks without creating, and refuses manual assignments", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({
    dataDir: dir.path,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
  });
  await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
  const create = async (name: string, options: { validateOnly: boolean; assign?: boolean }) => {
    const w = new KafkaWriter().int32(1).string(name).int32(options.assign ? -1 : 2).int16(-1);
    if (options.assign) w.int32(1).int32(0).int32(1).int32(1);
    else w.int32(0);
    w.int32(0).int32(5000).boolean(options.validateOnly);
    const r = await client.request(19, 3, w.finish());
    r.int32();
    return r.array(false, (r) => [r.string(), r.int16(), r.nullableString()])[0]!;
  };
  assertEquals((await create("v", { validateOnly: true }))[1], 0);
  assertEquals((await create("no/slash", { validateOnly: true }))[1], 17);
  assertEquals((await broker.node.listTopics()).length, 0);
  assertEquals((await create("v", { validateOnly: false }))[1], 0);
  assertEquals((await create("v", { validateOnly: true }))[1], 36);
  assertEquals((await create("m", { validateOnly: false, assign: true }))[1], 39);
  assertEquals((await broker.node.listTopics()).map((t) => [t.name, t.partitions]), [["v", 2]]);
});
