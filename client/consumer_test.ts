import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { z } from "zod";
import { createApp } from "../broker/http/app.ts";
import { MemoryBackend } from "../tests/_helpers/memory_backend.ts";
import { connect } from "./connect.ts";
import type { FetchLike } from "./http.ts";
import {
  BATCH_HEADERS,
  encodeRecordBatch,
  RECORD_BATCH_CONTENT_TYPE,
  WeirError,
} from "./protocol/mod.ts";

/** A broker behind an injected fetch that records every fetch's query. */
async function setup(partitions = 2) {
  const backend = new MemoryBackend();
  const app = createApp(backend);
  const fetches: URLSearchParams[] = [];
  const fetch: FetchLike = (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname.endsWith("/batches")) {
      fetches.push(url.searchParams);
    }
    return app.request(request);
  };
  const weir = await connect({ url: "http://weir.test", fetch });
  await weir.admin.createTopic({ name: "orders", partitions });
  return {
    backend,
    weir,
    fetches,
    async [Symbol.asyncDispose]() {
      await weir.close();
      await backend.close();
    },
  };
}

async function until(what: string, check: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const utf8 = new TextEncoder();
const Order = z.object({ id: z.string(), total: z.number() });

Deno.test("Consumer.assign() reads typed records from the earliest offset", async () => {
  await using s = await setup();
  const orders = s.weir.topic("orders", { value: Order });
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.sendBatch(
    orders,
    [1, 2, 3].map((i) => ({
      partition: 0,
      key: `o-${i}`,
      value: { id: `o-${i}`, total: i },
      headers: { source: "test" },
    })),
  );
  const consumer = s.weir.consumer({ topics: [orders], waitMs: 10 });
  consumer.assign([{ topic: orders, partition: 0, offset: "earliest" }]);
  const seen: number[] = [];
  for await (const record of consumer) {
    seen.push(record.value.total);
    assertEquals(record.key, `o-${record.value.total}`);
    assertEquals(record.headers, { source: "test" });
    if (seen.length === 3) break;
  }
  assertEquals(seen, [1, 2, 3]);
  assertEquals(consumer.closed, true, "break closes the consumer");
  assertEquals(s.backend.parkedFetches(), 0);
});

Deno.test("Consumer yields a record produced while it long-polls, from latest", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.send("orders", { partition: 1, value: "old" });
  await using consumer = s.weir.consumer({ waitMs: 5_000 });
  consumer.assign([{ topic: "orders", partition: 1, offset: "latest" }]);
  const it = consumer[Symbol.asyncIterator]();
  const next = it.next();
  await until("a parked fetch", () => s.backend.parkedFetches() === 1);
  await producer.send("orders", { partition: 1, value: "new" });
  const { value } = await next;
  assertEquals(value?.value, "new");
  assertEquals(value?.offset, 1);
  assertEquals(consumer.position({ topic: "orders", partition: 1 }), 2);
  await it.return();
  assertEquals(s.backend.parkedFetches(), 0, "leaving the loop frees the long-poll");
});

Deno.test("Consumer throws INVALID_RECORD naming the offset, and a seek moves past it", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.sendBatch("orders", [
    { partition: 0, value: { id: "a", total: 1 } },
    { partition: 0, value: { id: "b", total: "not a number" } },
    { partition: 0, value: { id: "c", total: 3 } },
  ]);
  const orders = s.weir.topic("orders", { value: Order });
  await using consumer = s.weir.consumer({ topics: [orders], waitMs: 10 });
  consumer.assign([{ topic: "orders", partition: 0, offset: 0 }]);
  const got: string[] = [];
  const err = await assertRejects(async () => {
    for await (const r of consumer) got.push(r.value.id);
  }, WeirError);
  assertEquals(err.code, "INVALID_RECORD");
  assertStringIncludes(err.message, '"orders-0" at offset 1');
  assertEquals(got, ["a"]);
  assertEquals(consumer.closed, false, "an error leaves the consumer open");
  consumer.seek({ topic: orders, partition: 0, offset: 2 });
  for await (const r of consumer) {
    got.push(r.value.id);
    break;
  }
  assertEquals(got, ["a", "c"]);
});

