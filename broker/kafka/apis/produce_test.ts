import { assertEquals, assertThrows } from "@std/assert";
import { WeirError } from "../../../client/protocol/mod.ts";
import { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { decodeProduceRequest, encodeProduceResponse } from "./produce.ts";

Deno.test("`decodeProduceRequest()` reads acks, topics and records as views", () => {
  const records = new Uint8Array([1, 2, 3]);
  const body = new KafkaWriter().nullableString(null).int16(-1).int32(1500)
    .int32(1).string("t").int32(2).int32(0).bytes(records).int32(4).nullableBytes(null).finish();
  assertEquals(decodeProduceRequest(new KafkaReader(body)), {
    transactionalId: null,
    acks: -1,
    timeoutMs: 1500,
    topics: [{
      name: "t",
      partitions: [{ partition: 0, records }, { partition: 4, records: null }],
    }],
  });
});

Deno.test("`decodeProduceRequest()` rejects a records length beyond the body", () => {
  const body = new KafkaWriter().nullableString(null).int16(1).int32(0)
    .int32(1).string("t").int32(1).int32(0).int32(100).raw(new Uint8Array(3)).finish();
  const e = assertThrows(() => decodeProduceRequest(new KafkaReader(body)), WeirError);
  assertEquals(e.code, "INVALID_REQUEST");
});

Deno.test("`encodeProduceResponse()` adds log_start_offset from v5", () => {
  const res = {
    topics: [{
      name: "t",
      partitions: [{
        partition: 1,
        errorCode: 0,
        baseOffset: 7,
        logAppendTimeMs: -1,
        logStartOffset: -1,
      }],
    }],
  };
  const v3 = encodeProduceResponse(res, 3);
  const v5 = encodeProduceResponse(res, 5);
  assertEquals(v5.byteLength - v3.byteLength, 8);
  // deno-fmt-ignore
  const golden = [
    0, 0, 0, 1, 0, 1, 0x74, // [ "t"
    0, 0, 0, 1, 0, 0, 0, 1, 0, 0, // [ partition 1, error 0
    0, 0, 0, 0, 0, 0, 0, 7, // base_offset
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // log_append_time
    0, 0, 0, 0, // throttle
  ];
  assertEquals([...v3], golden);
});
