/**
 * The Kafka listener with a hand-written client: ApiVersions negotiation,
 * pipelining, framing limits, acks=0, batch pass-through, long-poll fetch,
 * max bytes across partitions, and clean close.
 */
import { assert, assertEquals } from "@std/assert";
import { type Broker, startBroker } from "weir/broker";
import { decodeRecords, encodeRecordBatch } from "../../client/protocol/mod.ts";
import { createKafkaApiRegistry, KafkaListener } from "../../broker/kafka/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { KafkaTestClient } from "./_kafka_client.ts";
import {
  apiVersionsBody,
  fetchBody,
  produceBody,
  readApiVersions,
  readFetchResponse,
  readProduceResponse,
} from "./_requests.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function withBroker(fn: (broker: Broker) => Promise<void>): Promise<void> {
  await using dir = await tempDir();
  await using broker = await startBroker({
    dataDir: dir.path,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
  });
  await fn(broker);
}

function batch(values: string[], key = "k"): Uint8Array {
  return encodeRecordBatch(
    values.map((v) => ({ key: enc.encode(key), value: enc.encode(v) })),
    { now: 1_700_000_000_000 },
  );
}

Deno.test("ApiVersions v0–v3 lists every served API and answers with response header v0", async () => {
  await withBroker(async (broker) => {
    await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
    for (const version of [0, 1, 2, 3]) {
      // Response header v0 even for v3: the reader starts right at error_code.
      const r = await client.request(18, version, apiVersionsBody(version), {
        flexible: version >= 3,
      });
      const { errorCode, apis } = readApiVersions(r, version);
      assertEquals(errorCode, 0);
      assertEquals(r.remaining, 0);
      assertEquals(apis.get(18), [0, 3]);
      assertEquals(apis.get(0), [3, 7]);
      assertEquals(apis.get(1), [4, 11]);
      assertEquals(apis.get(3), [1, 6]);
      assertEquals(apis.get(2), [1, 3]);
      assertEquals(apis.get(22), [0, 1]);
    }
  });
});

Deno.test("ApiVersions with a too-new version answers UNSUPPORTED_VERSION with a v0 body", async () => {
  await withBroker(async (broker) => {
    await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
    const r = await client.request(18, 9, apiVersionsBody(9), { flexible: true });
    const { errorCode, apis } = readApiVersions(r, 0);
    assertEquals(errorCode, 35);
    assertEquals(apis.get(18), [0, 3]);
    // The connection stays usable.
    const again = readApiVersions(await client.request(18, 2, apiVersionsBody(2)), 2);
    assertEquals(again.errorCode, 0);
  });
});

Deno.test("pipelined requests are answered in order with their correlation ids", async () => {
  await withBroker(async (broker) => {
    await broker.node.createTopic({ name: "p", partitions: 1 });
    await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
    const frames: Uint8Array[] = [];
    const expected: number[] = [];
    for (let i = 0; i < 40; i++) {
      const f = i % 2 === 0
        ? client.frame(0, 7, produceBody("p", 0, batch([`v${i}`]), 1), { correlationId: 1000 + i })
        : client.frame(18, 2, apiVersionsBody(2), { correlationId: 1000 + i });
      frames.push(f.bytes);
      expected.push(f.correlationId);
    }
    const all = new Uint8Array(frames.reduce((n, f) => n + f.byteLength, 0));
    let at = 0;
    for (const f of frames) {
      all.set(f, at);
      at += f.byteLength;
    }
    await client.send(all);
    const got: number[] = [];
    const offsets: number[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await client.receive();
      assert(res !== null, `response ${i}`);
      got.push(res.correlationId);
      if (i % 2 === 0) offsets.push(readProduceResponse(res.body)[0]!.baseOffset);
    }
    assertEquals(got, expected);
    assertEquals(offsets, Array.from({ length: 20 }, (_, i) => i));
  });
});

Deno.test("Produce with acks=0 sends no response and still appends", async () => {
  await withBroker(async (broker) => {
    await broker.node.createTopic({ name: "z", partitions: 1 });
    await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
    const p = client.frame(0, 7, produceBody("z", 0, batch(["a", "b"]), 0));
    const v = client.frame(18, 2, apiVersionsBody(2));
    await client.send(p.bytes);
    await client.send(v.bytes);
    const first = await client.receive();
    assertEquals(first?.correlationId, v.correlationId);
    const f = readFetchResponse(
      await client.request(1, 11, fetchBody([{ topic: "z", partition: 0, offset: 0 }])),
    );
    assertEquals(f.parts[0]!.highWatermark, 2);
  });
});

