/**
 * End-to-end: the SDK against a real broker over real HTTP (one Worker per
 * partition), including idempotent retries deduplicated by the partition.
 */
import { assertEquals, assertRejects } from "@std/assert";
import { z } from "zod";
import { connect, WeirError } from "weir";
import { startBroker } from "weir/broker";
import { encodeRecordBatch, RECORD_BATCH_CONTENT_TYPE } from "../../client/protocol/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

const Order = z.object({ id: z.string(), total: z.number() });

Deno.test("SDK produces typed records to a real broker and reads them back per partition", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({ dataDir: dir.path, port: 0 });
  await using weir = await connect({ url: broker.url });
  await weir.admin.createTopic({ name: "orders", partitions: 4 });
  const orders = weir.topic("orders", { value: Order });
  const sent: { partition: number; offset: number; id: string }[] = [];
  {
    await using producer = weir.producer({ acks: "all", lingerMs: 2 });
    const metas = await producer.sendBatch(
      orders,
      Array.from({ length: 200 }, (_, i) => ({ key: `o-${i}`, value: { id: `o-${i}`, total: i } })),
    );
    metas.forEach((m, i) => sent.push({ partition: m.partition, offset: m.offset, id: `o-${i}` }));
    // A typed topic refuses a bad value before anything is sent.
    await assertRejects(
      () =>
        producer.send(orders, { key: "bad", value: { id: 1 } as unknown as z.infer<typeof Order> }),
      WeirError,
    );
  }
  const description = await weir.admin.describeTopic("orders");
  assertEquals(description.partitions.reduce((n, p) => n + p.highWatermark, 0), 200);
  await using consumer = weir.consumer({ topics: [orders], autoOffsetReset: "earliest" });
  consumer.assign([0, 1, 2, 3].map((partition) => ({ topic: "orders", partition, offset: 0 })));
  const got = new Map<string, { partition: number; offset: number }>();
  for await (const record of consumer) {
    got.set(record.value.id, { partition: record.partition, offset: record.offset });
    if (got.size === 200) break;
  }
  for (const s of sent) assertEquals(got.get(s.id), { partition: s.partition, offset: s.offset });
});

Deno.test("the broker answers a retried idempotent batch with its original offsets, stored once", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({ dataDir: dir.path, port: 0 });
  await using weir = await connect({ url: broker.url });
  await weir.admin.createTopic({ name: "pay" });
  const { producerId, producerEpoch } =
    await (await fetch(`${broker.url}/v1/producers`, { method: "POST" }))
      .json();
  const enc = new TextEncoder();
  const batch = (seq: number, n: number) =>
    encodeRecordBatch(
      Array.from({ length: n }, (_, i) => ({ value: enc.encode(JSON.stringify(seq + i)) })),
      { producerId, producerEpoch, baseSequence: seq },
    );
  const post = async (bytes: Uint8Array) => {
    const res = await fetch(`${broker.url}/v1/topics/pay/partitions/0/batches?acks=all`, {
      method: "POST",
      headers: { "content-type": RECORD_BATCH_CONTENT_TYPE },
      body: bytes as Uint8Array<ArrayBuffer>,
    });
    return { status: res.status, body: await res.json() };
  };
  const first = await post(batch(0, 3));
  assertEquals(first, { status: 200, body: { baseOffset: 0, lastOffset: 2 } });
  assertEquals(await post(batch(0, 3)), first); // the retry: same offsets
  assertEquals((await post(batch(3, 2))).body, { baseOffset: 3, lastOffset: 4 });
  const gap = await post(batch(9, 1));
  assertEquals([gap.status, gap.body.error.code], [409, "OUT_OF_ORDER_SEQUENCE_NUMBER"]);
  const offsets = await weir.admin.describeTopic("pay");
  assertEquals(offsets.partitions[0]!.highWatermark, 5);
});

Deno.test("SDK runs unchanged under Node against a real broker", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({ dataDir: `${dir.path}/data`, port: 0 });
  const bundle = `${dir.path}/weir.mjs`;
  const built = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--platform",
      "browser",
      new URL("../../client/mod.ts", import.meta.url).pathname,
      "-o",
      bundle,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(built.code, 0, new TextDecoder().decode(built.stderr));
  const script = `${dir.path}/run.mjs`;
  await Deno.writeTextFile(
    script,
    `import { connect } from ${JSON.stringify(bundle)};
const weir = await connect({ url: process.argv[2] });
await weir.admin.createTopic({ name: "from-node", partitions: 2 });
const producer = weir.producer({ acks: "all" });
const metas = await producer.sendBatch("from-node", [1, 2, 3].map((n) => ({ key: "k" + n, value: { n } })));
await producer.close();
const consumer = weir.consumer({ topics: ["from-node"] });
consumer.assign([0, 1].map((partition) => ({ topic: "from-node", partition, offset: "earliest" })));
const seen = [];
for await (const r of consumer) { seen.push(r.value.n); if (seen.length === 3) break; }
await weir.close();
console.log(JSON.stringify({ metas: metas.length, seen: seen.sort(), node: process.version }));
`,
  );
  const run = await new Deno.Command("node", {
    args: [script, broker.url],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const stderr = new TextDecoder().decode(run.stderr);
  assertEquals(run.code, 0, stderr);
  const out = JSON.parse(new TextDecoder().decode(run.stdout).trim());
  assertEquals([out.metas, out.seen], [3, [1, 2, 3]]);
});
