import { assert, assertEquals, assertInstanceOf, assertThrows } from "@std/assert";
import { HttpClient } from "./http.ts";
import {
  type FetchSettings,
  PartitionSource,
  type PartitionSource as Source,
} from "./_partition_source.ts";
import {
  BATCH_HEADERS,
  encodeRecordBatch,
  encodeRecordBatchCompressed,
  RECORD_BATCH_CONTENT_TYPE,
  WeirError,
} from "./protocol/mod.ts";
import { toTypedTopic, type TypedTopic } from "./typed_topic.ts";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const settings: FetchSettings = {
  prefetchRecords: 100_000,
  prefetchBytes: 16 * 1024 * 1024,
  waitMs: 0,
  autoOffsetReset: "earliest",
};
const topic = toTypedTopic("t") as TypedTopic<unknown, unknown>;

function records(base: number, n: number): { value: Uint8Array }[] {
  return Array.from({ length: n }, (_, i) => ({ value: utf8.encode(`v${base + i}`) }));
}

/** A stored batch of `n` records at `base`, values "v<offset>". */
function batch(base: number, n: number): Uint8Array {
  return encodeRecordBatch(records(base, n), { baseOffset: base, now: 1_000 });
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An HttpClient whose every fetch answers `body` as one binary batches response. */
function serving(body: Uint8Array, next: number): { http: HttpClient; fetches: () => number } {
  let fetches = 0;
  const http = new HttpClient({
    url: "http://weir.test",
    fetch: () => {
      fetches++;
      return Promise.resolve(
        new Response(body.slice(), {
          headers: {
            "content-type": RECORD_BATCH_CONTENT_TYPE,
            [BATCH_HEADERS.highWatermark]: String(next),
            [BATCH_HEADERS.nextOffset]: String(next),
          },
        }),
      );
    },
  });
  return { http, fetches: () => fetches };
}

/** Starts one fetch and waits for it to settle. */
function fetchOnce(source: Source, http: HttpClient): Promise<void> {
  return new Promise((resolve) => source.startFetch(http, settings, resolve));
}

function values(rs: { value: Uint8Array | null }[]): string[] {
  return rs.map((r) => fromUtf8.decode(r.value!));
}

Deno.test("PartitionSource.ready() decodes one stored batch at a time, counting the rest from headers", async () => {
  const body = concat([batch(0, 10), batch(10, 10), batch(20, 10)]);
  const { http } = serving(body, 30);
  const source = new PartitionSource(topic, 0, 0);
  await fetchOnce(source, http);
  assertEquals(source.bufferedRecords, 30);
  assertEquals(source.bufferedBytes, body.length);
  const head = source.buffer[0]!;
  assertEquals([head.nextBatch, head.records.length], [0, 0], "nothing decoded on arrival");

  const chunk = source.ready(1);
  assert(chunk !== undefined && !(chunk instanceof Promise));
  assertEquals([chunk.nextBatch, chunk.records.length], [1, 10], "only the first batch decoded");
  assertEquals(values(source.peek(chunk, 3)), ["v0", "v1", "v2"]);
  source.advance(chunk, 10);
  assertEquals(source.position, 10);
  assertEquals(source.bufferedRecords, 20);
  assertEquals(source.bufferedBytes, body.length, "bytes count until the response is delivered");

  const again = source.ready(1) as typeof chunk;
  assertEquals([again.nextBatch, again.records.length, again.index], [2, 10, 0]);
  assertEquals(values(source.peek(again, 1)), ["v10"]);
  source.advance(again, 10);
  const last = source.ready(1) as typeof chunk;
  source.advance(last, 10);
  assertEquals([source.position, source.bufferedRecords, source.bufferedBytes], [30, 0, 0]);
  assertEquals(source.ready(1), undefined);
  await source.close();
});

Deno.test("PartitionSource skips records below the fetch offset inside the first stored batch", async () => {
  const { http } = serving(concat([batch(0, 10), batch(10, 10)]), 20);
  const source = new PartitionSource(topic, 0, 7);
  await fetchOnce(source, http);
  assertEquals(source.bufferedRecords, 13, "counted from the headers: 3 + 10");
  const chunk = source.ready(1);
  assert(chunk !== undefined && !(chunk instanceof Promise));
  assertEquals(values(source.peek(chunk, 100)), ["v7", "v8", "v9"]);
  assertEquals(chunk.records[chunk.index]!.offset, 7);
  await source.close();
});

Deno.test("PartitionSource.ready(min) joins stored batches up to min and keeps only what is not handed out", async () => {
  const { http } = serving(concat([batch(0, 600), batch(600, 600), batch(1200, 600)]), 1800);
  const source = new PartitionSource(topic, 0, 0);
  await fetchOnce(source, http);
  const chunk = source.ready(1000);
  assert(chunk !== undefined && !(chunk instanceof Promise));
  assertEquals([chunk.nextBatch, chunk.records.length], [2, 1200]);
  const first = source.peek(chunk, 1000);
  assertEquals(first.length, 1000);
  source.advance(chunk, first.length);
  const rest = source.ready(1000) as typeof chunk;
  assertEquals([rest.index, rest.records.length], [0, 800], "the 1,000 handed out are dropped");
  const second = source.peek(rest, 1000);
  assertEquals([second[0]!.offset, second.at(-1)!.offset], [1000, 1799]);
  source.advance(rest, second.length);
  assertEquals([source.bufferedRecords, source.bufferedBytes, source.position], [0, 0, 1800]);
  await source.close();
});

Deno.test("PartitionSource throws INVALID_RECORD for a malformed batch only when reached, until a seek", async () => {
  const bad = batch(10, 10);
  new DataView(bad.buffer).setInt32(57, 11); // recordCount 11: the 11th record is missing
  const { http } = serving(concat([batch(0, 10), bad, batch(20, 10)]), 30);
  const source = new PartitionSource(topic, 0, 0);
  await fetchOnce(source, http);
  const chunk = source.ready(1);
  assert(chunk !== undefined && !(chunk instanceof Promise));
  assertEquals(values(source.peek(chunk, 10)).length, 10, "the good batch before it is delivered");
  source.advance(chunk, 10);
  for (let i = 0; i < 2; i++) {
    const e = assertThrows(() => source.ready(1), WeirError);
    assertEquals(e.code, "INVALID_RECORD");
    assert(e.message.includes('offset 10 of "t-0"'), e.message);
  }
  assertEquals(source.position, 10, "the position stays before the bad batch");
  source.seek(20);
  assertEquals([source.bufferedRecords, source.bufferedBytes, source.buffer.length], [0, 0, 0]);
  await source.close();
});

Deno.test("PartitionSource decodes a gzip batch asynchronously when reached", async () => {
  const gz = await encodeRecordBatchCompressed(records(5, 4), {
    baseOffset: 5,
    now: 1_000,
    compression: "gzip",
  });
  const { http } = serving(concat([batch(0, 5), gz]), 9);
  const source = new PartitionSource(topic, 0, 0);
  await fetchOnce(source, http);
  assertEquals(source.bufferedRecords, 9);
  const plain = source.ready(1);
  assert(
    plain !== undefined && !(plain instanceof Promise),
    "an uncompressed batch is synchronous",
  );
  source.advance(plain, 5);
  const pending = source.ready(1);
  assertInstanceOf(pending, Promise);
  const chunk = await pending;
  assert(chunk !== undefined);
  assertEquals(values(source.peek(chunk, 10)), ["v5", "v6", "v7", "v8"]);
  await source.close();
});

Deno.test("PartitionSource.seek() during a gzip decode drops the chunk it decodes", async () => {
  const gz = await encodeRecordBatchCompressed(records(0, 3), {
    baseOffset: 0,
    now: 1_000,
    compression: "gzip",
  });
  const { http } = serving(gz, 3);
  const source = new PartitionSource(topic, 0, 0);
  await fetchOnce(source, http);
  const pending = source.ready(1);
  assertInstanceOf(pending, Promise);
  source.seek(3);
  assertEquals(await pending, undefined);
  assertEquals([source.bufferedRecords, source.bufferedBytes, source.position], [0, 0, 3]);
  await source.close();
});

Deno.test("PartitionSource throws INVALID_RECORD for an unknown codec id, naming the batch", async () => {
  const odd = batch(4, 2);
  const view = new DataView(odd.buffer);
  view.setInt16(21, view.getInt16(21) | 6); // attributes: codec 6 does not exist
  const { http } = serving(odd, 6);
  const source = new PartitionSource(topic, 0, 4);
  await fetchOnce(source, http);
  const e = assertThrows(() => source.ready(1), WeirError);
  assertEquals(e.code, "INVALID_RECORD");
  assert(e.message.includes('offset 4 of "t-0"') && e.message.includes("codec 6"), e.message);
  await source.close();
});
