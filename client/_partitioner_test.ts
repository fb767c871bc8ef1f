import { assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { Partitioner } from "./_partitioner.ts";
import { partitionForKey, WeirError } from "./protocol/mod.ts";

const utf8 = new TextEncoder();

function seeded(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

Deno.test("Partitioner.choose() uses an explicit partition and rejects one the topic lacks", () => {
  const p = new Partitioner(seeded([0]));
  assertEquals(p.choose("t", 4, { partition: 3, key: utf8.encode("k") }), 3);
  const err = assertThrows(() => p.choose("t", 4, { partition: 4, key: null }), WeirError);
  assertEquals(err.code, "INVALID_RECORD");
  assertThrows(() => p.choose("t", 4, { partition: -1, key: null }), WeirError);
});

Deno.test("Partitioner.choose() places keys as Kafka's murmur2 partitioner does", () => {
  const p = new Partitioner(seeded([0.99]));
  for (const k of ["a", "foobar", "o-1", "long key with spaces"]) {
    const key = utf8.encode(k);
    assertEquals(p.choose("t", 7, { key }), partitionForKey(key, 7));
  }
});

Deno.test("Partitioner keeps null keys sticky until a batch for that partition is sent", () => {
  const p = new Partitioner(seeded([0.5, 0.0]));
  const first = p.choose("t", 4, { key: null });
  assertEquals(first, 2);
  assertEquals(p.choose("t", 4, { key: null }), 2);
  p.batchSent("t", 1, 4); // another partition: no switch
  assertEquals(p.choose("t", 4, { key: null }), 2);
  p.batchSent("t", 2, 4);
  const next = p.choose("t", 4, { key: null });
  assertNotEquals(next, 2);
  assertEquals(next, 3);
  assertEquals(p.choose("u", 1, { key: null }), 0, "sticky state is per topic");
});
