import { assertEquals, assertThrows } from "@std/assert";
import { TokenBucket } from "./quota_bucket.ts";

Deno.test("`TokenBucket.tryTake()` allows a burst, then refills at the rate", () => {
  let now = 0;
  const bucket = new TokenBucket({ ratePerSec: 10, burst: 3, now: () => now });
  assertEquals([bucket.tryTake(1), bucket.tryTake(1), bucket.tryTake(1)], [0, 0, 0]);
  assertEquals(bucket.tryTake(1), 100, "one token every 100 ms");
  now = 50;
  assertEquals(bucket.tryTake(1), 50);
  now = 100;
  assertEquals(bucket.tryTake(1), 0);
  now = 10_000;
  assertEquals(bucket.tokens, 3, "never more than the burst");
});

Deno.test("`TokenBucket.charge()` goes into debt and `waitMs()` tells when it is paid", () => {
  let now = 0;
  const bucket = new TokenBucket({ ratePerSec: 1000, now: () => now });
  assertEquals(bucket.waitMs(), 0);
  bucket.charge(3500); // 1000 in the bucket: 2500 in debt
  assertEquals(bucket.waitMs(), 2500);
  now = 2000;
  assertEquals(bucket.waitMs(), 500);
  now = 2500;
  assertEquals(bucket.waitMs(), 0);
});

Deno.test("`TokenBucket` ignores a clock that goes backwards", () => {
  let now = 1000;
  const bucket = new TokenBucket({ ratePerSec: 1, now: () => now });
  assertEquals(bucket.tryTake(1), 0);
  now = 0;
  assertEquals(bucket.tryTake(1), 1000);
  now = 1000;
  assertEquals(bucket.tryTake(1), 1000, "no refill for time already counted");
  now = 2000;
  assertEquals(bucket.tryTake(1), 0);
});

Deno.test("`TokenBucket` refuses a rate that is not positive", () => {
  for (const ratePerSec of [0, -1, NaN, Infinity]) {
    assertThrows(() => new TokenBucket({ ratePerSec, now: () => 0 }), RangeError);
  }
});
