/**
 * Compression across clients: batches kcat (librdkafka) compresses with
 * zstd are read by the SDK consumer (the portable fzstd decoder), and
 * batches the SDK producer compresses with gzip, snappy and lz4 are read by
 * kcat and by the SDK consumer. The stored batches are checked to carry the
 * codec, so a client that quietly sends uncompressed cannot pass.
 */
import { assertEquals } from "@std/assert";
import { type Broker, startBroker } from "weir/broker";
import { connect } from "weir/client";
import {
  compressionOf,
  type CompressionType,
  iterateBatches,
  RECORD_BATCH_CONTENT_TYPE,
} from "../../client/protocol/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { kcat } from "./_kcat.ts";

function bootstrap(broker: Broker): string {
  const a = broker.kafkaAddress!;
  return `${a.host}:${a.port}`;
}

/** The codec of every batch stored in `topic`-0. */
async function storedCodecs(broker: Broker, topic: string): Promise<CompressionType[]> {
  const res = await fetch(
    `${broker.url}/v1/topics/${topic}/partitions/0/batches?offset=earliest`,
    { headers: { accept: RECORD_BATCH_CONTENT_TYPE } },
  );
  assertEquals(res.status, 200);
  const buf = new Uint8Array(await res.arrayBuffer());
  return [...iterateBatches(buf)].map((b) => compressionOf(b.header.attributes));
}

/** 200 keyed, repetitive records: every codec shrinks them, so clients do compress. */
const LINES = Array.from(
  { length: 200 },
  (_, i) => `k${i % 7}:{"order":${i},"status":"shipped","note":"${"abc".repeat(10)}"}`,
);

Deno.test("an SDK consumer reads zstd batches that kcat produced", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({
    dataDir: dir.path,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
  });
  await broker.node.createTopic({ name: "zstd-in", partitions: 1 });
  const run = await kcat(bootstrap(broker), [
    "-P",
    "-t",
    "zstd-in",
    "-p",
    "0",
    "-K:",
    "-z",
    "zstd",
    "-X",
    "linger.ms=50",
  ], { stdin: LINES.join("\n") + "\n" });
  assertEquals(run.code, 0, run.stderr);
  const codecs = await storedCodecs(broker, "zstd-in");
  assertEquals(codecs.length > 0 && codecs.every((c) => c === "zstd"), true, codecs.join());

  await using weir = await connect({ url: broker.url });
  await using consumer = weir.consumer({ waitMs: 100 });
  consumer.assign([{ topic: "zstd-in", partition: 0, offset: "earliest" }]);
  const seen: string[] = [];
  for await (const r of consumer) {
    seen.push(`${r.key}:${JSON.stringify(r.value)}`);
    if (seen.length === LINES.length) break;
  }
  assertEquals(seen, LINES);
});

Deno.test("kcat and an SDK consumer read batches the SDK compressed with gzip, snappy and lz4", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({
    dataDir: dir.path,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
  });
  await using weir = await connect({ url: broker.url });
  for (const compression of ["gzip", "snappy", "lz4"] as const) {
    const topic = `sdk-${compression}`;
    await weir.admin.createTopic({ name: topic, partitions: 1 });
    {
      await using producer = weir.producer({ compression, lingerMs: 20 });
      await producer.sendBatch(
        topic,
        LINES.map((l) => {
          const at = l.indexOf(":");
          return { key: l.slice(0, at), value: JSON.parse(l.slice(at + 1)), partition: 0 };
        }),
      );
    }
    const codecs = await storedCodecs(broker, topic);
    assertEquals(codecs.length > 0 && codecs.every((c) => c === compression), true, codecs.join());

    const run = await kcat(bootstrap(broker), ["-C", "-t", topic, "-e", "-o", "beginning", "-K:"]);
    assertEquals(run.code, 0, run.stderr);
    assertEquals(run.stdout.trim().split("\n"), LINES, compression);

    await using consumer = weir.consumer({ waitMs: 100 });
    consumer.assign([{ topic, partition: 0, offset: "earliest" }]);
    const seen: string[] = [];
    for await (const r of consumer) {
      seen.push(`${r.key}:${JSON.stringify(r.value)}`);
      if (seen.length === LINES.length) break;
    }
    assertEquals(seen, LINES, compression);
  }
});
