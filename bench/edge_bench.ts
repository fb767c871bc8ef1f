/**
 * The edge's own cost on the hot routes: `app.fetch()` of
 * `POST .../batches`, `GET .../batches` and `GET .../records` over an
 * instant fake backend (no socket, no Worker), so only routing, middleware,
 * body reading, checks, metrics and the answer are measured.
 *
 * Run: `deno bench -A bench/edge_bench.ts`.
 *
 * @module
 */
import { encodeRecordBatch, RECORD_BATCH_CONTENT_TYPE } from "../client/protocol/mod.ts";
import { createApp } from "../broker/http/app.ts";
import type { EdgeBackend } from "../broker/http/backend.ts";

const batch = encodeRecordBatch([{ value: new Uint8Array(100) }], { now: 1 });
const backend = {
  limits: { maxRequestBytes: 1 << 20, requestTimeoutMs: 30_000 },
  appendBatches: () => Promise.resolve({ baseOffset: 0, lastOffset: 0 }),
  fetchBatches: () =>
    Promise.resolve({ batches: batch, nextOffset: 1, highWatermark: 1, logStartOffset: 0 }),
} as unknown as EdgeBackend;
const app = createApp(backend);
const base = "http://weir.test/v1/topics/t/partitions/0";

async function run(request: Request): Promise<void> {
  const res = await app.fetch(request);
  if (res.status !== 200) throw new Error(`Cannot bench: got ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

Deno.bench("POST .../batches (one 100 B record, acks=1)", async () => {
  await run(
    new Request(`${base}/batches?acks=1`, {
      method: "POST",
      headers: {
        "content-type": RECORD_BATCH_CONTENT_TYPE,
        "content-length": String(batch.byteLength),
      },
      body: batch as Uint8Array<ArrayBuffer>,
    }),
  );
});

Deno.bench("GET .../batches (waitMs=0)", async () => {
  await run(new Request(`${base}/batches?offset=0&maxRecords=1&waitMs=0`));
});

Deno.bench("GET .../records (long-poll answered at once)", async () => {
  await run(new Request(`${base}/records?offset=0&maxRecords=1&waitMs=1000`));
});
