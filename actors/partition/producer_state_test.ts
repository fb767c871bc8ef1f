import { assertEquals, assertThrows } from "@std/assert";
import { WeirError } from "../../client/protocol/mod.ts";
import { ProducerState } from "./producer_state.ts";

const batch = (seq: number, count: number, epoch = 0, producerId = 7) => ({
  producerId,
  producerEpoch: epoch,
  baseSequence: seq,
  lastOffsetDelta: count - 1,
});

Deno.test("ProducerState.check() accepts the next sequence and answers a retry with its offsets", () => {
  const state = new ProducerState();
  assertEquals(state.check(batch(0, 10), "t-0"), { kind: "append" });
  state.record(batch(0, 10), 100);
  assertEquals(state.check(batch(10, 5), "t-0"), { kind: "append" });
  state.record(batch(10, 5), 110);
  assertEquals(state.check(batch(0, 10), "t-0"), {
    kind: "duplicate",
    baseOffset: 100,
    lastOffset: 109,
  });
  assertEquals(state.check(batch(10, 5), "t-0"), {
    kind: "duplicate",
    baseOffset: 110,
    lastOffset: 114,
  });
});

Deno.test("ProducerState.check() refuses a gap with OUT_OF_ORDER_SEQUENCE_NUMBER", () => {
  const state = new ProducerState();
  state.record(batch(0, 10), 0);
  const e = assertThrows(() => state.check(batch(11, 1), "t-0"), WeirError);
  assertEquals(e.code, "OUT_OF_ORDER_SEQUENCE_NUMBER");
});

Deno.test("ProducerState.check() fences an older epoch and wants sequence 0 for a newer one", () => {
  const state = new ProducerState();
  state.record(batch(0, 3, 2), 0);
  assertEquals(
    assertThrows(() => state.check(batch(3, 1, 1), "t-0"), WeirError).code,
    "INVALID_PRODUCER_EPOCH",
  );
  assertEquals(
    assertThrows(() => state.check(batch(5, 1, 3), "t-0"), WeirError).code,
    "OUT_OF_ORDER_SEQUENCE_NUMBER",
  );
  assertEquals(state.check(batch(0, 1, 3), "t-0"), { kind: "append" });
});

Deno.test("ProducerState keeps only the last five batches and survives snapshot/restore", () => {
  const state = new ProducerState();
  for (let i = 0; i < 7; i++) state.record(batch(i, 1), i);
  // The two oldest are forgotten: a retry of batch 0 is now out of order, not a duplicate.
  assertEquals(
    assertThrows(() => state.check(batch(0, 1), "t-0"), WeirError).code,
    "OUT_OF_ORDER_SEQUENCE_NUMBER",
  );
  const restored = ProducerState.restore(state.snapshot());
  assertEquals(restored.check(batch(6, 1), "t-0"), {
    kind: "duplicate",
    baseOffset: 6,
    lastOffset: 6,
  });
  assertEquals(restored.check(batch(7, 1), "t-0"), { kind: "append" });
  assertEquals(restored.offset, 7);
});

Deno.test("ProducerState ignores non-idempotent batches and wraps sequences at 2^31", () => {
  const state = new ProducerState();
  assertEquals(state.check(batch(-1, 3, -1, -1), "t-0"), { kind: "append" });
  state.record(batch(2 ** 31 - 2, 2), 0);
  assertEquals(state.check(batch(0, 1), "t-0"), { kind: "append" });
  state.truncateTo(0);
  assertEquals(state.size, 0);
});
