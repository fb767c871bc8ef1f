import { assertEquals, assertThrows } from "@std/assert";
import { OffsetIndex } from "./offset_index.ts";

Deno.test("`OffsetIndex.lookup()` finds the floor entry by binary search", () => {
  const index = new OffsetIndex(1000);
  for (let i = 0; i < 500; i++) index.append(1000 + i * 10, i * 4096);
  assertEquals(index.entries, 500);
  assertEquals(index.lookup(999), { offset: 1000, position: 0 });
  assertEquals(index.lookup(1000), { offset: 1000, position: 0 });
  assertEquals(index.lookup(1255), { offset: 1250, position: 25 * 4096 });
  assertEquals(index.lookup(99999), { offset: 1000 + 4990, position: 499 * 4096 });
});

Deno.test("`OffsetIndex.append()` ignores entries that do not increase", () => {
  const index = new OffsetIndex(0);
  index.append(5, 100);
  index.append(5, 200);
  index.append(6, 100);
  assertEquals(index.entries, 1);
});

Deno.test("`OffsetIndex.fromBytes()` round-trips and rejects malformed files", () => {
  const index = new OffsetIndex(7);
  index.append(7, 0);
  index.append(20, 4100);
  const loaded = OffsetIndex.fromBytes(7, index.bytes.slice(), { logSize: 5000 });
  if (typeof loaded === "string") throw new Error(loaded);
  assertEquals(loaded.lookup(25), { offset: 20, position: 4100 });
  assertEquals(
    typeof OffsetIndex.fromBytes(7, index.bytes.slice(0, 12), { logSize: 5000 }),
    "string",
  );
  assertEquals(typeof OffsetIndex.fromBytes(7, index.bytes.slice(), { logSize: 4100 }), "string");
  const swapped = new Uint8Array([...index.bytes.slice(8), ...index.bytes.slice(0, 8)]);
  assertEquals(typeof OffsetIndex.fromBytes(7, swapped, { logSize: 5000 }), "string");
});

Deno.test("`OffsetIndex.truncateToPosition()` drops entries at or past the cut", () => {
  const index = new OffsetIndex(0);
  index.append(0, 0);
  index.append(10, 100);
  index.append(20, 200);
  index.truncateToPosition(100);
  assertEquals(index.last, { offset: 0, position: 0 });
});

Deno.test("`OffsetIndex.append()` rejects a relative offset past int32", () => {
  const index = new OffsetIndex(0);
  assertThrows(() => index.append(2 ** 31, 0), RangeError);
});
