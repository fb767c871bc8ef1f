import { assertEquals, assertMatch, assertNotEquals } from "@std/assert";
import { randomIds, sequentialIds } from "./ids.ts";
import { seededRandom } from "./random.ts";

Deno.test("sequentialIds() counts from 1 per source", () => {
  const a = sequentialIds();
  const b = sequentialIds("b-");
  assertEquals([a.next(), a.next(), b.next()], ["id-1", "id-2", "b-1"]);
});

Deno.test("randomIds() gives distinct UUID v4s", () => {
  const ids = randomIds();
  const first = ids.next();
  assertMatch(first, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assertNotEquals(first, ids.next());
});

Deno.test("seededRandom() replays by seed and stays in range", () => {
  const a = seededRandom(1);
  const b = seededRandom(1);
  const c = seededRandom(2);
  const seqA = Array.from({ length: 100 }, () => a.next());
  assertEquals(seqA, Array.from({ length: 100 }, () => b.next()));
  assertNotEquals(seqA, Array.from({ length: 100 }, () => c.next()));
  for (const x of seqA) assertEquals(x >= 0 && x < 1, true);
  const ints = new Set(Array.from({ length: 200 }, () => a.int(4)));
  assertEquals([...ints].sort(), [0, 1, 2, 3]);
});
