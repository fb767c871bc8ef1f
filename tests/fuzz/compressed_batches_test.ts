/**
 * Compressed RecordBatches through the HTTP edge of a real BrokerNode:
 * batches compressed by real gzip/lz4/zstd programs (and snappy vectors from
 * Google's format) are stored as they came and shown as JSON; lying record
 * counts and decompression bombs are refused and write nothing.
 *
 * @module
 */
import { assertEquals } from "@std/assert";
import { resolveConfig } from "../../broker/config.ts";
import { createApp } from "../../broker/http/mod.ts";
import { BrokerNode } from "../../broker/node.ts";
import {
  compressedBatch,
  fromBase64,
  goldenBatch,
  goldenPlain,
  runCompressor,
  SNAPPY_RAW_20,
  SNAPPY_XERIAL_20,
} from "../../client/protocol/_test_compression_vectors.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

type Codec = "gzip" | "snappy" | "lz4" | "zstd";

async function packed(codec: Codec): Promise<Uint8Array> {
  const plain = goldenPlain(20);
  if (codec === "snappy") return fromBase64(SNAPPY_RAW_20);
  if (codec === "gzip") return await runCompressor("gzip", ["-c", "-n"], plain);
  return await runCompressor(codec, ["-q", "-c"], plain);
}

function post(app: ReturnType<typeof createApp>, path: string, body: Uint8Array) {
  return app.request(path, {
    method: "POST",
    headers: { "content-type": "application/vnd.kafka.record-batch" },
    body: body as Uint8Array<ArrayBuffer>,
  });
}

async function logEnd(node: BrokerNode, topic: string): Promise<number> {
  return (await node.describeTopic(topic)).partitions[0]!.highWatermark;
}

Deno.test("POST .../batches stores real compressed batches and GET .../records shows them as JSON", async () => {
  await using dir = await tempDir("weir-compress-");
  await using node = await BrokerNode.start(
    resolveConfig({ dataDir: dir.path, port: 0, actorHost: "inline" }),
  );
  await node.createTopic({ name: "c", partitions: 1 });
  await node.createTopic({ name: "cc", partitions: 1, configs: { "cleanup.policy": "compact" } });
  const app = createApp(node);
  let next = 0;
  for (const codec of ["gzip", "snappy", "lz4", "zstd"] as const) {
    const batch = compressedBatch(goldenBatch(20), codec, await packed(codec));
    const res = await post(app, "/v1/topics/c/partitions/0/batches", batch);
    assertEquals(res.status, 200, `${codec}: ${await res.clone().text()}`);
    assertEquals(await res.json(), { baseOffset: next, lastOffset: next + 19 });
    const got = await app.request(`/v1/topics/c/partitions/0/records?offset=${next}&maxRecords=20`);
    assertEquals(got.status, 200, codec);
    const { records } = await got.json() as {
      records: { offset: number; key: string; value: { id: number } }[];
    };
    assertEquals(records.map((r) => r.value.id), [...Array(20).keys()], codec);
    assertEquals(records[5]!.key, "key-5");
    // Stored as it came: the raw fetch returns the compressed bytes.
    const raw = await app.request(`/v1/topics/c/partitions/0/batches?offset=${next}&maxRecords=1`, {
      headers: { accept: "application/vnd.kafka.record-batch" },
    });
    const bytes = new Uint8Array(await raw.arrayBuffer());
    assertEquals(bytes.subarray(61, batch.length), batch.subarray(61), codec);
    next += 20;
  }
  // Xerial-framed snappy (Java clients), and compressed keyed batches on a compacted topic.
  const xerial = compressedBatch(goldenBatch(20), "snappy", fromBase64(SNAPPY_XERIAL_20));
  assertEquals((await post(app, "/v1/topics/cc/partitions/0/batches", xerial)).status, 200);
  assertEquals(await logEnd(node, "cc"), 20);
});

Deno.test("POST .../batches refuses lying compressed counts (400) and bombs (413), writing nothing", async () => {
  await using dir = await tempDir("weir-compress-");
  await using node = await BrokerNode.start(
    resolveConfig({ dataDir: dir.path, port: 0, actorHost: "inline" }),
  );
  await node.createTopic({ name: "c", partitions: 1 });
  const app = createApp(node);
  for (const codec of ["gzip", "snappy", "lz4", "zstd"] as const) {
    for (const recordCount of [19, 21]) {
      const lying = compressedBatch(goldenBatch(20), codec, await packed(codec), { recordCount });
      const res = await post(app, "/v1/topics/c/partitions/0/batches", lying);
      assertEquals(res.status, 400, codec);
      assertEquals((await res.json()).error.code, "INVALID_RECORD");
    }
  }
  // 8 MiB of zeros compresses to a few KiB: far below max.message.bytes (1 MiB) on the wire.
  for (const codec of ["gzip", "lz4", "zstd"] as const) {
    const args = codec === "gzip" ? ["-c"] : ["-q", "-c"];
    const bomb = await runCompressor(codec, args, new Uint8Array(8 << 20));
    const res = await post(
      app,
      "/v1/topics/c/partitions/0/batches",
      compressedBatch(goldenBatch(1), codec, bomb),
    );
    assertEquals(res.status, 413, codec);
    assertEquals((await res.json()).error.code, "RECORD_TOO_LARGE");
  }
  assertEquals(await logEnd(node, "c"), 0);
});

Deno.test("GET .../offsets?timestamp finds the exact record inside a compressed batch", async () => {
  await using dir = await tempDir("weir-compress-");
  await using node = await BrokerNode.start(
    resolveConfig({ dataDir: dir.path, port: 0, actorHost: "inline" }),
  );
  await node.createTopic({ name: "c", partitions: 1 });
  const app = createApp(node);
  const batch = compressedBatch(goldenBatch(20), "zstd", await packed("zstd"));
  assertEquals((await post(app, "/v1/topics/c/partitions/0/batches", batch)).status, 200);
  // goldenRecords(i) has timestamp 1_700_000_000_000 + i.
  const res = await app.request("/v1/topics/c/partitions/0/offsets?timestamp=1700000000005");
  assertEquals(res.status, 200);
  assertEquals((await res.json()).offsetForTimestamp, 5);
});