Deno.test("Consumer.batches() yields per-partition batches with the high watermark", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.sendBatch("orders", [
    { partition: 0, value: 1 },
    { partition: 0, value: 2 },
    { partition: 1, value: 3 },
  ]);
  await using consumer = s.weir.consumer({ waitMs: 10, autoOffsetReset: "earliest" });
  consumer.assign([{ topic: "orders", partition: 0 }, { topic: "orders", partition: 1 }]);
  const batches = [];
  for await (const batch of consumer.batches()) {
    batches.push(batch);
    if (batches.length === 2) break;
  }
  batches.sort((a, b) => a.partition - b.partition);
  assertEquals(batches.map((b) => b.records.map((r) => r.value)), [[1, 2], [3]]);
  assertEquals(batches.map((b) => b.highWatermark), [2, 1]);
});

Deno.test("Consumer.batches() yields at most 1,000 records per step from a larger fetch", async () => {
  await using s = await setup(1);
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.sendBatch("orders", Array.from({ length: 2_500 }, (_, i) => ({ value: i })));
  await using consumer = s.weir.consumer({ waitMs: 10, prefetchRecords: 10_000 });
  consumer.assign([{ topic: "orders", partition: 0, offset: 0 }]);
  const sizes: number[] = [];
  const values: unknown[] = [];
  for await (const batch of consumer.batches()) {
    sizes.push(batch.records.length);
    for (const r of batch.records) values.push(r.value);
    if (values.length >= 2_500) break;
  }
  assertEquals(sizes, [1_000, 1_000, 500]);
  assertEquals(values, Array.from({ length: 2_500 }, (_, i) => i));
  assertEquals(s.fetches.filter((q) => q.get("offset") === "0").length, 1, "one fetch brought all");
});

Deno.test("Consumer fetches start at 8,192 records and double while the prefetch allows", async () => {
  await using s = await setup(1);
  await using producer = s.weir.producer({ lingerMs: 0 });
  const value = "x".repeat(10);
  for (let i = 0; i < 3; i++) {
    await producer.sendBatch("orders", Array.from({ length: 10_000 }, () => ({ value })));
  }
  await using consumer = s.weir.consumer({ waitMs: 10, prefetchRecords: 100_000 });
  consumer.assign([{ topic: "orders", partition: 0, offset: 0 }]);
  let received = 0;
  for await (const b of consumer.batches()) {
    received += b.records.length;
    if (received >= 30_000) break;
  }
  const asked = s.fetches.map((q) => Number(q.get("maxRecords")));
  assertEquals(asked.slice(0, 2), [8_192, 16_384]);
  assert(asked.every((n) => n <= 100_000), `${asked}`);
});

Deno.test("Consumer hands out the records before a malformed stored batch, then throws until a seek", async () => {
  const good = encodeRecordBatch([{ value: utf8.encode("1") }, { value: utf8.encode("2") }], {
    baseOffset: 0,
    now: 1_000,
  });
  const bad = encodeRecordBatch([{ value: utf8.encode("3") }], { baseOffset: 2, now: 1_000 });
  new DataView(bad.buffer).setInt32(57, 2); // recordCount 2: the second record is missing
  const last = encodeRecordBatch([{ value: utf8.encode("4") }], { baseOffset: 3, now: 1_000 });
  const backend = new MemoryBackend();
  const app = createApp(backend);
  const offsets: string[] = [];
  const fetch: FetchLike = (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (request.method !== "GET" || !url.pathname.endsWith("/batches")) return app.request(request);
    const from = Number(url.searchParams.get("offset"));
    offsets.push(String(from));
    const body = from <= 2 ? [good, bad, last] : [last];
    return Promise.resolve(
      new Response(new Blob(body as BlobPart[]), {
        headers: {
          "content-type": RECORD_BATCH_CONTENT_TYPE,
          [BATCH_HEADERS.highWatermark]: "4",
          [BATCH_HEADERS.nextOffset]: "4",
        },
      }),
    );
  };
  await using weir = await connect({ url: "http://weir.test", fetch });
  await using _backend = { [Symbol.asyncDispose]: () => backend.close() };
  await using consumer = weir.consumer({ waitMs: 10 });
  consumer.assign([{ topic: "orders", partition: 0, offset: 0 }]);
  const got: unknown[] = [];
  for (let attempt = 0; attempt < 2; attempt++) {
    const err = await assertRejects(async () => {
      for await (const r of consumer) got.push(r.value);
    }, WeirError);
    assertEquals(err.code, "INVALID_RECORD");
    assertStringIncludes(err.message, 'batch at offset 2 of "orders-0"');
  }
  assertEquals(got, [1, 2], "the records before the bad batch, once each");
  assertEquals(consumer.position({ topic: "orders", partition: 0 }), 2);
  consumer.seek({ topic: "orders", partition: 0, offset: 3 });
  for await (const r of consumer) {
    got.push(r.value);
    break;
  }
  assertEquals(got, [1, 2, 4]);
  assertEquals(offsets.filter((o) => o === "0").length, 1, "no refetch of the bad batch's range");
  assert(offsets.includes("3"), `the seek fetched from 3: ${offsets}`);
});

