import { assertEquals } from "@std/assert";
import { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { decodeCreateTopicsRequest, encodeCreateTopicsResponse } from "./create_topics.ts";

Deno.test("`decodeCreateTopicsRequest()` reads defaults, assignments and configs", () => {
  const body = new KafkaWriter()
    .int32(1).string("t").int32(-1).int16(-1)
    .int32(1).int32(0).int32(1).int32(1) // one assignment: partition 0 → [1]
    .int32(2).string("retention.ms").nullableString("1000").string("x").nullableString(null)
    .int32(30000).boolean(true).finish();
  assertEquals(decodeCreateTopicsRequest(new KafkaReader(body), 1), {
    topics: [{
      name: "t",
      numPartitions: -1,
      replicationFactor: -1,
      assignments: 1,
      configs: { "retention.ms": "1000" },
    }],
    timeoutMs: 30000,
    validateOnly: true,
  });
});

Deno.test("`encodeCreateTopicsResponse()` writes the message from v1 and throttle from v2", () => {
  const results = [{ name: "t", errorCode: 36, errorMessage: "m" }];
  assertEquals([...encodeCreateTopicsResponse(results, 0)], [0, 0, 0, 1, 0, 1, 0x74, 0, 36]);
  assertEquals([...encodeCreateTopicsResponse(results, 1)], [
    0,
    0,
    0,
    1,
    0,
    1,
    0x74,
    0,
    36,
    0,
    1,
    0x6d,
  ]);
  assertEquals(encodeCreateTopicsResponse(results, 2).byteLength, 16);
});
