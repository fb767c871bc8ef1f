import { assertEquals, assertRejects } from "@std/assert";
import { mapBounded } from "./map_bounded.ts";

Deno.test("`mapBounded()` keeps at most `limit` calls in flight and the input order", async () => {
  let inFlight = 0;
  let most = 0;
  const gates: PromiseWithResolvers<void>[] = [];
  const run = mapBounded([5, 4, 3, 2, 1, 0], async (n) => {
    inFlight++;
    most = Math.max(most, inFlight);
    const gate = Promise.withResolvers<void>();
    gates.push(gate);
    await gate.promise;
    inFlight--;
    return n * 10;
  }, { limit: 2 });
  // Release gates one at a time, newest first, until all six ran.
  for (let released = 0; released < 6; released++) {
    while (gates.length === 0) await Promise.resolve();
    gates.pop()!.resolve();
    await Promise.resolve();
  }
  assertEquals(await run, [50, 40, 30, 20, 10, 0]);
  assertEquals(most, 2);
});

Deno.test("`mapBounded()` rejects with the first failure and handles no items", async () => {
  await assertRejects(
    () =>
      mapBounded([1, 2], (n) => n === 2 ? Promise.reject(new Error("bad 2")) : Promise.resolve(n), {
        limit: 4,
      }),
    Error,
    "bad 2",
  );
  assertEquals(await mapBounded([], () => Promise.resolve(1), { limit: 0 }), []);
});
