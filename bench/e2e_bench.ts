/**
 * End to end on a local broker: SDK → HTTP → partition Worker → log and back.
 * Starts a broker in this process (one Worker per partition) on port 0 in a
 * temp dir; each iteration produces 20,000 × 100 B records with the SDK
 * (`sendBatch` of 1,000, acks=1, 4 in flight) or consumes 20,000 from the
 * start. Fixed iteration counts keep `deno task bench` short; for 1M-record
 * runs and the comparison with NATS and Redis use `deno task bench:e2e` and
 * `deno task bench:compare`.
 *
 * Run: `deno bench -A --unstable-no-legacy-abort bench/e2e_bench.ts`.
 *
 * @module
 */
import { connect } from "../mod.ts";
import { startBroker } from "../broker/mod.ts";

const RECORDS = 20_000;
const BATCH = 1_000;
const dataDir = await Deno.makeTempDir({ prefix: "weir-e2e-bench-" });
const broker = await startBroker({ dataDir, port: 0, logLevel: "warning" });
const weir = await connect({ url: broker.url });
await weir.admin.createTopic({ name: "e2e", partitions: 1 });
const topic = weir.topic("e2e", { value: "bytes" });
const value = new Uint8Array(100).fill(97);
const batch = Array.from({ length: BATCH }, () => ({ value, partition: 0 }));
const producer = weir.producer({ acks: 1, lingerMs: 0, maxBatchBytes: 4 * 1024 * 1024 });

async function produce(): Promise<void> {
  const inFlight: Promise<unknown>[] = [];
  for (let sent = 0; sent < RECORDS; sent += BATCH) {
    inFlight.push(producer.sendBatch(topic, batch));
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
}

await produce(); // something to consume from the first iteration on

Deno.bench("e2e: produce 20,000 × 100 B (SDK, acks=1, 4 in flight)", {
  group: "e2e",
  n: 8,
  warmup: 1,
}, async () => {
  await produce();
});

Deno.bench("e2e: consume 20,000 × 100 B from offset 0 (SDK)", {
  group: "e2e",
  n: 8,
  warmup: 1,
}, async () => {
  await using consumer = weir.consumer({
    topics: [topic],
    prefetchRecords: RECORDS,
    prefetchBytes: 16 * 1024 * 1024,
  });
  consumer.assign([{ topic: "e2e", partition: 0, offset: 0 }]);
  let received = 0;
  for await (const b of consumer.batches()) {
    received += b.records.length;
    if (received >= RECORDS) break;
  }
});

globalThis.addEventListener("unload", () => {
  void (async () => {
    await producer.close();
    await weir.close();
    await broker.close();
    await Deno.remove(dataDir, { recursive: true });
  })();
});