Deno.test("Consumer bounds prefetch: fetches ask for no more than the buffer allows", async () => {
  await using s = await setup(1);
  await using producer = s.weir.producer({ lingerMs: 0 });
  for (let i = 0; i < 10; i++) await producer.send("orders", { partition: 0, value: i });
  await using consumer = s.weir.consumer({ waitMs: 10, prefetchRecords: 3, prefetchBytes: 4096 });
  assertEquals(s.fetches.length, 0);
  consumer.assign([{ topic: "orders", partition: 0, offset: 0 }]);
  assertEquals(s.fetches.length, 0, "no fetch before the loop asks");
  const got: unknown[] = [];
  for await (const r of consumer) {
    got.push(r.value);
    if (got.length === 10) break;
  }
  assertEquals(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  for (const q of s.fetches) {
    assert(Number(q.get("maxRecords")) <= 3, `maxRecords ${q.get("maxRecords")}`);
    assert(Number(q.get("maxBytes")) <= 4096);
  }
});

Deno.test("Consumer.pause() holds a partition back until resume()", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.sendBatch("orders", [{ partition: 0, value: "p0" }, {
    partition: 1,
    value: "p1",
  }]);
  await using consumer = s.weir.consumer({ waitMs: 10 });
  consumer.assign([
    { topic: "orders", partition: 0, offset: 0 },
    { topic: "orders", partition: 1, offset: 0 },
  ]);
  consumer.pause([{ topic: "orders", partition: 0 }]);
  assertEquals(consumer.paused(), [{ topic: "orders", partition: 0 }]);
  const it = consumer[Symbol.asyncIterator]();
  assertEquals((await it.next()).value?.value, "p1");
  consumer.resume([{ topic: "orders", partition: 0 }]);
  assertEquals((await it.next()).value?.value, "p0");
  await it.return();
});

Deno.test("Consumer surfaces OFFSET_OUT_OF_RANGE with autoOffsetReset none, else resets", async () => {
  await using s = await setup(1);
  await using producer = s.weir.producer({ lingerMs: 0 });
  await producer.send("orders", { partition: 0, value: "only" });
  await using strict = s.weir.consumer({ waitMs: 10, autoOffsetReset: "none" });
  strict.assign([{ topic: "orders", partition: 0, offset: 99 }]);
  const err = await assertRejects(async () => {
    for await (const _ of strict) break;
  }, WeirError);
  assertEquals(err.code, "OFFSET_OUT_OF_RANGE");
  await using lenient = s.weir.consumer({ waitMs: 10, autoOffsetReset: "earliest" });
  lenient.assign([{ topic: "orders", partition: 0, offset: 99 }]);
  for await (const r of lenient) {
    assertEquals(r.value, "only");
    break;
  }
});

Deno.test("Consumer.close() aborts a parked fetch; twice is harmless", async () => {
  await using s = await setup(1);
  const consumer = s.weir.consumer({ waitMs: 30_000 });
  consumer.assign([{ topic: "orders", partition: 0, offset: "latest" }]);
  const it = consumer[Symbol.asyncIterator]();
  const next = it.next();
  await until("a parked fetch", () => s.backend.parkedFetches() === 1);
  await Promise.all([consumer.close(), consumer.close()]);
  assertEquals((await next).done, true);
  assertEquals(s.backend.parkedFetches(), 0);
  assertThrows(() => consumer.assign([]), WeirError);
});

Deno.test("weir.consumer() refuses bad options", async () => {
  await using s = await setup(1);
  const err = assertThrows(() => s.weir.consumer({ groupId: "" }), WeirError);
  assertEquals(err.code, "INVALID_GROUP_ID");
  assertThrows(() => s.weir.consumer({ autoCommitIntervalMs: 0 }), WeirError);
  assertThrows(() => s.weir.consumer({ waitMs: -1 }), WeirError);
  await using consumer = s.weir.consumer();
  assertThrows(() => consumer.assign([{ topic: "orders", partition: -1 }]), WeirError);
  assertThrows(
    () => consumer.assign([{ topic: "orders", partition: 0, offset: "soon" as never }]),
    WeirError,
  );
  assertThrows(() => consumer.seek({ topic: "orders", partition: 3, offset: 0 }), WeirError);
});
