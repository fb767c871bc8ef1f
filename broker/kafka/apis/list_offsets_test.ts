import { assertEquals } from "@std/assert";
import { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { decodeListOffsetsRequest, encodeListOffsetsResponse } from "./list_offsets.ts";

Deno.test("`decodeListOffsetsRequest()` reads v1 and v2 (isolation level) alike", () => {
  const v1 = new KafkaWriter().int32(-1).int32(1).string("t").int32(1).int32(0).int64(-2).finish();
  const v2 = new KafkaWriter().int32(-1).int8(0).int32(1).string("t").int32(1).int32(0).int64(-2)
    .finish();
  const expected = { topics: [{ name: "t", partitions: [{ partition: 0, timestamp: -2 }] }] };
  assertEquals(decodeListOffsetsRequest(new KafkaReader(v1), 1), expected);
  assertEquals(decodeListOffsetsRequest(new KafkaReader(v2), 2), expected);
});

Deno.test("`encodeListOffsetsResponse()` writes v1 golden bytes and a throttle from v2", () => {
  const res = {
    topics: [{
      name: "t",
      partitions: [{ partition: 0, errorCode: 3, timestamp: -1, offset: -1 }],
    }],
  };
  // deno-fmt-ignore
  const golden = [
    0, 0, 0, 1, 0, 1, 0x74,
    0, 0, 0, 1, 0, 0, 0, 0, 0, 3,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  ];
  assertEquals([...encodeListOffsetsResponse(res, 1)], golden);
  assertEquals([...encodeListOffsetsResponse(res, 2)], [0, 0, 0, 0, ...golden]);
});
