import { assertEquals, assertThrows } from "@std/assert";
import { FakeClock, systemClock } from "./clock.ts";

Deno.test("FakeClock.advance() fires due timers in due order, ties in scheduling order", () => {
  const clock = new FakeClock(100);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30);
  clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 10);
  assertEquals(clock.advance(9), 0);
  assertEquals(clock.advance(21), 3);
  assertEquals(fired, ["a@110", "b@110", "c@130"]);
  assertEquals(clock.now(), 130);
});

Deno.test("FakeClock.advance() fires timers scheduled by timers within the window", () => {
  const clock = new FakeClock();
  const fired: number[] = [];
  clock.setTimeout(() => {
    fired.push(clock.now());
    clock.setTimeout(() => fired.push(clock.now()), 5);
    clock.setTimeout(() => fired.push(clock.now()), 50);
  }, 5);
  clock.advance(20);
  assertEquals(fired, [5, 10]);
  assertEquals(clock.pendingTimers, 1);
  clock.advance(35);
  assertEquals(fired, [5, 10, 55]);
});

Deno.test("FakeClock.clearTimeout() cancels, ignores unknown handles", () => {
  const clock = new FakeClock();
  let fired = 0;
  const handle = clock.setTimeout(() => fired++, 1);
  clock.clearTimeout(handle);
  clock.clearTimeout(12345);
  clock.setTimeout(() => fired++, -5); // negative delay: due now
  clock.advance(0);
  assertEquals(fired, 1);
});

Deno.test("FakeClock.advance() rejects negative or non-finite steps", () => {
  const clock = new FakeClock();
  assertThrows(() => clock.advance(-1), RangeError, "Cannot advance");
  assertThrows(() => clock.advance(Number.NaN), RangeError, "Cannot advance");
});

Deno.test("systemClock.setTimeout() fires and clearTimeout() cancels", async () => {
  const order: string[] = [];
  const cancelled = systemClock.setTimeout(() => order.push("cancelled"), 1);
  systemClock.clearTimeout(cancelled);
  await new Promise<void>((resolve) => systemClock.setTimeout(() => resolve(), 2));
  assertEquals(order, []);
});
