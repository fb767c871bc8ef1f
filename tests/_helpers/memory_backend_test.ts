import { assertEquals, assertRejects } from "@std/assert";
import {
  decodeRecords,
  encodeRecordBatch,
  iterateBatches,
  WeirError,
} from "../../client/protocol/mod.ts";
import { MemoryBackend, type Schedule } from "./memory_backend.ts";

const utf8 = new TextEncoder();
const batchOf = (...values: string[]) =>
  encodeRecordBatch(values.map((v, i) => ({ value: utf8.encode(v), timestamp: 100 + i })));
const fetchOpts = { maxBytes: 1 << 20, maxRecords: 1000, waitMs: 0 };

async function rejectsWithCode(fn: () => Promise<unknown>, code: string): Promise<void> {
  const e = await assertRejects(fn, WeirError);
  assertEquals(e.code, code);
}

/** A timer that fires only when the test says so. */
function manualTimers(): { schedule: Schedule; fireAll: () => void; pending: () => number } {
  const timers = new Set<() => void>();
  return {
    schedule: (fn) => {
      timers.add(fn);
      return () => timers.delete(fn);
    },
    fireAll: () => {
      for (const fn of [...timers]) {
        timers.delete(fn);
        fn();
      }
    },
    pending: () => timers.size,
  };
}

Deno.test("`MemoryBackend.appendBatches()` assigns consecutive offsets across batches", async () => {
  await using backend = new MemoryBackend();
  await backend.createTopic({ name: "t", partitions: 2 });
  assertEquals(await backend.appendBatches("t", 1, batchOf("a", "b"), { acks: -1 }), {
    baseOffset: 0,
    lastOffset: 1,
  });
  const two = new Uint8Array([...batchOf("c"), ...batchOf("d", "e")]);
  assertEquals(await backend.appendBatches("t", 1, two, { acks: 1 }), {
    baseOffset: 2,
    lastOffset: 4,
  });
  const got = await backend.fetchBatches("t", 1, { ...fetchOpts, offset: 0 });
  const offsets = [...iterateBatches(got.batches)].flatMap(({ pos }) =>
    decodeRecords(got.batches, pos).map((r) => r.offset)
  );
  assertEquals(offsets, [0, 1, 2, 3, 4]);
  assertEquals([got.nextOffset, got.highWatermark, got.logStartOffset], [5, 5, 0]);
  assertEquals((await backend.describeTopic("t")).partitions.map((p) => p.highWatermark), [0, 5]);
});

Deno.test("`MemoryBackend.appendBatches()` stores nothing when any batch is bad", async () => {
  await using backend = new MemoryBackend();
  await backend.createTopic({ name: "t" });
  const good = batchOf("a");
  const flipped = good.slice();
  flipped[flipped.length - 1]! ^= 1;
  for (
    const bad of [
      new Uint8Array(0),
      good.subarray(0, 20),
      new Uint8Array([...good, ...flipped]),
      new Uint8Array([...good, 1]),
    ]
  ) {
    await rejectsWithCode(() => backend.appendBatches("t", 0, bad, { acks: -1 }), "INVALID_RECORD");
  }
  assertEquals((await backend.listOffsets("t", 0)).latest, 0);
  await backend.alterTopicConfigs("t", { "max.message.bytes": 20 });
  await rejectsWithCode(
    () => backend.appendBatches("t", 0, good, { acks: -1 }),
    "RECORD_TOO_LARGE",
  );
  await rejectsWithCode(
    () => backend.appendBatches("t", 1, good, { acks: -1 }),
    "UNKNOWN_TOPIC_OR_PARTITION",
  );
});

Deno.test("`MemoryBackend.createTopic()` validates names, counts and configs", async () => {
  await using backend = new MemoryBackend({ maxPartitions: 8 });
  await rejectsWithCode(() => backend.createTopic({ name: "../x" }), "INVALID_TOPIC_EXCEPTION");
  await rejectsWithCode(
    () => backend.createTopic({ name: "t", partitions: 9 }),
    "INVALID_PARTITIONS",
  );
  await rejectsWithCode(
    () => backend.createTopic({ name: "t", replicationFactor: 3 }),
    "INVALID_REPLICATION_FACTOR",
  );
  await rejectsWithCode(
    () => backend.createTopic({ name: "t", configs: { "retention.ms": "x" } }),
    "INVALID_CONFIG",
  );
  const d = await backend.createTopic({ name: "t", configs: { "retention.ms": "5" } });
  assertEquals(d.configs["retention.ms"], 5);
  await rejectsWithCode(() => backend.createTopic({ name: "t" }), "TOPIC_ALREADY_EXISTS");
  assertEquals((await backend.produceInfo("t")).partitions, 1);
  await backend.deleteTopic("t");
  await rejectsWithCode(() => backend.produceInfo("t"), "UNKNOWN_TOPIC_OR_PARTITION");
});

