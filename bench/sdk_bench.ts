/**
 * SDK hot paths without a network: the producer's accumulator and encoder
 * (1,000 × 100 B records through `Accumulator` → `encodeRecordBatch`, as
 * `Producer` does per partition) and the consumer's decode (batches →
 * records → JSON values, as `Consumer` does).
 *
 * Run: `deno bench -A bench/sdk_bench.ts`.
 *
 * @module
 */
import { Accumulator, estimateRecordSize, type PendingRecord } from "../client/_accumulator.ts";
import { codecOf } from "../client/typed_topic.ts";
import { decodeRecords, encodeRecordBatch, iterateBatches } from "../client/protocol/mod.ts";
import { connect } from "../client/connect.ts";
import type { FetchLike } from "../client/http.ts";
import { createApp } from "../broker/http/app.ts";
import { MemoryBackend } from "../tests/_helpers/memory_backend.ts";

const N = 1_000;
const utf8 = new TextEncoder();
const value = { id: "order-000001", total: 12.5, note: "x".repeat(60) }; // ≈ 100 B of JSON
const json = codecOf("json");
const context = { part: "value" as const, topic: "orders" };

function produceThroughAccumulator(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const acc = new Accumulator<number>({
    lingerMs: 0,
    maxBatchBytes: 1024 * 1024,
    schedule: () => () => {},
    onDrain: (_key, groups) => {
      for (const g of groups) out.push(encodeRecordBatch(g.map((r) => r.record), { now: 1 }));
    },
  });
  for (let i = 0; i < N; i++) {
    const record = {
      key: utf8.encode(`k${i}`),
      value: json.encode(value, context),
      timestamp: 1,
    };
    const pending: PendingRecord<number> = { record, size: estimateRecordSize(record), waiter: i };
    acc.append("orders\u00000", pending, true);
  }
  acc.drainAll();
  return out;
}

const batches = produceThroughAccumulator();
const fetched = batches.length === 1 ? batches[0]! : new Uint8Array(0);

Deno.bench("producer: accumulate + encode 1,000 × 100 B records", { group: "sdk" }, () => {
  produceThroughAccumulator();
});

Deno.bench("consumer: decode 1,000 × 100 B records to JSON values", { group: "sdk" }, () => {
  let n = 0;
  for (const { pos } of iterateBatches(fetched)) {
    for (const r of decodeRecords(fetched, pos)) {
      json.decode(r.value, context);
      n++;
    }
  }
  if (n !== N) throw new Error(`decoded ${n} records`);
});

// The whole producer path of the SDK (typed codec, partitioner, accumulator, lanes, encode,
// request building) against a fetch that answers at once: client CPU per record, no network.
const backend = new MemoryBackend();
const app = createApp(backend);
let nextOffset = 0;
const instantFetch: FetchLike = (input, init) => {
  const request = new Request(input, init);
  if (request.method === "POST" && new URL(request.url).pathname.endsWith("/batches")) {
    const baseOffset = nextOffset;
    nextOffset += N;
    return Promise.resolve(Response.json({ baseOffset, lastOffset: nextOffset - 1 }));
  }
  return Promise.resolve(app.request(request));
};
const weir = await connect({ url: "http://weir.bench", fetch: instantFetch });
await weir.admin.createTopic({ name: "bench", partitions: 1 });
const bytesTopic = weir.topic("bench", { value: "bytes" });
const producer = weir.producer({ acks: 1, lingerMs: 0, maxBatchBytes: 4 * 1024 * 1024 });
const payload = new Uint8Array(100).fill(97);
const batchRecords = Array.from({ length: N }, () => ({ value: payload, partition: 0 }));

Deno.bench(
  "producer: Producer.sendBatch 1,000 × 100 B, instant fetch",
  { group: "sdk" },
  async () => {
    const metas = await producer.sendBatch(bytesTopic, batchRecords);
    if (metas.length !== N) throw new Error(`acked ${metas.length} records`);
  },
);

globalThis.addEventListener("unload", () => {
  void producer.close().then(() => weir.close()).then(() => backend.close());
});
