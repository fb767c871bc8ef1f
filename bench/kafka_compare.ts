// deno-lint-ignore-file no-console
/**
 * Kafka listener vs SDK, same run: starts one broker in this process (one
 * Worker per partition) with the Kafka listener on a free port, then
 *
 * 1. produces N records of S bytes with `kcat -P` (librdkafka, its own
 *    process) into topic `kafka`, and consumes them with `kcat -C -c N`;
 * 2. produces N records of S bytes with the SDK (binary batch route, client
 *    batches of B records, 4 in flight) into topic `sdk`, and consumes them
 *    with the SDK.
 *
 * Prints records/s and MB/s for each and the Kafka/SDK ratios. kcat times
 * include its start-up (tens of ms).
 *
 *   deno task bench:kafka [--records 1000000] [--size 100] [--acks 1|all] [--batch 1000]
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
    acks: { type: "string", default: "1" },
    batch: { type: "string", default: "1000" },
  },
});
const total = Number(values.records);
const size = Number(values.size);
const batch = Number(values.batch);
const kafkaAcks = values.acks === "all" ? "all" : values.acks === "0" ? "0" : "1";
const sdkAcks = kafkaAcks === "all" ? "all" : kafkaAcks === "0" ? 0 : 1;

async function highWatermark(url: string, topic: string): Promise<number> {
  const res = await fetch(`${url}/v1/topics/${topic}`);
  const d = await res.json() as { partitions: { highWatermark: number }[] };
  return d.partitions[0]!.highWatermark;
}

async function runKcat(args: string[], stdinFile: string | null): Promise<number> {
  const t0 = performance.now();
  const child = new Deno.Command("kcat", {
    args,
    stdin: stdinFile === null ? "null" : "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  if (stdinFile !== null) {
    const file = await Deno.open(stdinFile);
    await file.readable.pipeTo(child.stdin);
  }
  const out = await child.output();
  if (out.code !== 0) {
    throw new Error(`Cannot run kcat ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return performance.now() - t0;
}

const dataDir = await Deno.makeTempDir({ prefix: "weir-bench-kafka-" });
try {
  await using broker = await startBroker({ dataDir, port: 0, kafkaPort: 0 });
  const bootstrap = `${broker.kafkaAddress!.host}:${broker.kafkaAddress!.port}`;
  await using weir = await connect({ url: broker.url });
  await weir.admin.createTopic({ name: "kafka", partitions: 1 });
  await weir.admin.createTopic({ name: "sdk", partitions: 1 });

  // Input for kcat: N lines of S bytes (the newline is the delimiter, not part of the value).
  const input = `${dataDir}/input.txt`;
  {
    const line = new TextEncoder().encode("a".repeat(size) + "\n");
    const chunk = new Uint8Array(line.byteLength * 10_000);
    for (let i = 0; i < 10_000; i++) chunk.set(line, i * line.byteLength);
    const f = await Deno.open(input, { write: true, create: true, truncate: true });
    for (let n = 0; n < total; n += 10_000) {
      const count = Math.min(10_000, total - n);
      await f.write(chunk.subarray(0, count * line.byteLength));
    }
    f.close();
  }

  const common = ["-b", bootstrap, "-X", "broker.address.family=v4", "-q"];
  const kafkaProduceMs = await runKcat([
    ...common,
    "-P",
    "-t",
    "kafka",
    "-p",
    "0",
    "-X",
    `acks=${kafkaAcks}`,
    "-X",
    "linger.ms=5",
    "-X",
    "batch.size=1000000",
    "-X",
    "queue.buffering.max.messages=1000000",
    "-X",
    "compression.codec=none",
    "-l",
    "/dev/stdin",
  ], input);
  const produced = await highWatermark(broker.url, "kafka");
  if (produced !== total) throw new Error(`Cannot bench: kcat produced ${produced} of ${total}`);
  const kafkaConsumeMs = await runKcat([
    ...common,
    "-C",
    "-t",
    "kafka",
    "-o",
    "beginning",
    "-c",
    String(total),
    "-f",
    "%o\n",
    "-X",
    "fetch.message.max.bytes=4194304",
  ], null);

  const topic = weir.topic("sdk", { value: "bytes" });
  const value = new Uint8Array(size).fill(97);
  const records = Array.from({ length: batch }, () => ({ value, partition: 0 }));
  const producer = weir.producer({
    acks: sdkAcks,
    idempotent: true,
    lingerMs: 0,
    maxBatchBytes: 4 * 1024 * 1024,
  });
  const t0 = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let sent = 0; sent < total; sent += batch) {
    const p = producer.sendBatch(topic, records.slice(0, Math.min(batch, total - sent)));
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await producer.close();
  const sdkProduceMs = performance.now() - t0;
  await using consumer = weir.consumer({
    topics: [topic],
    prefetchRecords: 100_000,
    prefetchBytes: 16 * 1024 * 1024,
  });
  consumer.assign([{ topic: "sdk", partition: 0, offset: 0 }]);
  let received = 0;
  const t1 = performance.now();
  for await (const b of consumer.batches()) {
    received += b.records.length;
    if (received >= total) break;
  }
  const sdkConsumeMs = performance.now() - t1;

  const rate = (ms: number) => Math.round(total / (ms / 1000));
  const mb = (ms: number) => ((total * size) / 1e6 / (ms / 1000)).toFixed(1);
  const line = (what: string, ms: number) =>
    `  ${what.padEnd(22)} ${rate(ms).toLocaleString().padStart(10)} records/s ${
      mb(ms).padStart(7)
    } MB/s ${ms.toFixed(0).padStart(7)} ms`;
  console.log(
    `Kafka listener vs SDK (${total.toLocaleString()} × ${size} B, acks=${kafkaAcks}, 1 partition, worker actors):`,
  );
  console.log(line("kcat produce", kafkaProduceMs));
  console.log(line("SDK produce", sdkProduceMs));
  console.log(line("kcat consume", kafkaConsumeMs));
  console.log(line("SDK consume", sdkConsumeMs));
  console.log(
    `  ratio kafka/sdk: produce ${(sdkProduceMs / kafkaProduceMs).toFixed(2)}×, consume ${
      (sdkConsumeMs / kafkaConsumeMs).toFixed(2)
    }×`,
  );
} finally {
  await Deno.remove(dataDir, { recursive: true });
}
