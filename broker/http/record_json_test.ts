import { assertEquals, assertThrows } from "@std/assert";
import {
  decodeRecords,
  encodeRecordBatch,
  iterateBatches,
  partitionForKey,
  setBaseOffset,
  WeirError,
} from "../../client/protocol/mod.ts";
import {
  decodeFetchedRecords,
  encodeProduceRecords,
  formatRecord,
  offsetsInRequestOrder,
} from "./record_json.ts";

const utf8 = new TextEncoder();
const base = { partitions: 4, maxBatchBytes: 1 << 20, now: () => 7, random: () => 0.99 };

function decodeAll(bytes: Uint8Array) {
  return [...iterateBatches(bytes)].flatMap(({ pos }) => decodeRecords(bytes, pos));
}

Deno.test("`encodeProduceRecords()` stores JSON text, base64 bytes, headers and timestamps", () => {
  const plan = encodeProduceRecords([
    { key: "k", value: "a", headers: { h: "v" } },
    { keyBase64: "AP8=", valueBase64: "AAEC", timestamp: 5, partition: 0 },
    { value: null, partition: 0 },
  ], { ...base, partitions: 1 });
  assertEquals(plan.length, 1);
  const records = decodeAll(plan[0]!.batches);
  assertEquals(new TextDecoder().decode(records[0]!.value!), '"a"');
  assertEquals(records[0]!.headers.map((h) => [h.key, new TextDecoder().decode(h.value!)]), [[
    "h",
    "v",
  ]]);
  assertEquals(records[0]!.timestamp, 7);
  assertEquals([...records[1]!.key!], [0, 255]);
  assertEquals([...records[1]!.value!], [0, 1, 2]);
  assertEquals(records[1]!.timestamp, 5);
  assertEquals(records[2]!.value, null);
});

Deno.test("`encodeProduceRecords()` partitions by murmur2, explicit index, else one sticky pick", () => {
  const plan = encodeProduceRecords([
    { key: "user-1", value: 1 },
    { value: 2 },
    { value: 3, partition: 1 },
    { value: 4 },
  ], base);
  const where = new Map<number, number>();
  for (const p of plan) for (const i of p.recordIndexes) where.set(i, p.partition);
  assertEquals(where.get(0), partitionForKey(utf8.encode("user-1"), 4));
  assertEquals(where.get(1), 3, "random 0.99 of 4 partitions");
  assertEquals(where.get(3), 3, "sticky for the whole request");
  assertEquals(where.get(2), 1);
  const offsets = offsetsInRequestOrder(plan, plan.map((p) => p.partition * 100));
  assertEquals(offsets.map((o) => o.partition), [0, 1, 2, 3].map((i) => where.get(i)!));
});

Deno.test("`encodeProduceRecords()` rejects bad records with INVALID_RECORD", () => {
  const bad = [
    { value: 1, partition: 4 },
    { valueBase64: "@@" },
    { keyBase64: "!", value: 1 },
    { key: "a", keyBase64: "AA==", value: 1 },
    { value: 1, valueBase64: "AA==" },
    {},
  ];
  for (const record of bad) {
    const e = assertThrows(() => encodeProduceRecords([{ value: 0 }, record], base), WeirError);
    assertEquals(e.code, "INVALID_RECORD");
    assertEquals(e.message.startsWith("Cannot produce record 1:"), true, e.message);
  }
});

Deno.test("`encodeProduceRecords()` splits batches over the limit and refuses a lone giant", () => {
  const records = Array.from({ length: 16 }, (_, i) => ({ value: `value-${i}`.padEnd(40, ".") }));
  const plan = encodeProduceRecords(records, { ...base, partitions: 1, maxBatchBytes: 200 });
  const batches = [...iterateBatches(plan[0]!.batches)];
  assertEquals(batches.length > 1, true);
  for (const b of batches) assertEquals(b.size <= 200, true);
  assertEquals(decodeAll(plan[0]!.batches).length, 16);
  const e = assertThrows(
    () => encodeProduceRecords([{ value: "x".repeat(500) }], { ...base, maxBatchBytes: 200 }),
    WeirError,
  );
  assertEquals(e.code, "RECORD_TOO_LARGE");
});

Deno.test("`formatRecord()` shows json, string and binary forms", () => {
  const rec = (value: Uint8Array | null, key: Uint8Array | null = null) => ({
    offset: 3,
    timestamp: 9,
    key,
    value,
    headers: [{ key: "n", value: null }],
  });
  assertEquals(formatRecord(rec(utf8.encode('{"a":1}'), utf8.encode("k")), "json"), {
    offset: 3,
    timestamp: 9,
    headers: { n: "" },
    key: "k",
    value: { a: 1 },
  });
  assertEquals(formatRecord(rec(utf8.encode("plain")), "json").valueBase64, btoa("plain"));
  assertEquals(formatRecord(rec(new Uint8Array([0xff])), "string").valueBase64, "/w==");
  assertEquals(formatRecord(rec(utf8.encode('"a"')), "string").value, '"a"');
  const bin = formatRecord(rec(utf8.encode("v"), new Uint8Array([1])), "binary");
  assertEquals([bin.keyBase64, bin.valueBase64, bin.key, bin.value], [
    "AQ==",
    "dg==",
    undefined,
    undefined,
  ]);
  assertEquals(formatRecord(rec(null), "json").value, null);
});

Deno.test("`decodeFetchedRecords()` skips records before the offset and stops at maxRecords", async () => {
  const batch = encodeRecordBatch([0, 1, 2, 3].map((n) => ({ value: utf8.encode(String(n)) })));
  setBaseOffset(batch, 0, 10);
  const got = await decodeFetchedRecords(batch, { fromOffset: 11, maxRecords: 2, format: "json" });
  assertEquals(got.map((r) => [r.offset, r.value]), [[11, 1], [12, 2]]);
  assertEquals(
    (await decodeFetchedRecords(batch, { fromOffset: 99, maxRecords: 5, format: "json" })).length,
    0,
  );
});

Deno.test("`encodeProduceRecords()` with requireKeys refuses a keyless record before encoding any", () => {
  const e = assertThrows(
    () =>
      encodeProduceRecords([{ key: "k", value: 1 }, { value: 2 }], {
        partitions: 4,
        maxBatchBytes: 1 << 20,
        now: () => 1,
        random: () => 0,
        requireKeys: true,
      }),
    WeirError,
  );
  assertEquals(e.code, "INVALID_RECORD");
  assertEquals(e.message.includes("needs a key"), true, e.message);
});
