import { assertEquals, assertThrows } from "@std/assert";
import { DeadlineQueue, type Expirable } from "./_deadlines.ts";
import { FakeClock } from "./clock.ts";

function item(deadline: number, log: string[], name: string): Expirable {
  return { deadline, order: 0, settled: false, expire: () => log.push(name) };
}

Deno.test("`DeadlineQueue` expires items at their deadline, in deadline then arrival order", () => {
  const clock = new FakeClock(1_000);
  const queue = new DeadlineQueue(clock);
  const log: string[] = [];
  queue.add(item(1_300, log, "c"));
  queue.add(item(1_100, log, "a1"));
  queue.add(item(1_200, log, "b"));
  queue.add(item(1_100, log, "a2"));
  assertEquals(clock.pendingTimers, 1, "one timer, not one per item");
  clock.advance(99);
  assertEquals(log, []);
  clock.advance(1);
  assertEquals(log, ["a1", "a2"]);
  assertEquals(queue.size, 2);
  clock.advance(250);
  assertEquals(log, ["a1", "a2", "b", "c"]);
  assertEquals([queue.size, clock.pendingTimers], [0, 0]);
});

Deno.test("`DeadlineQueue` never expires a settled item and settling twice is harmless", () => {
  const clock = new FakeClock();
  const queue = new DeadlineQueue(clock);
  const log: string[] = [];
  const a = item(10, log, "a");
  const b = item(20, log, "b");
  queue.add(a);
  queue.add(b);
  queue.settle(a);
  queue.settle(a);
  assertEquals(queue.size, 1);
  clock.advance(30);
  assertEquals(log, ["b"]);
  assertEquals(queue.size, 0);
});

Deno.test("`DeadlineQueue` re-arms for an earlier deadline added later", () => {
  const clock = new FakeClock();
  const queue = new DeadlineQueue(clock);
  const log: string[] = [];
  queue.add(item(1_000, log, "late"));
  queue.add(item(5, log, "early"));
  clock.advance(5);
  assertEquals(log, ["early"]);
  assertEquals(clock.pendingTimers, 1);
  clock.advance(995);
  assertEquals(log, ["early", "late"]);
});

Deno.test("`DeadlineQueue` shares one timer among overlapping items and clears it when idle", () => {
  const clock = new FakeClock();
  let timersSet = 0;
  const counting = {
    now: () => clock.now(),
    setTimeout: (fn: () => void, ms: number) => (timersSet++, clock.setTimeout(fn, ms)),
    clearTimeout: (handle: unknown) => clock.clearTimeout(handle),
  };
  const queue = new DeadlineQueue(counting);
  const log: string[] = [];
  const inFlight: Expirable[] = [];
  for (let i = 0; i < 100; i++) {
    const x = item(clock.now() + 1_000, log, `x${i}`);
    queue.add(x);
    inFlight.push(x);
    if (inFlight.length === 8) queue.settle(inFlight.shift()!); // 8 asks in flight
    clock.advance(1);
  }
  assertEquals([timersSet, clock.pendingTimers], [1, 1]);
  for (const x of inFlight) queue.settle(x);
  assertEquals([queue.size, clock.pendingTimers], [0, 0], "no timer once nothing waits");
  clock.advance(10_000);
  assertEquals(log, []);
});

Deno.test("`DeadlineQueue` compacts answered items stuck behind a long deadline", () => {
  const clock = new FakeClock();
  const queue = new DeadlineQueue(clock);
  const log: string[] = [];
  queue.add(item(1_000_000, log, "parked"));
  const short: Expirable[] = [];
  for (let i = 0; i < 5_000; i++) {
    const x = item(2_000_000 + i, log, `s${i}`);
    short.push(x);
    queue.add(x);
  }
  for (const x of short.slice(0, 4_990)) queue.settle(x);
  assertEquals(queue.size, 11);
  clock.advance(3_000_000);
  assertEquals(log.length, 11);
  assertEquals(log[0], "parked");
  assertEquals(log.at(-1), "s4999");
});

Deno.test("`DeadlineQueue.clear()` cancels the timer and forgets every item", () => {
  const clock = new FakeClock();
  const queue = new DeadlineQueue(clock);
  const log: string[] = [];
  const a = item(10, log, "a");
  queue.add(a);
  queue.clear();
  assertEquals([queue.size, clock.pendingTimers, a.settled], [0, 0, true]);
  clock.advance(20);
  assertEquals(log, []);
  assertThrows(() => clock.advance(-1), RangeError);
});
