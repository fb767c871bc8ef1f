import { assertEquals } from "@std/assert";
import { TimeIndex } from "./time_index.ts";

Deno.test("`TimeIndex.scanStart()` starts after the last entry older than the target", () => {
  const index = new TimeIndex(100);
  index.append(1_700_000_000_000, 109);
  index.append(1_700_000_001_000, 119);
  index.append(1_700_000_002_000, 129);
  assertEquals(index.scanStart(1_600_000_000_000), 100);
  assertEquals(index.scanStart(1_700_000_000_000), 100);
  assertEquals(index.scanStart(1_700_000_000_001), 110);
  assertEquals(index.scanStart(1_700_000_005_000), 130);
});

Deno.test("`TimeIndex.append()` keeps timestamps and offsets strictly increasing", () => {
  const index = new TimeIndex(0);
  index.append(10, 5);
  index.append(10, 6);
  index.append(9, 7);
  index.append(11, 5);
  assertEquals(index.entries, 1);
  index.append(11, 6);
  assertEquals(index.last, { timestamp: 11, offset: 6 });
});

Deno.test("`TimeIndex.fromBytes()` round-trips int64 timestamps and rejects bad files", () => {
  const index = new TimeIndex(0);
  index.append(2 ** 40 + 3, 1);
  index.append(2 ** 41, 9);
  const loaded = TimeIndex.fromBytes(0, index.bytes.slice(), { maxOffset: 9 });
  if (typeof loaded === "string") throw new Error(loaded);
  assertEquals(loaded.last, { timestamp: 2 ** 41, offset: 9 });
  assertEquals(typeof TimeIndex.fromBytes(0, index.bytes.slice(), { maxOffset: 8 }), "string");
  assertEquals(typeof TimeIndex.fromBytes(0, index.bytes.slice(0, 13), { maxOffset: 9 }), "string");
});

Deno.test("`TimeIndex.truncateToOffset()` drops entries at or past the offset", () => {
  const index = new TimeIndex(0);
  index.append(1, 1);
  index.append(2, 5);
  index.truncateToOffset(5);
  assertEquals(index.entries, 1);
});
