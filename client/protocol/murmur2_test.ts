import { assertEquals, assertThrows } from "@std/assert";
import { WeirError } from "./errors.ts";
import { murmur2, partitionForKey, toPositive } from "./murmur2.ts";

const enc = new TextEncoder();

Deno.test("murmur2() matches Kafka's UtilsTest.testMurmur2 vectors", () => {
  // From apache/kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java
  const cases: [Uint8Array, number][] = [
    [enc.encode("21"), -973932308],
    [enc.encode("foobar"), -790332482],
    [enc.encode("a-little-bit-long-string"), -985981536],
    [enc.encode("a-little-bit-longer-string"), -1486304829],
    [enc.encode("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971],
    [new Uint8Array([97, 98, 99]), 479470107],
  ];
  for (const [key, expected] of cases) assertEquals(murmur2(key), expected);
});

Deno.test("murmur2() hashes bytes >= 0x80 as Java's masked bytes", () => {
  // Tail bytes (length % 4 = 1, 2, 3) and a full block, all with the high bit set, must differ
  // from each other and stay int32.
  const seen = new Set<number>();
  for (let len = 0; len <= 5; len++) {
    const h = murmur2(new Uint8Array(len).fill(0xff));
    assertEquals(h | 0, h);
    seen.add(h);
  }
  assertEquals(seen.size, 6);
});

Deno.test("toPositive() clears only the sign bit", () => {
  assertEquals(toPositive(-1), 0x7fffffff);
  assertEquals(toPositive(-973932308), -973932308 & 0x7fffffff);
  assertEquals(toPositive(-2147483648), 0);
  assertEquals(toPositive(123), 123);
});

Deno.test("partitionForKey() picks toPositive(murmur2(key)) % n", () => {
  const key = enc.encode("21");
  assertEquals(partitionForKey(key, 1), 0);
  assertEquals(partitionForKey(key, 7), (-973932308 & 0x7fffffff) % 7);
  assertEquals(partitionForKey(key, 7), 1173551340 % 7);
});

Deno.test("partitionForKey() rejects a non-positive partition count", () => {
  for (const n of [0, -1, 1.5, Number.NaN]) {
    const e = assertThrows(() => partitionForKey(enc.encode("k"), n), WeirError, "partition count");
    assertEquals(e.code, "INVALID_PARTITIONS");
  }
});
