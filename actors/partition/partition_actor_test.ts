import { assert, assertEquals, assertRejects } from "@std/assert";
import {
  decodeRecords,
  type EncodeBatchOptions,
  encodeRecordBatch,
  iterateBatches,
  type TopicConfigs,
  WeirError,
} from "../../client/protocol/mod.ts";
import { type ActorRef, ActorSystem, FakeClock, sequentialIds } from "../runtime/mod.ts";
import type {
  AppendReply,
  FetchReply,
  OffsetsReply,
  PartitionInit,
  PartitionRequest,
  PartitionStatus,
} from "./messages.ts";
import { PARK_MS, PartitionActor, SNAPSHOT_FILE } from "./partition_actor.ts";
import { tempDir } from "../../tests/_helpers/temp_dir.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface HarnessOptions {
  configs?: Partial<TopicConfigs>;
  retentionCheckIntervalMs?: number;
  maxWaiters?: number;
}

/** One inline PartitionActor on a FakeClock over a real temp dir; restartable on the same dir. */
class Harness implements AsyncDisposable {
  readonly clock = new FakeClock(1_000);
  readonly root: string;
  readonly dir: string;
  readonly #options: HarnessOptions;
  #system: ActorSystem | null = null;
  #ref: ActorRef<PartitionRequest> | null = null;

  private constructor(root: string, options: HarnessOptions) {
    this.root = root;
    this.dir = `${root}/t-0`;
    this.#options = options;
  }

  static async open(options: HarnessOptions = {}): Promise<Harness> {
    const h = new Harness(await Deno.makeTempDir({ prefix: "weir-partition-" }), options);
    try {
      await h.start();
    } catch (e) {
      await h[Symbol.asyncDispose]();
      throw e;
    }
    return h;
  }

  get ref(): ActorRef<PartitionRequest> {
    assert(this.#ref !== null, "the actor is not running");
    return this.#ref;
  }

  async start(): Promise<void> {
    const system = new ActorSystem({
      clock: this.clock,
      ids: sequentialIds("id-"),
      makeError: (code, message) => new WeirError(code, message),
    });
    this.#system = system;
    const init: PartitionInit = {
      topic: "t",
      partition: 0,
      dir: this.dir,
      configs: this.#options.configs ?? {},
      retentionCheckIntervalMs: this.#options.retentionCheckIntervalMs ?? 60_000,
    };
    if (this.#options.maxWaiters !== undefined) init.maxWaiters = this.#options.maxWaiters;
    this.#ref = await system.spawn<PartitionInit>({
      kind: "partition",
      id: "t-0",
      host: { inline: (i) => new PartitionActor(i) },
      init,
    });
  }

