import { assertEquals, assertThrows } from "@std/assert";
import { LeaderEpochCache } from "./leader_epoch_cache.ts";

Deno.test("`LeaderEpochCache.assign()` ignores an epoch that is not newer", () => {
  const cache = new LeaderEpochCache();
  assertEquals(cache.assign(2, 0), true);
  assertEquals(cache.assign(2, 5), false);
  assertEquals(cache.assign(1, 9), false);
  assertEquals(cache.entries, [{ epoch: 2, startOffset: 0 }]);
  assertEquals(cache.version, 1);
});

Deno.test("`LeaderEpochCache.assign()` replaces empty epochs that start at or after the new one", () => {
  const cache = new LeaderEpochCache([{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 10 }]);
  cache.assign(4, 10);
  assertEquals(cache.entries, [{ epoch: 0, startOffset: 0 }, { epoch: 4, startOffset: 10 }]);
});

Deno.test("`LeaderEpochCache.assign()` rejects a negative epoch", () => {
  assertThrows(() => new LeaderEpochCache().assign(-1, 0), RangeError);
});

Deno.test("`LeaderEpochCache.endOffsetFor()` follows Kafka's rules", () => {
  const cache = new LeaderEpochCache([
    { epoch: 1, startOffset: 5 },
    { epoch: 3, startOffset: 10 },
    { epoch: 6, startOffset: 20 },
  ]);
  // The latest epoch ends at the log end.
  assertEquals(cache.endOffsetFor(6, 25), { epoch: 6, endOffset: 25 });
  // A known epoch ends where the next starts.
  assertEquals(cache.endOffsetFor(3, 25), { epoch: 3, endOffset: 20 });
  // An unknown epoch between known ones answers the largest epoch below it.
  assertEquals(cache.endOffsetFor(4, 25), { epoch: 3, endOffset: 20 });
  // An epoch older than every entry ends where the first entry starts.
  assertEquals(cache.endOffsetFor(0, 25), { epoch: 0, endOffset: 5 });
  // Newer than everything, or undefined: undefined.
  assertEquals(cache.endOffsetFor(7, 25), { epoch: -1, endOffset: -1 });
  assertEquals(cache.endOffsetFor(-1, 25), { epoch: -1, endOffset: -1 });
  assertEquals(new LeaderEpochCache().endOffsetFor(0, 0), { epoch: -1, endOffset: -1 });
});

Deno.test("`LeaderEpochCache.truncateFromEnd()` drops epochs starting at or after the cut", () => {
  const cache = new LeaderEpochCache([
    { epoch: 1, startOffset: 0 },
    { epoch: 2, startOffset: 10 },
    { epoch: 3, startOffset: 15 },
  ]);
  cache.truncateFromEnd(10);
  assertEquals(cache.entries, [{ epoch: 1, startOffset: 0 }]);
  assertEquals(cache.latestEpoch, 1);
  assertEquals(cache.version, 1);
  cache.truncateFromEnd(50);
  assertEquals(cache.version, 1);
});

Deno.test("`LeaderEpochCache.truncateFromStart()` moves the first kept epoch to the new start", () => {
  const cache = new LeaderEpochCache([
    { epoch: 1, startOffset: 0 },
    { epoch: 2, startOffset: 10 },
    { epoch: 3, startOffset: 15 },
  ]);
  cache.truncateFromStart(12);
  assertEquals(cache.entries, [{ epoch: 2, startOffset: 12 }, { epoch: 3, startOffset: 15 }]);
  cache.truncateFromStart(15);
  assertEquals(cache.entries, [{ epoch: 3, startOffset: 15 }]);
  assertEquals(cache.epochAt(14), -1);
  assertEquals(cache.epochAt(99), 3);
});
