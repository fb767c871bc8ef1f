import { assertEquals, assertThrows } from "@std/assert";
import { decodeRecords, WeirError } from "../../client/protocol/mod.ts";
import {
  applyOffsetEntries,
  decodeOffsetRecord,
  encodeOffsetEntries,
  type OffsetMap,
} from "./offsets_codec.ts";

const enc = new TextEncoder();

Deno.test("encodeOffsetEntries() writes one batch whose records decode back", () => {
  const batch = encodeOffsetEntries("g", [
    { topic: "t", partition: 1, value: { offset: 5, metadata: "m", commitTimestamp: 9 } },
    { topic: "t", partition: 2, value: null },
  ], { now: 9 });
  const records = decodeRecords(batch);
  assertEquals(records.length, 2);
  assertEquals(new TextDecoder().decode(records[0]!.key!), '["g","t",1]');
  assertEquals(decodeOffsetRecord(records[0]!.key, records[0]!.value), {
    groupId: "g",
    topic: "t",
    partition: 1,
    value: { offset: 5, metadata: "m", commitTimestamp: 9 },
  });
  assertEquals(decodeOffsetRecord(records[1]!.key, records[1]!.value).value, null);
});

Deno.test("decodeOffsetRecord() rejects keys and values of another shape", () => {
  const key = enc.encode('["g","t",0]');
  const bad = (k: Uint8Array | null, v: Uint8Array | null) =>
    assertThrows(() => decodeOffsetRecord(k, v), WeirError, "Cannot decode a committed offset");
  bad(null, null);
  bad(enc.encode("not json"), null);
  bad(enc.encode('["g","t"]'), null);
  bad(enc.encode('["g","t",1.5]'), null);
  bad(key, enc.encode("{"));
  bad(key, enc.encode('{"offset":"1","metadata":"","commitTimestamp":0}'));
  bad(key, enc.encode("null"));
});

Deno.test("applyOffsetEntries() keeps the last write and lets tombstones delete", () => {
  const map: OffsetMap = new Map();
  const v = (offset: number) => ({ offset, metadata: "", commitTimestamp: 0 });
  applyOffsetEntries(map, [
    { topic: "t", partition: 0, value: v(1) },
    { topic: "t", partition: 1, value: v(2) },
    { topic: "t", partition: 0, value: v(3) },
    { topic: "t", partition: 1, value: null },
  ]);
  assertEquals([...map.values()].map((e) => [e.partition, e.value.offset]), [[0, 3]]);
});
