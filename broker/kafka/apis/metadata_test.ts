import { assertEquals } from "@std/assert";
import { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { decodeMetadataRequest, encodeMetadataResponse } from "./metadata.ts";

Deno.test("`decodeMetadataRequest()` reads a null list as every topic and the v4 flag", () => {
  const all = new KafkaWriter().int32(-1).finish();
  assertEquals(decodeMetadataRequest(new KafkaReader(all), 1), {
    topics: null,
    allowAutoTopicCreation: true,
  });
  const some = new KafkaWriter().int32(1).string("a").boolean(false).finish();
  assertEquals(decodeMetadataRequest(new KafkaReader(some), 4), {
    topics: ["a"],
    allowAutoTopicCreation: false,
  });
});

Deno.test("`encodeMetadataResponse()` writes v1 golden bytes", () => {
  const body = encodeMetadataResponse({
    brokers: [{ nodeId: 1, host: "h", port: 9092 }],
    clusterId: "c",
    controllerId: 1,
    topics: [{
      errorCode: 0,
      name: "t",
      internal: false,
      partitions: [{ errorCode: 0, partition: 0, leader: 1, replicas: [1], isr: [1] }],
    }],
  }, 1);
  // deno-fmt-ignore
  const golden = [
    0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0x68, 0, 0, 0x23, 0x84, 0xff, 0xff, // broker 1 "h" 9092 rack null
    0, 0, 0, 1, // controller (no cluster id before v2)
    0, 0, 0, 1, 0, 0, 0, 1, 0x74, 0, // topic: error 0, "t", internal false
    0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, // partition: error 0, index 0, leader 1
    0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, // replicas [1], isr [1]
  ];
  assertEquals([...body], golden);
  const r = new KafkaReader(encodeMetadataResponse({
    brokers: [],
    clusterId: "c",
    controllerId: 1,
    topics: [],
  }, 6));
  assertEquals([r.int32(), r.int32(), r.nullableString(), r.int32(), r.int32()], [0, 0, "c", 1, 0]);
});
