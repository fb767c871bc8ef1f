/**
 * Fetch `min_bytes`: the listener keeps a fetch parked until at least that
 * many bytes are available (or `max_wait_ms` passes), instead of answering
 * with the first byte.
 */
import { assert, assertEquals } from "@std/assert";
import { startBroker } from "weir/broker";
import { decodeRecords, encodeRecordBatch } from "../../client/protocol/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { KafkaTestClient } from "./_kafka_client.ts";
import { fetchBody, produceBody, readFetchResponse, readProduceResponse } from "./_requests.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function batch(value: string): Uint8Array {
  return encodeRecordBatch([{ key: enc.encode("k"), value: enc.encode(value) }], {
    now: 1_700_000_000_000,
  });
}

Deno.test("Fetch with min_bytes above what is there waits until enough records arrived", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({
    dataDir: dir.path,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
  });
  await broker.node.createTopic({ name: "mb", partitions: 2 });
  await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
  const first = batch("first");
  const produced = readProduceResponse(await client.request(0, 7, produceBody("mb", 0, first, 1)));
  assertEquals(produced[0]!.errorCode, 0);
  // More than the first batch, less than two: an answer needs the second record.
  const req = client.frame(
    1,
    11,
    fetchBody([0, 1].map((p) => ({ topic: "mb", partition: p, offset: 0 })), {
      maxWaitMs: 30_000,
      minBytes: first.byteLength + 10,
    }),
  );
  await client.send(req.bytes);
  const answered = client.receive();
  // An answer at the first byte would carry "first" only; produce the second over HTTP.
  const res = await fetch(`${broker.url}/v1/topics/mb/records`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ records: [{ key: "k", value: "second", partition: 1 }] }),
  });
  assertEquals(res.status, 200);
  await res.body?.cancel();
  const got = await answered;
  assert(got !== null);
  const parts = readFetchResponse(got.body).parts;
  assertEquals(parts.map((p) => decodeRecords(p.records).map((r) => dec.decode(r.value!))), [
    ["first"],
    ['"second"'],
  ]);
});

Deno.test("Fetch with min_bytes never reached answers what there is at max_wait_ms", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({
    dataDir: dir.path,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
  });
  await broker.node.createTopic({ name: "mw", partitions: 1 });
  await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
  await client.request(0, 7, produceBody("mw", 0, batch("only"), 1));
  const fetched = readFetchResponse(
    await client.request(
      1,
      11,
      fetchBody([{ topic: "mw", partition: 0, offset: 0 }], {
        maxWaitMs: 100,
        minBytes: 1024 * 1024,
      }),
    ),
  );
  assertEquals(fetched.parts[0]!.errorCode, 0);
  assertEquals(decodeRecords(fetched.parts[0]!.records).map((r) => dec.decode(r.value!)), ["only"]);
  // An error answers at once, whatever min_bytes says.
  const missing = readFetchResponse(
    await client.request(
      1,
      11,
      fetchBody([{ topic: "mw", partition: 0, offset: 5 }], {
        maxWaitMs: 30_000,
        minBytes: 1024 * 1024,
      }),
    ),
  );
  assertEquals(missing.parts[0]!.errorCode, 1); // OFFSET_OUT_OF_RANGE
});
