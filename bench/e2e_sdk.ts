// deno-lint-ignore-file no-console
/**
 * End-to-end throughput: SDK → HTTP → partition Worker → log, and back.
 * Starts a broker in this process (one Worker per partition) on a free port
 * in a temp dir, produces N records of S bytes with the SDK (binary batch
 * route, client batches of B records, 4 batches in flight), then consumes
 * them from offset 0 with the SDK. Prints records/s for both.
 *
 *   deno task bench:e2e [--records 1000000] [--size 100] [--batch 1000] [--acks 1|all] [--partitions 1]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { connect } from "../mod.ts";
import { startBroker } from "../broker/mod.ts";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    size: { type: "string", default: "100" },
    batch: { type: "string", default: "1000" },
    acks: { type: "string", default: "1" },
    partitions: { type: "string", default: "1" },
    idempotent: { type: "string", default: "true" },
  },
});
const total = Number(values.records);
const size = Number(values.size);
const batch = Number(values.batch);
const partitions = Number(values.partitions);
const idempotent = values.idempotent !== "false";
const acks = values.acks === "all" ? "all" : values.acks === "0" ? 0 : 1;

const dataDir = await Deno.makeTempDir({ prefix: "weir-bench-" });
try {
  await using broker = await startBroker({ dataDir, port: 0 });
  await using weir = await connect({ url: broker.url });
  await weir.admin.createTopic({ name: "bench", partitions });
  const topic = weir.topic("bench", { value: "bytes" });
  const value = new Uint8Array(size).fill(97);
  const records = Array.from({ length: batch }, (_, i) => ({ value, partition: i % partitions }));

  const producer = weir.producer({ acks, idempotent, lingerMs: 0, maxBatchBytes: 4 * 1024 * 1024 });
  let sent = 0;
  const t0 = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  let lastReport = t0;
  while (sent < total) {
    const p = producer.sendBatch(topic, records);
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
    sent += batch;
    if (inFlight.size >= 4) await Promise.race(inFlight);
    if (performance.now() - lastReport > 2000) {
      lastReport = performance.now();
      console.error(`  produced ${sent.toLocaleString()} / ${total.toLocaleString()}`);
    }
  }
  await Promise.all(inFlight);
  await producer.close();
  const produceMs = performance.now() - t0;

  await using consumer = weir.consumer({
    topics: [topic],
    prefetchRecords: 100_000,
    prefetchBytes: 16 * 1024 * 1024,
  });
  consumer.assign(
    Array.from({ length: partitions }, (_, p) => ({ topic: "bench", partition: p, offset: 0 })),
  );
  let received = 0;
  const t1 = performance.now();
  for await (const b of consumer.batches()) {
    received += b.records.length;
    if (received >= total) break;
  }
  const consumeMs = performance.now() - t1;
  const rate = (n: number, ms: number) => Math.round(n / (ms / 1000)).toLocaleString();
  const mb = (n: number, ms: number) => ((n * size) / 1e6 / (ms / 1000)).toFixed(1);
  console.log(
    `SDK e2e (${total.toLocaleString()} × ${size} B, batches of ${batch}, acks=${acks}, idempotent=${idempotent}, ${partitions} partition(s), worker actors):`,
  );
  console.log(
    `  produce: ${rate(total, produceMs)} records/s (${mb(total, produceMs)} MB/s), ${
      produceMs.toFixed(0)
    } ms`,
  );
  console.log(
    `  consume: ${rate(received, consumeMs)} records/s (${mb(received, consumeMs)} MB/s), ${
      consumeMs.toFixed(0)
    } ms`,
  );
} finally {
  await Deno.remove(dataDir, { recursive: true });
}
