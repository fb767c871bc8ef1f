import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { z } from "zod";
import { createApp } from "../broker/http/app.ts";
import { MemoryBackend } from "../tests/_helpers/memory_backend.ts";
import { connect } from "./connect.ts";
import type { FetchLike } from "./http.ts";
import {
  decodeRecords,
  partitionForKey,
  readBatchHeader,
  type RecordBatchHeader,
  WeirError,
} from "./protocol/mod.ts";

interface Sent {
  path: string;
  acks: string | null;
  header: RecordBatchHeader;
  bytes: Uint8Array;
}

/** A broker behind an injected fetch that records every produce request. */
async function setup(
  options: { failFirstProduces?: number; partitions?: number; holdFirstProduce?: Promise<void> } =
    {},
) {
  const backend = new MemoryBackend();
  const app = createApp(backend);
  const sent: Sent[] = [];
  let failures = options.failFirstProduces ?? 0;
  const fetch: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname.endsWith("/batches")) {
      const bytes = new Uint8Array(await request.clone().arrayBuffer());
      const count = sent.push({
        path: url.pathname,
        acks: url.searchParams.get("acks"),
        header: readBatchHeader(bytes),
        bytes,
      });
      if (count === 1 && options.holdFirstProduce) await options.holdFirstProduce;
      if (failures > 0) {
        failures--;
        return Response.json({ error: { code: "NOT_ENOUGH_REPLICAS", message: "Cannot ack" } }, {
          status: 503,
        });
      }
    }
    return app.request(request);
  };
  const weir = await connect({
    url: "http://weir.test",
    fetch,
    retry: { initialDelayMs: 1, maxDelayMs: 2 },
  });
  await weir.admin.createTopic({ name: "orders", partitions: options.partitions ?? 4 });
  return {
    backend,
    weir,
    sent,
    async [Symbol.asyncDispose]() {
      await weir.close();
      await backend.close();
    },
  };
}

const Order = z.object({ id: z.string(), total: z.number() });

Deno.test("Producer.send() resolves with the partition Kafka would pick and the offset", async () => {
  await using s = await setup();
  const orders = s.weir.topic("orders", { value: Order });
  await using producer = s.weir.producer({ lingerMs: 0 });
  const meta = await producer.send(orders, { key: "o-1", value: { id: "o-1", total: 9.5 } });
  assertEquals(meta.topic, "orders");
  assertEquals(meta.partition, partitionForKey(new TextEncoder().encode("o-1"), 4));
  assertEquals(meta.offset, 0);
  assertEquals(
    (await producer.send(orders, { key: "o-1", value: { id: "o-1", total: 1 } })).offset,
    1,
  );
  const [batch] = s.sent;
  assertEquals(batch!.acks, "all");
  const [record] = decodeRecords(batch!.bytes);
  assertEquals(new TextDecoder().decode(record!.value!), '{"id":"o-1","total":9.5}');
});

Deno.test("Producer.send() rejects an invalid typed value with INVALID_RECORD and sends nothing", async () => {
  await using s = await setup();
  const orders = s.weir.topic("orders", { value: Order });
  await using producer = s.weir.producer({ lingerMs: 0 });
  const err = await assertRejects(
    () => producer.send(orders, { value: { id: 1 } as never }),
    WeirError,
  );
  assertEquals(err.code, "INVALID_RECORD");
  const batchErr = await assertRejects(
    () =>
      producer.sendBatch(orders, [
        { value: { id: "ok", total: 1 } },
        { value: { id: "bad" } as never },
      ]),
    WeirError,
  );
  assertEquals(batchErr.code, "INVALID_RECORD");
  await producer.flush();
  assertEquals(s.sent.length, 0);
});

Deno.test("Producer.sendBatch() answers in input order across partitions, one request per partition", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 1000 });
  const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
  const metas = await producer.sendBatch("orders", keys.map((key, i) => ({ key, value: i })));
  const utf8 = new TextEncoder();
  assertEquals(metas.map((m) => m.partition), keys.map((k) => partitionForKey(utf8.encode(k), 4)));
  const perPartition = new Map<number, number[]>();
  for (const m of metas) {
    perPartition.set(m.partition, [...perPartition.get(m.partition) ?? [], m.offset]);
  }
  for (const offsets of perPartition.values()) {
    assertEquals(
      offsets,
      offsets.map((_, i) => i),
      "offsets within a partition follow input order",
    );
  }
  assertEquals(s.sent.length, perPartition.size, "lingerMs does not delay sendBatch");
});

