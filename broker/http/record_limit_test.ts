import { assertEquals, assertThrows } from "@std/assert";
import { encodeRecordBatch, WeirError } from "../../client/protocol/mod.ts";
import { checkRecordLimit } from "./record_limit.ts";

function batch(n: number): Uint8Array {
  return encodeRecordBatch(Array.from({ length: n }, () => ({ value: null })), { now: 1 });
}

Deno.test("`checkRecordLimit()` sums record counts across batches", () => {
  const two = new Uint8Array([...batch(3), ...batch(4)]);
  checkRecordLimit(two, { maxRecords: 7 });
  const e = assertThrows(
    () => checkRecordLimit(two, { maxRecords: 6, where: "Cannot x" }),
    WeirError,
  );
  assertEquals(e.code, "INVALID_REQUEST");
  assertEquals(e.message, "Cannot x: the request holds more than 6 records");
});

Deno.test("`checkRecordLimit()` refuses 100,001 records by default", () => {
  const e = assertThrows(() => checkRecordLimit(batch(100_001)), WeirError);
  assertEquals(e.code, "INVALID_REQUEST");
  checkRecordLimit(batch(100_000));
});

Deno.test("`checkRecordLimit()` leaves malformed bytes to validation", () => {
  checkRecordLimit(new Uint8Array([1, 2, 3]));
  const lying = batch(1);
  new DataView(lying.buffer).setInt32(8, 0x7fffffff);
  checkRecordLimit(lying);
});
