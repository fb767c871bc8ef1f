import { assertEquals } from "@std/assert";
import { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { decodeFetchRequest, encodeFetchResponse } from "./fetch.ts";

function request(version: number): Uint8Array {
  const w = new KafkaWriter();
  w.int32(-1).int32(500).int32(1).int32(52428800).int8(0);
  if (version >= 7) w.int32(0).int32(-1);
  w.int32(1).string("t").int32(1).int32(3);
  if (version >= 9) w.int32(-1);
  w.int64(42);
  if (version >= 5) w.int64(-1);
  w.int32(1048576);
  if (version >= 7) w.int32(0);
  if (version >= 11) w.string("rack");
  return w.finish();
}

Deno.test("`decodeFetchRequest()` reads every version from 4 to 11 to the last byte", () => {
  for (let v = 4; v <= 11; v++) {
    const r = new KafkaReader(request(v));
    assertEquals(decodeFetchRequest(r, v), {
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      sessionId: 0,
      topics: [{ name: "t", partitions: [{ partition: 3, fetchOffset: 42, maxBytes: 1048576 }] }],
    }, `v${v}`);
    assertEquals(r.remaining, 0, `v${v}`);
  }
});

Deno.test("`encodeFetchResponse()` writes v4 golden bytes and grows fields by version", () => {
  const res = {
    errorCode: 0,
    topics: [{
      name: "t",
      partitions: [{
        partition: 0,
        errorCode: 0,
        highWatermark: 2,
        logStartOffset: 0,
        records: new Uint8Array([9, 9]),
      }],
    }],
  };
  // deno-fmt-ignore
  const golden = [
    0, 0, 0, 0, // throttle
    0, 0, 0, 1, 0, 1, 0x74,
    0, 0, 0, 1, 0, 0, 0, 0, 0, 0, // partition 0, error 0
    0, 0, 0, 0, 0, 0, 0, 2, // high watermark
    0, 0, 0, 0, 0, 0, 0, 2, // last stable offset
    0xff, 0xff, 0xff, 0xff, // aborted: null
    0, 0, 0, 2, 9, 9, // records
  ];
  assertEquals([...encodeFetchResponse(res, 4)], golden);
  const size = (v: number) => encodeFetchResponse(res, v).byteLength;
  assertEquals(size(5) - size(4), 8); // log_start_offset
  assertEquals(size(7) - size(5), 6); // error_code, session_id
  assertEquals(size(11) - size(7), 4); // preferred_read_replica
});
