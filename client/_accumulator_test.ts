import { assertEquals, assertGreater } from "@std/assert";
import {
  Accumulator,
  estimateRecordSize,
  type PendingRecord,
  splitBatches,
} from "./_accumulator.ts";
import { BATCH_HEADER_SIZE, encodeRecordBatch } from "./protocol/mod.ts";

function fakeTimers(): {
  schedule: (fn: () => void, ms: number) => () => void;
  fire: () => void;
  count: () => number;
} {
  const timers = new Map<number, () => void>();
  let id = 0;
  return {
    schedule: (fn) => {
      const my = ++id;
      timers.set(my, fn);
      return () => timers.delete(my);
    },
    fire: () => {
      const fns = [...timers.values()];
      timers.clear();
      for (const fn of fns) fn();
    },
    count: () => timers.size,
  };
}

function pending(bytes: number, n: number): PendingRecord<number> {
  const record = { value: new Uint8Array(bytes), timestamp: 0 };
  return { record, size: estimateRecordSize(record), waiter: n };
}

Deno.test("estimateRecordSize() is never below the encoded size", () => {
  for (const size of [0, 1, 100, 5000]) {
    const record = {
      key: new Uint8Array(7),
      value: new Uint8Array(size),
      headers: [{ key: "h", value: new Uint8Array(3) }],
    };
    const encoded = encodeRecordBatch([record]).length - BATCH_HEADER_SIZE;
    assertGreater(estimateRecordSize(record) + 1, encoded);
  }
});

Deno.test("splitBatches() keeps order, fits the budget and lets an oversize record go alone", () => {
  const items = [10, 10, 10, 500, 10].map((size, i) => ({ size, i }));
  const groups = splitBatches(items, BATCH_HEADER_SIZE + 25);
  assertEquals(groups.map((g) => g.map((x) => x.i)), [[0, 1], [2], [3], [4]]);
  assertEquals(splitBatches([], 100), []);
});

Deno.test("Accumulator holds records for lingerMs, then drains them as one batch", () => {
  const timers = fakeTimers();
  const drained: number[][][] = [];
  const acc = new Accumulator<number>({
    lingerMs: 5,
    maxBatchBytes: 1 << 20,
    schedule: timers.schedule,
    onDrain: (_key, groups) => drained.push(groups.map((g) => g.map((r) => r.waiter))),
  });
  acc.append("a", pending(10, 1));
  acc.append("a", pending(10, 2));
  acc.append("b", pending(10, 3));
  assertEquals(drained, []);
  assertEquals(acc.size, 3);
  assertEquals(timers.count(), 2, "one linger timer per partition");
  timers.fire();
  assertEquals(drained, [[[1, 2]], [[3]]]);
  assertEquals(acc.size, 0);
});

Deno.test("Accumulator drains at once when a partition reaches maxBatchBytes", () => {
  const timers = fakeTimers();
  const drained: number[][][] = [];
  const acc = new Accumulator<number>({
    lingerMs: 1000,
    maxBatchBytes: 400,
    schedule: timers.schedule,
    onDrain: (_key, groups) => drained.push(groups.map((g) => g.map((r) => r.waiter))),
  });
  acc.append("a", pending(100, 1));
  assertEquals(drained.length, 0);
  acc.append("a", pending(100, 2));
  acc.append("a", pending(100, 3));
  assertEquals(drained, [[[1, 2]]], "1 and 2 leave before 3 would overflow the batch");
  assertEquals(acc.size, 1);
  assertEquals(timers.count(), 1, "the old timer is cancelled; 3 starts a new one");
  acc.append("a", pending(1000, 4));
  assertEquals(drained, [[[1, 2]], [[3]], [[4]]], "an oversize record leaves alone at once");
  assertEquals(timers.count(), 0);
});

Deno.test("Accumulator with lingerMs 0 drains each append unless held", () => {
  const drained: number[][] = [];
  const acc = new Accumulator<number>({
    lingerMs: 0,
    maxBatchBytes: 1 << 20,
    schedule: () => () => {},
    onDrain: (_key, groups) => drained.push(groups.flat().map((r) => r.waiter)),
  });
  acc.append("a", pending(1, 1));
  assertEquals(drained, [[1]]);
  acc.append("a", pending(1, 2), true);
  acc.append("a", pending(1, 3), true);
  assertEquals(drained, [[1]]);
  acc.drainAll();
  assertEquals(drained, [[1], [2, 3]]);
});
