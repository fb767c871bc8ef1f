/**
 * ListOffsets by timestamp answers the first record at or after the
 * timestamp with that record's own timestamp (Kafka's contract), also inside
 * one batch holding several timestamps.
 */
import { assertEquals } from "@std/assert";
import { startBroker } from "weir/broker";
import { KafkaWriter } from "../../broker/kafka/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { KafkaTestClient } from "./_kafka_client.ts";

/** ListOffsets v2 of partition 0 at `timestamp`: [error, timestamp, offset]. */
async function listOffsetsV2(
  client: KafkaTestClient,
  topic: string,
  timestamp: number,
): Promise<[number, number, number]> {
  const body = new KafkaWriter().int32(-1).int8(0).int32(1).string(topic).int32(1).int32(0)
    .int64(timestamp).finish();
  const r = await client.request(2, 2, body);
  r.int32(); // throttle
  let out: [number, number, number] = [-99, -99, -99];
  r.array(false, (r) => {
    r.string();
    r.array(false, (r) => {
      r.int32();
      out = [r.int16(), r.int64(), r.int64()];
    });
  });
  return out;
}

Deno.test("ListOffsets by timestamp answers the first record at or after it and its timestamp", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({
    dataDir: dir.path,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
  });
  await broker.node.createTopic({ name: "ts", partitions: 1 });
  const post = async (records: unknown[]) => {
    const res = await fetch(`${broker.url}/v1/topics/ts/records?acks=all`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ records }),
    });
    assertEquals(res.status, 200);
    await res.body?.cancel();
  };
  // One batch with three timestamps, then a second batch.
  await post([1_000, 2_000, 3_000].map((timestamp) => ({ value: timestamp, timestamp })));
  await post([{ value: 5_000, timestamp: 5_000 }]);
  await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
  assertEquals(await listOffsetsV2(client, "ts", 0), [0, 1_000, 0]);
  assertEquals(await listOffsetsV2(client, "ts", 2_000), [0, 2_000, 1]);
  assertEquals(await listOffsetsV2(client, "ts", 2_500), [0, 3_000, 2]);
  assertEquals(await listOffsetsV2(client, "ts", 4_000), [0, 5_000, 3]);
  assertEquals(await listOffsetsV2(client, "ts", 9_000), [0, -1, -1]);
  assertEquals(await listOffsetsV2(client, "ts", -1), [0, -1, 4], "latest");
  assertEquals((await listOffsetsV2(client, "nope", 0))[0], 3, "unknown topic");
});