Deno.test("Producer batches sends within lingerMs into one RecordBatch", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 20 });
  const metas = await Promise.all(
    [1, 2, 3].map((v) => producer.send("orders", { key: "same", value: v })),
  );
  assertEquals(metas.map((m) => m.offset), [0, 1, 2]);
  assertEquals(s.sent.length, 1);
  assertEquals(s.sent[0]!.header.recordCount, 3);
});

Deno.test("Producer numbers idempotent batches per partition from 0 under one producer id", async () => {
  await using s = await setup({ partitions: 2 });
  await using producer = s.weir.producer({ lingerMs: 0 });
  for (let i = 0; i < 3; i++) {
    await producer.sendBatch("orders", [
      { partition: 0, value: i },
      { partition: 0, value: i },
      { partition: 1, value: i },
    ]);
  }
  const byPartition = (p: number) =>
    s.sent.filter((x) => x.path.endsWith(`/partitions/${p}/batches`));
  assertEquals(byPartition(0).map((x) => x.header.baseSequence), [0, 2, 4]);
  assertEquals(byPartition(1).map((x) => x.header.baseSequence), [0, 1, 2]);
  const ids = new Set(s.sent.map((x) => x.header.producerId));
  assertEquals(ids.size, 1);
  assert([...ids][0]! >= 0);
});

Deno.test("Producer retries a retriable failure with the same bytes and sequence", async () => {
  await using s = await setup({ failFirstProduces: 2 });
  await using producer = s.weir.producer({ lingerMs: 0 });
  const meta = await producer.send("orders", { partition: 1, value: "x" });
  assertEquals(meta.offset, 0);
  assertEquals(s.sent.length, 3);
  assertEquals(s.sent[1]!.bytes, s.sent[0]!.bytes);
  assertEquals(s.sent[2]!.bytes, s.sent[0]!.bytes);
  assertEquals(s.sent[0]!.header.baseSequence, 0);
});

Deno.test("Producer without idempotence sends no producer id", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 0, idempotent: false, acks: 1 });
  await producer.send("orders", { value: 1 });
  assertEquals(s.sent[0]!.header.producerId, -1);
  assertEquals(s.sent[0]!.header.baseSequence, -1);
  assertEquals(s.sent[0]!.acks, "1");
});

Deno.test("Producer with acks 0 resolves with offset -1", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 0, acks: 0 });
  const meta = await producer.send("orders", { partition: 2, value: "fire and forget" });
  assertEquals(meta.offset, -1);
  assertEquals(meta.partition, 2);
  assertEquals(s.sent[0]!.acks, "0");
});

Deno.test("Producer keeps keyless records on one sticky partition per batch", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 1000, random: () => 0.6 });
  const metas = await producer.sendBatch("orders", [{ value: 1 }, { value: 2 }, { value: 3 }]);
  assertEquals(new Set(metas.map((m) => m.partition)).size, 1);
  assertEquals(metas[0]!.partition, 2);
  const next = await producer.sendBatch("orders", [{ value: 4 }]);
  assert(next[0]!.partition !== 2, "a sent batch moves the sticky partition");
});

Deno.test("Producer.close() flushes lingering records; later sends reject", async () => {
  await using s = await setup();
  const producer = s.weir.producer({ lingerMs: 60_000 });
  const pending = producer.send("orders", { key: "a", value: 1 });
  assertEquals(s.sent.length, 0);
  await producer.close();
  await producer.close();
  assertEquals((await pending).offset, 0);
  assertEquals(s.sent.length, 1);
  const err = await assertRejects(() => producer.send("orders", { value: 2 }), WeirError);
  assertStringIncludes(err.message, "closed");
});

