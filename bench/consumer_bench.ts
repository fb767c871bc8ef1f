/**
 * The SDK consumer without a network: a fetch that answers at once from
 * 100,000 prepared records (100 stored batches of 1,000 × 100 B), so the
 * figures are the client's own cost per record (fetch body copy, batch
 * headers, decode, codec, bookkeeping). Two shapes: read everything with a
 * 100k prefetch (P2's settings), and read 1,000 records with the same
 * prefetch and leave (what lazy decoding saves: records fetched but never
 * reached are never decoded). At the log end the fetch parks like a
 * long-poll until the consumer closes.
 *
 * Run: `deno bench -A bench/consumer_bench.ts`.
 *
 * @module
 */
import { connect } from "../client/connect.ts";
import type { FetchLike } from "../client/http.ts";
import {
  BATCH_HEADERS,
  encodeRecordBatch,
  RECORD_BATCH_CONTENT_TYPE,
} from "../client/protocol/mod.ts";

const BATCHES = 100;
const PER_BATCH = 1_000;
const TOTAL = BATCHES * PER_BATCH;
const payload = new Uint8Array(100).fill(97);
const positions: number[] = [];
const parts: Uint8Array[] = [];
let size = 0;
for (let b = 0; b < BATCHES; b++) {
  const batch = encodeRecordBatch(
    Array.from({ length: PER_BATCH }, () => ({ value: payload })),
    { baseOffset: b * PER_BATCH, now: 1_000 },
  );
  positions.push(size);
  parts.push(batch);
  size += batch.length;
}
positions.push(size);
const log = new Uint8Array(size);
parts.forEach((p, i) => log.set(p, positions[i]!));

/** Answers a batches fetch with whole stored batches from `offset`, within maxRecords/maxBytes. */
const instantFetch: FetchLike = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  if (!url.pathname.endsWith("/batches")) return Promise.resolve(Response.json({}));
  const offset = Number(url.searchParams.get("offset"));
  if (offset >= TOTAL) {
    // The log end: park like a long-poll until the consumer closes.
    return new Promise((_, reject) => {
      init?.signal?.addEventListener("abort", () => reject(init.signal!.reason), { once: true });
    });
  }
  const maxRecords = Number(url.searchParams.get("maxRecords"));
  const maxBytes = Number(url.searchParams.get("maxBytes"));
  const first = Math.floor(offset / PER_BATCH);
  let last = first;
  while (
    last < BATCHES && (last - first) * PER_BATCH < maxRecords &&
    (last === first || positions[last + 1]! - positions[first]! <= maxBytes)
  ) last++;
  const next = Math.min(TOTAL, last * PER_BATCH);
  return Promise.resolve(
    new Response(log.slice(positions[first]!, positions[last]!), {
      headers: {
        "content-type": RECORD_BATCH_CONTENT_TYPE,
        [BATCH_HEADERS.highWatermark]: String(TOTAL),
        [BATCH_HEADERS.nextOffset]: String(next),
      },
    }),
  );
};

const weir = await connect({ url: "http://weir.bench", fetch: instantFetch });
const topic = weir.topic("bench", { value: "bytes" });

async function consume(records: number): Promise<void> {
  await using consumer = weir.consumer({
    topics: [topic],
    prefetchRecords: 100_000,
    prefetchBytes: 16 * 1024 * 1024,
  });
  consumer.assign([{ topic: "bench", partition: 0, offset: 0 }]);
  let received = 0;
  for await (const b of consumer.batches()) {
    received += b.records.length;
    if (received >= records) break;
  }
  if (received < records) throw new Error(`received ${received} records`);
}

Deno.bench("consumer: batches() 100,000 × 100 B, prefetch 100k, instant fetch", {
  group: "consumer",
  n: 10,
  warmup: 2,
}, async () => {
  await consume(TOTAL);
});

Deno.bench("consumer: batches() 1,000 of 100,000 fetched, prefetch 100k, instant fetch", {
  group: "consumer",
  n: 20,
  warmup: 3,
}, async () => {
  await consume(1_000);
});

Deno.bench("consumer: for await 100,000 × 100 B one by one, instant fetch", {
  group: "consumer",
  n: 6,
  warmup: 2,
}, async () => {
  await using consumer = weir.consumer({
    topics: [topic],
    prefetchRecords: 100_000,
    prefetchBytes: 16 * 1024 * 1024,
  });
  consumer.assign([{ topic: "bench", partition: 0, offset: 0 }]);
  let received = 0;
  for await (const _ of consumer) if (++received >= TOTAL) break;
});

globalThis.addEventListener("unload", () => void weir.close());
