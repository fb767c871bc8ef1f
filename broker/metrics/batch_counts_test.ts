import { assertEquals } from "@std/assert";
import { encodeRecordBatch } from "../../client/protocol/mod.ts";
import { countBatches } from "./batch_counts.ts";

const value = new TextEncoder().encode("value");

Deno.test("`countBatches()` sums record counts and sizes of concatenated batches", () => {
  const a = encodeRecordBatch([{ value }, { value }, { value }], { now: 5 });
  const b = encodeRecordBatch([{ value: null }], { now: 5 });
  assertEquals(countBatches(new Uint8Array([...a, ...b])), {
    records: 4,
    bytes: a.length + b.length,
  });
  assertEquals(countBatches(new Uint8Array(0)), { records: 0, bytes: 0 });
});

Deno.test("`countBatches()` stops at a partial tail", () => {
  const a = encodeRecordBatch([{ value }, { value }], { now: 5 });
  const b = encodeRecordBatch([{ value }], { now: 5 });
  const torn = new Uint8Array([...a, ...b.subarray(0, b.length - 1)]);
  assertEquals(countBatches(torn), { records: 2, bytes: a.length });
  assertEquals(countBatches(a.subarray(0, 10)), { records: 0, bytes: 0 });
});

Deno.test("`countBatches()` stops at a batch length shorter than the header", () => {
  const bad = new Uint8Array(80);
  new DataView(bad.buffer).setInt32(8, 10); // batchLength 10 < 49
  assertEquals(countBatches(bad), { records: 0, bytes: 0 });
  const negative = new Uint8Array(80);
  new DataView(negative.buffer).setInt32(8, -100);
  assertEquals(countBatches(negative), { records: 0, bytes: 0 });
});