Deno.test("Producer.send() rejects for an unknown topic or a partition it lacks", async () => {
  await using s = await setup();
  await using producer = s.weir.producer({ lingerMs: 0 });
  const unknown = await assertRejects(() => producer.send("nope", { value: 1 }), WeirError);
  assertEquals(unknown.code, "UNKNOWN_TOPIC_OR_PARTITION");
  const partition = await assertRejects(
    () => producer.send("orders", { partition: 9, value: 1 }),
    WeirError,
  );
  assertEquals(partition.code, "INVALID_RECORD");
  assertEquals(s.sent.length, 0);
});

Deno.test("weir.producer() rejects bad options", async () => {
  await using s = await setup();
  for (const bad of [{ acks: 2 as never }, { lingerMs: -1 }, { maxInFlight: 0 }]) {
    let code = "";
    try {
      s.weir.producer(bad);
    } catch (e) {
      code = (e as WeirError).code;
    }
    assertEquals(code, "INVALID_REQUEST", JSON.stringify(bad));
  }
});

Deno.test("Producer.send() merges records queued behind a full in-flight window into one request", async () => {
  const release = Promise.withResolvers<void>();
  await using env = await setup({ partitions: 1, holdFirstProduce: release.promise });
  const producer = env.weir.producer({ acks: 1, lingerMs: 0, maxInFlight: 1 });
  const sends = [0, 1, 2, 3, 4].map((i) => producer.send("orders", { value: { i } }));
  const deadline = Date.now() + 5_000;
  while (env.sent.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  release.resolve();
  const metas = await Promise.all(sends);
  await producer.close();
  assertEquals(metas.map((m) => m.offset), [0, 1, 2, 3, 4]);
  assertEquals(env.sent.length, 2);
  assertEquals(env.sent[1]!.header.baseSequence, 1);
  assertEquals(env.sent[1]!.header.lastOffsetDelta, 3);
  const values = [...decodeRecords(env.sent[1]!.bytes, 0)].map((r) =>
    JSON.parse(new TextDecoder().decode(r.value!))
  );
  assertEquals(values, [{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }]);
});

Deno.test("Producer.send() holds small records behind a request in flight although maxInFlight allows more", async () => {
  const release = Promise.withResolvers<void>();
  await using env = await setup({ partitions: 1, holdFirstProduce: release.promise });
  const producer = env.weir.producer({ acks: 1, lingerMs: 0, maxInFlight: 4 });
  const first = producer.send("orders", { value: { i: 0 } });
  const deadline = Date.now() + 5_000;
  while (env.sent.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  const rest = [1, 2, 3, 4].map((i) => producer.send("orders", { value: { i } }));
  // Give the producer every chance to start more requests before the first answers.
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
  assertEquals(env.sent.length, 1, "small records wait for the request in flight");
  release.resolve();
  const metas = await Promise.all([first, ...rest]);
  await producer.close();
  assertEquals(metas.map((m) => m.offset), [0, 1, 2, 3, 4]);
  assertEquals(env.sent.map((s) => s.header.lastOffsetDelta + 1), [1, 4]);
});

Deno.test("Producer.sendBatch() pipelines batches of 16 KiB and more up to maxInFlight", async () => {
  const release = Promise.withResolvers<void>();
  await using env = await setup({ partitions: 1, holdFirstProduce: release.promise });
  const producer = env.weir.producer({ acks: 1, lingerMs: 0, maxInFlight: 3, idempotent: false });
  const big = (n: number) =>
    Array.from({ length: 200 }, (_, i) => ({ value: { n, i, pad: "x".repeat(100) } }));
  const calls = [0, 1, 2, 3].map((n) => producer.sendBatch("orders", big(n)));
  const deadline = Date.now() + 5_000;
  while (env.sent.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  // Held first request; the others went out beside it (and, answered, made room for the 4th).
  assertEquals(env.sent.length >= 3, true, "big requests pipeline while the first is held");
  release.resolve();
  const metas = (await Promise.all(calls)).flat();
  await producer.close();
  // Not idempotent: requests may land out of call order, but every record lands once.
  assertEquals(
    metas.map((m) => m.offset).sort((a, b) => a - b),
    Array.from({ length: 800 }, (_, i) => i),
  );
  assertEquals(env.sent.length, 4);
});
