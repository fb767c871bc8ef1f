/**
 * Real kafkajs (2.2.4) producers against Weir's Kafka listener, read back
 * over HTTP: acks -1 with and without idempotence, keys, values, headers and
 * partitions as sent.
 */
import { assert, assertEquals } from "@std/assert";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { startBroker } from "weir/broker";
import { tempDir } from "../_helpers/temp_dir.ts";

interface HttpRecord {
  offset: number;
  key: string | null;
  value: unknown;
  headers: Record<string, string>;
}

for (const idempotent of [false, true]) {
  Deno.test(`kafkajs produces with acks -1 (idempotent: ${idempotent}); HTTP reads it back`, async () => {
    await using dir = await tempDir();
    await using broker = await startBroker({ dataDir: dir.path, port: 0, kafkaPort: 0 });
    const a = broker.kafkaAddress!;
    const created = await fetch(`${broker.url}/v1/topics`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "events", partitions: 2 }),
    });
    assertEquals(created.status, 201, await created.text());
    const kafka = new Kafka({
      clientId: "k2-producer",
      brokers: [`${a.host}:${a.port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 50, maxRetryTime: 500 },
    });
    const producer = kafka.producer({
      idempotent,
      maxInFlightRequests: idempotent ? 1 : 5,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const sent: { partition: number; key: string; value: string }[] = [];
    try {
      for (const partition of [0, 1]) {
        const messages = Array.from({ length: 10 }, (_, i) => ({
          partition,
          key: `k${partition}-${i}`,
          value: JSON.stringify({ n: i, p: partition }),
          headers: { source: "kafkajs" },
        }));
        const meta = await producer.send({ topic: "events", acks: -1, messages });
        assertEquals(meta.map((m) => [m.partition, m.errorCode]), [[partition, 0]]);
        sent.push(...messages);
      }
    } finally {
      await producer.disconnect();
    }
    for (const partition of [0, 1]) {
      const res = await fetch(
        `${broker.url}/v1/topics/events/partitions/${partition}/records?offset=earliest&maxRecords=100`,
      );
      const body = await res.json() as { records: HttpRecord[] };
      assert(res.ok, JSON.stringify(body));
      const expected = sent.filter((m) => m.partition === partition);
      assertEquals(body.records.map((r) => r.offset), expected.map((_, i) => i));
      assertEquals(body.records.map((r) => r.key), expected.map((m) => m.key));
      assertEquals(body.records.map((r) => r.value), expected.map((m) => JSON.parse(m.value)));
      assertEquals(body.records.map((r) => r.headers), expected.map(() => ({ source: "kafkajs" })));
    }
  });
}