  /** Stops the whole system (the actor's stop hook runs). */
  async stop(): Promise<void> {
    const system = this.#system;
    this.#system = null;
    this.#ref = null;
    await system?.close();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  ask<R>(message: PartitionRequest): Promise<R> {
    return this.ref.ask<R>(message);
  }

  append(batches: Uint8Array, acks: 0 | 1 | -1 = 1): Promise<AppendReply> {
    return this.ask<AppendReply>({ type: "append", batches, acks });
  }

  fetch(
    offset: number | "earliest" | "latest",
    options: { maxBytes?: number; maxRecords?: number; waitMs?: number; fetchId?: string } = {},
  ): Promise<FetchReply> {
    const request: PartitionRequest = {
      type: "fetch",
      offset,
      maxBytes: options.maxBytes ?? 1024 * 1024,
      maxRecords: options.maxRecords ?? 10_000,
      waitMs: options.waitMs ?? 0,
    };
    if (options.fetchId !== undefined) request.fetchId = options.fetchId;
    return this.ask<FetchReply>(request);
  }

  status(): Promise<PartitionStatus> {
    return this.ask<PartitionStatus>({ type: "status" });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
    await Deno.remove(this.root, { recursive: true }).catch(() => {});
  }
}

/** A batch of `count` records with values `<prefix>0..`, stamped at `options.now`. */
function batch(
  count: number,
  options: EncodeBatchOptions & { prefix?: string } = {},
): Uint8Array {
  const { prefix = "v", ...encode } = options;
  const records = Array.from({ length: count }, (_, i) => ({
    key: encoder.encode(`k${i}`),
    value: encoder.encode(`${prefix}${i}`),
  }));
  return encodeRecordBatch(records, { now: 1_000, ...encode });
}

/** Offsets and values of every record in concatenated batches. */
function recordsOf(bytes: Uint8Array): { offset: number; value: string }[] {
  const out: { offset: number; value: string }[] = [];
  for (const { pos } of iterateBatches(bytes)) {
    for (const r of decodeRecords(bytes, pos)) {
      out.push({ offset: r.offset, value: r.value === null ? "<null>" : decoder.decode(r.value) });
    }
  }
  return out;
}

const offsetsOf = (bytes: Uint8Array): number[] => recordsOf(bytes).map((r) => r.offset);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await assertRejects(() => promise, WeirError);
  return error.code;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

Deno.test("PartitionActor append with acks=1 returns contiguous base and last offsets", async () => {
  await using h = await Harness.open();
  assertEquals(await h.append(batch(3)), { baseOffset: 0, lastOffset: 2 });
  assertEquals(await h.append(batch(1)), { baseOffset: 3, lastOffset: 3 });
  assertEquals(await h.append(batch(4)), { baseOffset: 4, lastOffset: 7 });
  const status = await h.status();
  assertEquals([status.logStartOffset, status.logEndOffset, status.highWatermark], [0, 8, 8]);
  assert(status.size > 0);
});

Deno.test("PartitionActor fetch from 0 returns the appended batches", async () => {
  await using h = await Harness.open();
  await h.append(batch(2, { prefix: "a" }));
  await h.append(batch(3, { prefix: "b" }));
  const reply = await h.fetch(0);
  assertEquals(recordsOf(reply.batches), [
    { offset: 0, value: "a0" },
    { offset: 1, value: "a1" },
    { offset: 2, value: "b0" },
    { offset: 3, value: "b1" },
    { offset: 4, value: "b2" },
  ]);
  assertEquals([reply.nextOffset, reply.highWatermark, reply.logStartOffset], [5, 5, 0]);
  const earliest = await h.fetch("earliest");
  assertEquals(offsetsOf(earliest.batches), [0, 1, 2, 3, 4]);
  const atEnd = await h.fetch(5);
  assertEquals([atEnd.batches.byteLength, atEnd.nextOffset], [0, 5]);
});

Deno.test("PartitionActor fetch trims to maxRecords on batch boundaries", async () => {
  await using h = await Harness.open();
  await h.append(batch(2)); // 0..1
  await h.append(batch(3)); // 2..4
  await h.append(batch(4)); // 5..8
  const one = await h.fetch(0, { maxRecords: 1 });
  assertEquals([offsetsOf(one.batches), one.nextOffset], [[0, 1], 2]);
  const three = await h.fetch(0, { maxRecords: 3 });
  assertEquals([offsetsOf(three.batches), three.nextOffset], [[0, 1, 2, 3, 4], 5]);
  // From the middle of a batch: the whole batch comes back, the count starts at the offset.
  const mid = await h.fetch(3, { maxRecords: 2 });
  assertEquals([offsetsOf(mid.batches), mid.nextOffset], [[2, 3, 4], 5]);
  const all = await h.fetch(0, { maxRecords: 100 });
  assertEquals(all.nextOffset, 9);
  // maxBytes smaller than one batch still returns the first batch.
  const tiny = await h.fetch(0, { maxBytes: 1 });
  assertEquals([offsetsOf(tiny.batches), tiny.nextOffset], [[0, 1], 2]);
});

Deno.test("PartitionActor parks a fetch at latest and wakes it with the next append", async () => {
  await using h = await Harness.open();
  await h.append(batch(2));
  const parked = h.fetch("latest", { waitMs: 5_000 });
  assertEquals((await h.status()).waiters, 1);
  await h.append(batch(3, { prefix: "new" }));
  const reply = await parked;
  assertEquals(recordsOf(reply.batches).map((r) => r.value), ["new0", "new1", "new2"]);
  assertEquals([reply.nextOffset, reply.highWatermark], [5, 5]);
  assertEquals((await h.status()).waiters, 0);
});

Deno.test("PartitionActor answers a parked fetch empty when the clock passes waitMs", async () => {
  await using h = await Harness.open();
  await h.append(batch(2));
  let answered = false;
  const parked = h.fetch("latest", { waitMs: 500 }).finally(() => answered = true);
  assertEquals((await h.status()).waiters, 1);
  h.clock.advance(499);
  assertEquals((await h.status()).waiters, 1);
  assertEquals(answered, false);
  h.clock.advance(1);
  const reply = await parked;
  assertEquals([reply.batches.byteLength, reply.nextOffset, reply.highWatermark], [0, 2, 2]);
  assertEquals((await h.status()).waiters, 0);
});

Deno.test("PartitionActor cancelFetch answers the parked fetch empty at once and drops its timer", async () => {
  await using h = await Harness.open();
  const timersBefore = h.clock.pendingTimers;
  const parked = h.fetch("latest", { waitMs: 60_000, fetchId: "f-1" });
  assertEquals((await h.status()).waiters, 1);
  assertEquals(await h.ask<boolean>({ type: "cancelFetch", fetchId: "f-1" }), true);
  const reply = await parked;
  assertEquals([reply.batches.byteLength, reply.nextOffset], [0, 0]);
  assertEquals((await h.status()).waiters, 0);
  assertEquals(h.clock.pendingTimers, timersBefore, "the wait timer of the cancelled fetch");
  assertEquals(await h.ask<boolean>({ type: "cancelFetch", fetchId: "f-1" }), false);
  assertEquals(await h.ask<boolean>({ type: "cancelFetch", fetchId: "nope" }), false);
});

Deno.test("PartitionActor answers fetches beyond maxWaiters at once", async () => {
  await using h = await Harness.open({ maxWaiters: 2 });
  await h.append(batch(1));
  const first = h.fetch("latest", { waitMs: 1_000 });
  const second = h.fetch("latest", { waitMs: 1_000 });
  const third = await h.fetch("latest", { waitMs: 1_000 });
  assertEquals([third.batches.byteLength, third.nextOffset], [0, 1]);
  assertEquals((await h.status()).waiters, 2);
  await h.append(batch(1));
  assertEquals(offsetsOf((await first).batches), [1]);
  assertEquals(offsetsOf((await second).batches), [1]);
});

Deno.test("PartitionActor answers parked fetches empty when it stops", async () => {
  await using h = await Harness.open();
  const parked = h.fetch("latest", { waitMs: 60_000 });
  assertEquals((await h.status()).waiters, 1);
  await h.stop();
  const reply = await parked;
  assertEquals([reply.batches.byteLength, reply.nextOffset], [0, 0]);
});

Deno.test("PartitionActor acks=all resolves after the sync and the data survives a restart", async () => {
  await using h = await Harness.open();
  assertEquals(await h.append(batch(3, { prefix: "d" }), -1), { baseOffset: 0, lastOffset: 2 });
  const [a, b] = await Promise.all([h.append(batch(1), -1), h.append(batch(2), -1)]);
  assertEquals([a.baseOffset, b.baseOffset, b.lastOffset], [3, 4, 5]);
  await h.restart();
  const status = await h.status();
  assertEquals([status.logStartOffset, status.logEndOffset], [0, 6]);
  const reply = await h.fetch(0, { maxRecords: 3 });
  assertEquals(recordsOf(reply.batches).map((r) => r.value), ["d0", "d1", "d2"]);
  assertEquals(await h.append(batch(1)), { baseOffset: 6, lastOffset: 6 });
});

Deno.test("PartitionActor appends a tell with acks=0 and survives a bad one", async () => {
  await using h = await Harness.open();
  h.ref.tell({ type: "append", batches: batch(3), acks: 0 });
  h.ref.tell({ type: "append", batches: new Uint8Array([1, 2, 3]), acks: 0 });
  h.ref.tell({ type: "append", batches: batch(2), acks: 0 });
  // One mailbox, in order: the status ask is answered after both tells.
  assertEquals((await h.status()).logEndOffset, 5);
  assertEquals(offsetsOf((await h.fetch(0)).batches), [0, 1, 2, 3, 4]);
});

Deno.test("PartitionActor fetch refuses offsets outside the log and negative offsets", async () => {
  await using h = await Harness.open();
  await h.append(batch(3));
  assertEquals(await codeOf(h.fetch(4)), "OFFSET_OUT_OF_RANGE");
  assertEquals(await codeOf(h.fetch(1_000_000)), "OFFSET_OUT_OF_RANGE");
  assertEquals(await codeOf(h.fetch(-1)), "INVALID_REQUEST");
  assertEquals(await codeOf(h.fetch(1.5)), "INVALID_REQUEST");
  assertEquals(await codeOf(h.fetch(Number.NaN)), "INVALID_REQUEST");
  assertEquals(
    await codeOf(h.ask({ type: "bogus" } as unknown as PartitionRequest)),
    "INVALID_REQUEST",
  );
  assertEquals(offsetsOf((await h.fetch(0)).batches), [0, 1, 2]);
});

Deno.test("PartitionActor fetch below the log start offset is OFFSET_OUT_OF_RANGE", async () => {
  await using h = await Harness.open({
    configs: { "segment.bytes": 100, "retention.ms": 1_000 },
    retentionCheckIntervalMs: 60_000,
  });
  for (let i = 0; i < 3; i++) await h.append(batch(3));
  h.clock.advance(5_000);
  const status = await h.ask<PartitionStatus>({ type: "maintain" });
  assert(status.logStartOffset > 0, `log start ${status.logStartOffset}`);
  assertEquals(await codeOf(h.fetch(status.logStartOffset - 1)), "OFFSET_OUT_OF_RANGE");
  assertEquals(await codeOf(h.fetch(0)), "OFFSET_OUT_OF_RANGE");
  const earliest = await h.fetch("earliest");
  assertEquals(offsetsOf(earliest.batches)[0], status.logStartOffset);
});

function flipBit(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  out[at] = out[at]! ^ 0x01;
  return out;
}

Deno.test("PartitionActor refuses bad batches without writing and keeps working", async (t) => {
  await using h = await Harness.open({ configs: { "max.message.bytes": 100 } });
  await h.append(batch(1));
  const before = await h.status();
  const good = batch(1);
  const cases: [string, Uint8Array, string][] = [
    ["garbage bytes", new Uint8Array(64).fill(0xab), "INVALID_RECORD"],
    ["a short garbage buffer", new Uint8Array([0, 0, 0]), "INVALID_RECORD"],
    ["an empty buffer", new Uint8Array(0), "INVALID_RECORD"],
    ["a flipped CRC bit", flipBit(good, 17), "INVALID_RECORD"],
    ["a flipped payload bit", flipBit(good, good.length - 2), "INVALID_RECORD"],
    ["a truncated batch", good.slice(0, good.length - 5), "INVALID_RECORD"],
    ["a good batch followed by a truncated one", concat(good, good.slice(0, 30)), "INVALID_RECORD"],
    ["a batch over max.message.bytes", batch(10), "RECORD_TOO_LARGE"],
  ];
  for (const [name, bytes, code] of cases) {
    await t.step(`${name} is refused with ${code}`, async () => {
      assertEquals(await codeOf(h.append(bytes)), code);
      const after = await h.status();
      assertEquals([after.logEndOffset, after.size], [before.logEndOffset, before.size]);
    });
  }
  assertEquals(await h.append(batch(1)), { baseOffset: 1, lastOffset: 1 });
  assertEquals(offsetsOf((await h.fetch(0)).batches), [0, 1]);
});

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const idem = (producerEpoch: number, baseSequence: number, count: number, prefix = "p") =>
  batch(count, { producerId: 7, producerEpoch, baseSequence, prefix });

Deno.test("PartitionActor stores a retried idempotent batch once and returns its offsets", async () => {
  await using h = await Harness.open();
  await h.append(batch(2)); // a non-idempotent batch first: offsets 0..1
  const first = idem(0, 0, 3);
  assertEquals(await h.append(first), { baseOffset: 2, lastOffset: 4 });
  assertEquals(await h.append(first), { baseOffset: 2, lastOffset: 4, duplicate: true });
  assertEquals(await h.append(first, -1), { baseOffset: 2, lastOffset: 4, duplicate: true });
  assertEquals((await h.status()).logEndOffset, 5);
  assertEquals(await h.append(idem(0, 3, 2)), { baseOffset: 5, lastOffset: 6 });
  // An older retry (still among the cached batches) keeps its own offsets.
  assertEquals(await h.append(first), { baseOffset: 2, lastOffset: 4, duplicate: true });
  assertEquals(offsetsOf((await h.fetch(0)).batches), [0, 1, 2, 3, 4, 5, 6]);
});

/** Sends a batch that starts after a gap: it parks, and after PARK_MS its refusal code comes back. */
async function gapCode(h: Harness, bytes: Uint8Array): Promise<string> {
  const answer = codeOf(h.append(bytes));
  // One mailbox, in order: the status ask is handled after the append, so it sees it parked.
  assertEquals((await h.status()).parked, 1);
  h.clock.advance(PARK_MS);
  return await answer;
}

Deno.test("PartitionActor refuses a sequence gap and an older producer epoch", async () => {
  await using h = await Harness.open();
  await h.append(idem(0, 0, 3));
  assertEquals(await gapCode(h, idem(0, 5, 1)), "OUT_OF_ORDER_SEQUENCE_NUMBER");
  assertEquals(await codeOf(h.append(idem(1, 4, 1))), "OUT_OF_ORDER_SEQUENCE_NUMBER");
  assertEquals(await h.append(idem(1, 0, 2)), { baseOffset: 3, lastOffset: 4 });
  assertEquals(await codeOf(h.append(idem(0, 3, 1))), "INVALID_PRODUCER_EPOCH");
  assertEquals((await h.status()).logEndOffset, 5);
  assertEquals(await h.append(idem(1, 2, 1)), { baseOffset: 5, lastOffset: 5 });
});

Deno.test("PartitionActor accepts consecutive idempotent batches of one producer in one append", async () => {
  await using h = await Harness.open();
  await h.append(idem(0, 0, 2));
  const both = concat(idem(0, 2, 3), idem(0, 5, 1));
  assertEquals(await h.append(both), { baseOffset: 2, lastOffset: 5 });
  assertEquals(await h.append(idem(0, 6, 1)), { baseOffset: 6, lastOffset: 6 });
  // A request holding a gap between its own batches is refused whole.
  const gap = concat(idem(0, 7, 1), idem(0, 9, 1));
  assertEquals(await codeOf(h.append(gap)), "OUT_OF_ORDER_SEQUENCE_NUMBER");
  assertEquals((await h.status()).logEndOffset, 7);
});

for (const crash of [false, true]) {
  const how = crash
    ? "from the log when the snapshot is lost"
    : "from the snapshot after a clean stop";
  Deno.test(`PartitionActor dedupes after a restart, rebuilt ${how}`, async () => {
    await using h = await Harness.open();
    await h.append(idem(0, 0, 3));
    const second = idem(0, 3, 2);
    assertEquals(await h.append(second), { baseOffset: 3, lastOffset: 4 });
    await h.append(batch(1)); // a plain batch after it: offset 5
    await h.stop();
    const snapshot = `${h.dir}/${SNAPSHOT_FILE}`;
    assertEquals(await exists(snapshot), true);
    if (crash) await Deno.remove(snapshot);
    await h.start();
    assertEquals(await h.append(second), { baseOffset: 3, lastOffset: 4, duplicate: true });
    assertEquals(await gapCode(h, idem(0, 9, 1)), "OUT_OF_ORDER_SEQUENCE_NUMBER");
    assertEquals(await h.append(idem(0, 5, 1)), { baseOffset: 6, lastOffset: 6 });
    assertEquals((await h.status()).logEndOffset, 7);
  });
}

Deno.test("PartitionActor ignores a snapshot that is ahead of the log", async () => {
  await using h = await Harness.open();
  await h.append(idem(0, 0, 3));
  await h.stop();
  // A snapshot claiming offsets the log does not hold (the log lost its tail).
  const snapshot = `${h.dir}/${SNAPSHOT_FILE}`;
  const stale = JSON.parse(await Deno.readTextFile(snapshot));
  stale.offset = 1_000;
  stale.producers[0][1].batches.push({ firstSeq: 3, lastSeq: 9, baseOffset: 3, lastOffset: 9 });
  await Deno.writeTextFile(snapshot, JSON.stringify(stale));
  await h.start();
  // Rebuilt from the log: the next sequence is 3, not 10.
  assertEquals(await h.append(idem(0, 3, 1)), { baseOffset: 3, lastOffset: 3 });
});

Deno.test("PartitionActor maintenance timer deletes expired segments after configure", async () => {
  await using h = await Harness.open({
    configs: { "segment.bytes": 100 },
    retentionCheckIntervalMs: 5_000,
  });
  for (let i = 0; i < 4; i++) await h.append(batch(3)); // one segment per batch
  const before = await h.status();
  assertEquals(before.segments, 4);
  h.clock.advance(5_000); // default retention (7 days): nothing goes
  assertEquals((await h.status()).logStartOffset, 0);

  const configured = await h.ask<PartitionStatus>({
    type: "configure",
    configs: { "segment.bytes": 100, "retention.ms": 1_000 },
  });
  assertEquals(configured.segments, 4);
  h.clock.advance(4_999);
  assertEquals((await h.status()).segments, 4);
  h.clock.advance(1);
  const after = await h.status();
  assertEquals([after.segments, after.logStartOffset, after.logEndOffset], [1, 9, 12]);
  assert(after.size < before.size);
  assertEquals(await codeOf(h.fetch(8)), "OFFSET_OUT_OF_RANGE");
  assertEquals(offsetsOf((await h.fetch(9)).batches), [9, 10, 11]);

  // The timer keeps running: later segments expire too.
  await h.append(batch(3, { now: h.clock.now() }));
  await h.append(batch(3, { now: h.clock.now() }));
  h.clock.advance(5_000);
  const later = await h.status();
  assertEquals([later.logStartOffset, later.logEndOffset], [15, 18]);
});

Deno.test("PartitionActor configure replaces the configs, so a removed key gets its default", async () => {
  await using h = await Harness.open({ configs: { "max.message.bytes": 100 } });
  assertEquals(await codeOf(h.append(batch(10))), "RECORD_TOO_LARGE");
  await h.ask({ type: "configure", configs: {} });
  assertEquals(await h.append(batch(10)), { baseOffset: 0, lastOffset: 9 });
  await h.ask({ type: "configure", configs: { "max.message.bytes": 100 } });
  assertEquals(await codeOf(h.append(batch(10))), "RECORD_TOO_LARGE");
});

Deno.test("PartitionActor configure refuses a bad value and keeps the old configs", async () => {
  await using h = await Harness.open({ configs: { "max.message.bytes": 100 } });
  assertEquals(
    await codeOf(h.ask({ type: "configure", configs: { "segment.bytes": 1 } })),
    "INVALID_CONFIG",
  );
  assertEquals(await codeOf(h.append(batch(10))), "RECORD_TOO_LARGE");
  assertEquals(await h.append(batch(1)), { baseOffset: 0, lastOffset: 0 });
});

Deno.test("PartitionActor listOffsets answers earliest, latest and by timestamp", async () => {
  await using h = await Harness.open();
  const empty = await h.ask<OffsetsReply>({ type: "listOffsets" });
  assertEquals(empty, { earliest: 0, latest: 0 });
  await h.append(batch(3, { now: 1_000 })); // 0..2 at t=1000
  await h.append(batch(2, { now: 2_000 })); // 3..4 at t=2000
  await h.append(batch(2, { now: 3_000 })); // 5..6 at t=3000
  const list = (timestamp?: number) =>
    h.ask<OffsetsReply>(
      timestamp === undefined ? { type: "listOffsets" } : { type: "listOffsets", timestamp },
    );
  assertEquals(await list(), { earliest: 0, latest: 7 });
  assertEquals((await list(0)).offsetForTimestamp, 0);
  assertEquals((await list(1_000)).offsetForTimestamp, 0);
  assertEquals((await list(1_500)).offsetForTimestamp, 3);
  assertEquals((await list(2_000)).offsetForTimestamp, 3);
  assertEquals((await list(2_001)).offsetForTimestamp, 5);
  assertEquals((await list(3_001)).offsetForTimestamp, null);
});

Deno.test("PartitionActor delete removes the directory and fails parked fetches", async () => {
  await using h = await Harness.open();
  await h.append(batch(3));
  assertEquals(await exists(h.dir), true);
  const parked = codeOf(h.fetch("latest", { waitMs: 60_000 }));
  assertEquals((await h.status()).waiters, 1);
  assertEquals(await h.ask<boolean>({ type: "delete" }), true);
  assertEquals(await parked, "UNKNOWN_TOPIC_OR_PARTITION");
  assertEquals(await exists(h.dir), false);
  assertEquals(await codeOf(h.status()), "ACTOR_STOPPED");
  assertEquals(await codeOf(h.append(batch(1))), "ACTOR_STOPPED");
  // Stopping after a delete is harmless and recreates nothing.
  await h.stop();
  assertEquals(await exists(h.dir), false);
});

Deno.test("PartitionActor refuses a corrupt resend of an idempotent batch instead of calling it a duplicate", async () => {
  await using dir = await tempDir();
  await using system = new ActorSystem({
    clock: new FakeClock(0),
    makeError: (code, message) => new WeirError(code, message),
  });
  const ref = await system.spawn({
    kind: "partition",
    id: "t-0",
    host: { inline: (init: PartitionInit) => new PartitionActor(init) },
    init: { topic: "t", partition: 0, dir: dir.path, configs: {} },
  });
  const enc = new TextEncoder();
  const make = () =>
    encodeRecordBatch([{ value: enc.encode("x") }], {
      producerId: 5,
      producerEpoch: 0,
      baseSequence: 0,
    });
  assertEquals(await ref.ask({ type: "append", batches: make(), acks: 1 }), {
    baseOffset: 0,
    lastOffset: 0,
  });
  const corrupt = make();
  corrupt[corrupt.length - 1]! ^= 0xff;
  const err = await assertRejects(
    () => ref.ask({ type: "append", batches: corrupt, acks: 1 }),
    WeirError,
  );
  assertEquals(err.code, "INVALID_RECORD");
  const retry = await ref.ask({ type: "append", batches: make(), acks: 1 });
  assertEquals(retry, { baseOffset: 0, lastOffset: 0, duplicate: true });
});

Deno.test("PartitionActor holds an idempotent batch that overtook its predecessor and appends both in order", async () => {
  await using h = await Harness.open();
  await h.append(idem(0, 0, 2)); // offsets 0..1, next sequence 2
  const later = h.append(idem(0, 4, 3)); // sequences 4..6 arrive first
  const held = await h.status(); // handled after the append (one mailbox, in order)
  assertEquals([held.parked, held.logEndOffset], [1, 2]); // parked, nothing written yet
  assertEquals(await h.append(idem(0, 2, 2)), { baseOffset: 2, lastOffset: 3 });
  assertEquals(await later, { baseOffset: 4, lastOffset: 6 });
  assertEquals((await h.status()).parked, 0);
  // A new producer's first batches may also arrive out of order.
  const other = (baseSequence: number, count: number) =>
    batch(count, { producerId: 9, producerEpoch: 0, baseSequence, prefix: "q" });
  const second = h.append(other(3, 1));
  assertEquals((await h.status()).parked, 1);
  assertEquals(await h.append(other(0, 3)), { baseOffset: 7, lastOffset: 9 });
  assertEquals(await second, { baseOffset: 10, lastOffset: 10 });
});

// The first timer of a Worker costs it ≈ 1.7 MB RSS: an empty partition arms none.
Deno.test("PartitionActor arms its maintenance timer only once the partition holds records", async () => {
  await using h = await Harness.open({ retentionCheckIntervalMs: 5_000 });
  await h.status();
  assertEquals(h.clock.pendingTimers, 0);
  await h.append(batch(3));
  assertEquals(h.clock.pendingTimers, 1);
  h.clock.advance(5_000); // the timer re-arms itself
  await h.status();
  assertEquals(h.clock.pendingTimers, 1);
  await h.restart(); // a partition with records arms it at start
  await h.status();
  assertEquals(h.clock.pendingTimers, 1);
});