Deno.test("`MemoryBackend.fetchBatches()` answers OFFSET_OUT_OF_RANGE past the log end", async () => {
  await using backend = new MemoryBackend();
  await backend.createTopic({ name: "t" });
  await backend.appendBatches("t", 0, batchOf("a", "b"), { acks: -1 });
  await rejectsWithCode(
    () => backend.fetchBatches("t", 0, { ...fetchOpts, offset: 3 }),
    "OFFSET_OUT_OF_RANGE",
  );
  const atEnd = await backend.fetchBatches("t", 0, { ...fetchOpts, offset: 2 });
  assertEquals([atEnd.batches.length, atEnd.nextOffset], [0, 2]);
  const latest = await backend.fetchBatches("t", 0, { ...fetchOpts, offset: "latest" });
  assertEquals(latest.nextOffset, 2);
});

Deno.test("`MemoryBackend.fetchBatches()` respects maxBytes and maxRecords softly", async () => {
  await using backend = new MemoryBackend();
  await backend.createTopic({ name: "t" });
  for (const v of ["a", "b", "c"]) await backend.appendBatches("t", 0, batchOf(v), { acks: -1 });
  const oneByte = await backend.fetchBatches("t", 0, { ...fetchOpts, offset: 0, maxBytes: 1 });
  assertEquals(oneByte.nextOffset, 1, "one whole batch even over maxBytes");
  const two = await backend.fetchBatches("t", 0, { ...fetchOpts, offset: 1, maxRecords: 2 });
  assertEquals(two.nextOffset, 3);
});

Deno.test("`MemoryBackend.fetchBatches()` long-poll wakes on append, times out, and aborts", async (t) => {
  const timers = manualTimers();
  await using backend = new MemoryBackend({ schedule: timers.schedule });
  await backend.createTopic({ name: "t" });
  await t.step("an append wakes the parked fetch", async () => {
    const pending = backend.fetchBatches("t", 0, { ...fetchOpts, offset: 0, waitMs: 30_000 });
    await Promise.resolve();
    await Promise.resolve();
    assertEquals(backend.parkedFetches(), 1);
    await backend.appendBatches("t", 0, batchOf("x"), { acks: -1 });
    assertEquals((await pending).nextOffset, 1);
    assertEquals([backend.parkedFetches(), timers.pending()], [0, 0]);
  });
  await t.step("the deadline ends the wait with no data", async () => {
    const pending = backend.fetchBatches("t", 0, { ...fetchOpts, offset: 1, waitMs: 500 });
    while (timers.pending() === 0) await Promise.resolve();
    timers.fireAll();
    const got = await pending;
    assertEquals([got.batches.length, got.nextOffset], [0, 1]);
  });
  await t.step("an abort releases the fetch at once", async () => {
    const controller = new AbortController();
    const pending = backend.fetchBatches("t", 0, {
      ...fetchOpts,
      offset: 1,
      waitMs: 30_000,
      signal: controller.signal,
    });
    while (backend.parkedFetches() === 0) await Promise.resolve();
    controller.abort();
    await rejectsWithCode(() => pending, "REQUEST_ABORTED");
    assertEquals([backend.parkedFetches(), timers.pending()], [0, 0]);
  });
});

Deno.test("`MemoryBackend.listOffsets()` finds the first offset at a timestamp", async () => {
  await using backend = new MemoryBackend();
  await backend.createTopic({ name: "t" });
  await backend.appendBatches("t", 0, batchOf("a", "b", "c"), { acks: -1 }); // ts 100..102
  assertEquals(await backend.listOffsets("t", 0, { timestamp: 101 }), {
    earliest: 0,
    latest: 3,
    offsetForTimestamp: 1,
  });
  assertEquals((await backend.listOffsets("t", 0, { timestamp: 999 })).offsetForTimestamp, null);
});

Deno.test("`MemoryBackend.close()` releases parked fetches and is idempotent", async () => {
  const backend = new MemoryBackend();
  await backend.createTopic({ name: "t" });
  const pending = backend.fetchBatches("t", 0, { ...fetchOpts, offset: 0, waitMs: 30_000 });
  while (backend.parkedFetches() === 0) await Promise.resolve();
  await backend.close();
  await backend.close();
  await rejectsWithCode(() => pending, "BROKER_NOT_AVAILABLE");
  await rejectsWithCode(() => backend.listTopics(), "BROKER_NOT_AVAILABLE");
  await backend[Symbol.asyncDispose]();
});

Deno.test("`MemoryBackend.initProducer()` hands out distinct ids", async () => {
  await using backend = new MemoryBackend();
  const a = await backend.initProducer();
  const b = await backend.initProducer();
  assertEquals(a.producerEpoch, 0);
  assertEquals(b.producerId, a.producerId + 1);
});