Deno.test("Produce passes batches through and Fetch returns the same records", async () => {
  await withBroker(async (broker) => {
    await broker.node.createTopic({ name: "b", partitions: 2 });
    await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
    const sent = batch(["x", "y", "z"], "key-1");
    const produced = readProduceResponse(await client.request(0, 5, produceBody("b", 1, sent, -1)));
    assertEquals(produced, [{ topic: "b", partition: 1, errorCode: 0, baseOffset: 0 }]);
    const fetched = readFetchResponse(
      await client.request(1, 11, fetchBody([{ topic: "b", partition: 1, offset: 0 }])),
    );
    const part = fetched.parts[0]!;
    assertEquals(part.errorCode, 0);
    assertEquals(part.highWatermark, 3);
    // Byte for byte the batch the client sent (base offset 0 either way).
    assertEquals([...part.records], [...sent]);
    const records = decodeRecords(part.records);
    assertEquals(records.map((r) => [r.offset, dec.decode(r.key!), dec.decode(r.value!)]), [
      [0, "key-1", "x"],
      [1, "key-1", "y"],
      [2, "key-1", "z"],
    ]);
  });
});

Deno.test("Fetch at the log end long-polls until a record arrives", async () => {
  await withBroker(async (broker) => {
    await broker.node.createTopic({ name: "lp", partitions: 3 });
    await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
    const req = client.frame(
      1,
      11,
      fetchBody([0, 1, 2].map((p) => ({ topic: "lp", partition: p, offset: 0 })), {
        maxWaitMs: 30_000,
      }),
    );
    await client.send(req.bytes);
    const answered = client.receive();
    // The request is parked (an early answer would carry no records): produce to partition 2
    // over HTTP and the fetch answers with it.
    const res = await fetch(`${broker.url}/v1/topics/lp/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ records: [{ key: "a", value: "late", partition: 2 }] }),
    });
    assertEquals(res.status, 200);
    await res.body?.cancel();
    const got = await answered;
    assert(got !== null);
    const parts = readFetchResponse(got.body).parts;
    const p2 = parts.find((p) => p.partition === 2)!;
    assertEquals(decodeRecords(p2.records).map((r) => dec.decode(r.value!)), ['"late"']);
    for (const p of parts.filter((p) => p.partition !== 2)) assertEquals(p.records.byteLength, 0);
  });
});

Deno.test("Fetch keeps whole partitions within max_bytes, the first one always", async () => {
  await withBroker(async (broker) => {
    await broker.node.createTopic({ name: "mb", partitions: 3 });
    await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
    for (const p of [0, 1, 2]) {
      await client.request(0, 7, produceBody("mb", p, batch(["v".repeat(500)]), 1));
    }
    const all = readFetchResponse(
      await client.request(
        1,
        11,
        fetchBody([0, 1, 2].map((p) => ({ topic: "mb", partition: p, offset: 0 })), {
          maxBytes: 700,
        }),
      ),
    );
    assertEquals(all.parts.map((p) => p.records.byteLength > 0), [true, false, false]);
    assertEquals(all.parts.map((p) => p.highWatermark), [1, 1, 1]);
  });
});

Deno.test("Fetch from an offset past the end answers OFFSET_OUT_OF_RANGE", async () => {
  await withBroker(async (broker) => {
    await broker.node.createTopic({ name: "oor", partitions: 1 });
    await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
    const f = readFetchResponse(
      await client.request(1, 11, fetchBody([{ topic: "oor", partition: 0, offset: 42 }])),
    );
    assertEquals(f.parts[0]!.errorCode, 1);
    const unknown = readFetchResponse(
      await client.request(1, 11, fetchBody([{ topic: "nope", partition: 0, offset: 0 }])),
    );
    assertEquals(unknown.parts[0]!.errorCode, 3);
  });
});

Deno.test("a frame over the size limit, an unknown API or a bad version closes only that connection", async () => {
  await withBroker(async (broker) => {
    await using listener = KafkaListener.listen({
      backend: broker.node,
      apis: createKafkaApiRegistry().apis,
      maxRequestBytes: 1024,
    });
    const cases: Uint8Array[] = [
      new Uint8Array([0, 0, 0x10, 0]), // 4 KiB frame announced, limit 1 KiB
      new Uint8Array([0xff, 0xff, 0xff, 0xf0]), // negative size
      new Uint8Array([0, 0, 0, 2, 0, 0]), // smaller than any header
    ];
    for (const bytes of cases) {
      await using c = await KafkaTestClient.connect(listener.address);
      await c.send(bytes);
      assert(await c.closedByPeer(), `closed after ${[...bytes]}`);
    }
    {
      await using c = await KafkaTestClient.connect(listener.address);
      await c.send(c.frame(999, 0, new Uint8Array(0)).bytes);
      assert(await c.closedByPeer(), "closed after an unknown API key");
    }
    {
      await using c = await KafkaTestClient.connect(listener.address);
      await c.send(c.frame(0, 99, new Uint8Array(0)).bytes);
      assert(await c.closedByPeer(), "closed after an unsupported Produce version");
    }
    await using good = await KafkaTestClient.connect(listener.address);
    const r = readApiVersions(await good.request(18, 2, apiVersionsBody(2)), 2);
    assertEquals(r.errorCode, 0);
  });
});

Deno.test("`KafkaListener.close()` closes open connections and is idempotent", async () => {
  await withBroker(async (broker) => {
    const listener = KafkaListener.listen({
      backend: broker.node,
      apis: createKafkaApiRegistry().apis,
    });
    await using client = await KafkaTestClient.connect(listener.address);
    readApiVersions(await client.request(18, 2, apiVersionsBody(2)), 2);
    assertEquals(listener.connectionCount, 1);
    // A long poll in flight is cut short by the close.
    await broker.node.createTopic({ name: "c", partitions: 1 });
    await client.send(
      client.frame(
        1,
        11,
        fetchBody([{ topic: "c", partition: 0, offset: 0 }], { maxWaitMs: 60_000 }),
      )
        .bytes,
    );
    await Promise.all([listener.close(), listener.close()]);
    await listener.close();
    assertEquals(listener.connectionCount, 0);
    assert(await client.closedByPeer());
    await assertRefused(listener.address);
  });
});

async function assertRefused(address: { host: string; port: number }): Promise<void> {
  try {
    const c = await Deno.connect({ hostname: address.host, port: address.port });
    c.close();
  } catch (e) {
    assert(e instanceof Deno.errors.ConnectionRefused, String(e));
    return;
  }
  throw new Error("Cannot confirm the listener closed: a connection was accepted");
}

Deno.test("a request near the size limit is read whole while the buffer grows", async () => {
  await withBroker(async (broker) => {
    await broker.node.createTopic({ name: "big", partitions: 1 });
    await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
    const value = "x".repeat(1000);
    const sent = batch(Array.from({ length: 900 }, () => value)); // ~0.9 MB
    // Two in one write: the second frame starts inside the first read of the grown buffer.
    const a = client.frame(0, 7, produceBody("big", 0, sent, 1));
    const b = client.frame(0, 7, produceBody("big", 0, sent, 1));
    const both = new Uint8Array(a.bytes.byteLength + b.bytes.byteLength);
    both.set(a.bytes);
    both.set(b.bytes, a.bytes.byteLength);
    await client.send(both);
    const first = await client.receive();
    const second = await client.receive();
    assertEquals(readProduceResponse(first!.body)[0]!.baseOffset, 0);
    assertEquals(readProduceResponse(second!.body)[0]!.baseOffset, 900);
    const f = readFetchResponse(
      await client.request(
        1,
        11,
        fetchBody([{ topic: "big", partition: 0, offset: 900, maxBytes: 4 << 20 }]),
      ),
    );
    const got = f.parts[0]!.records;
    assertEquals(got.byteLength, sent.byteLength);
    assertEquals(new DataView(got.buffer, got.byteOffset).getBigInt64(0), 900n); // base offset
    const differing = got.subarray(8).findIndex((x, i) => x !== sent[i + 8]);
    assertEquals(differing, -1, "the rest of the batch is byte for byte what was sent");
  });
});

Deno.test("an idle connection is closed after `idleTimeoutMs`, a busy one is not", async () => {
  await withBroker(async (broker) => {
    await using listener = KafkaListener.listen({
      backend: broker.node,
      apis: createKafkaApiRegistry().apis,
      idleTimeoutMs: 50,
    });
    await broker.node.createTopic({ name: "idle", partitions: 1 });
    // A long poll (longer than the idle timeout) keeps its connection: the answer comes.
    await using busy = await KafkaTestClient.connect(listener.address);
    const req = busy.frame(
      1,
      11,
      fetchBody([{ topic: "idle", partition: 0, offset: 0 }], { maxWaitMs: 300 }),
    );
    await busy.send(req.bytes);
    const res = await busy.receive();
    assertEquals(res?.correlationId, req.correlationId);
    // Nothing sent at all: the broker hangs up.
    await using quiet = await KafkaTestClient.connect(listener.address);
    assert(await quiet.closedByPeer(), "idle connection closed by the broker");
  });
});
