/**
 * End-to-end: the real broker as a child process (what `deno task start`
 * runs), driven over real HTTP with plain fetch.
 */
import { assert, assertEquals, assertGreater } from "@std/assert";
import { startBrokerProcess } from "../_helpers/broker_process.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

async function json(res: Response): Promise<Record<string, unknown>> {
  return await res.json() as Record<string, unknown>;
}

async function post(url: string, body: unknown): Promise<Response> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  // Read the body now so no test leaks an unconsumed stream; callers use .json() on the copy.
  const text = await res.text();
  return new Response(text, { status: res.status, headers: res.headers });
}

Deno.test("broker process serves topics and records over HTTP and keeps them across a clean restart", async () => {
  await using dir = await tempDir();
  {
    await using broker = await startBrokerProcess({ dataDir: dir.path });
    const created = await post(`${broker.url}/v1/topics`, { name: "orders", partitions: 4 });
    assertEquals(created.status, 201);
    const produced = await post(`${broker.url}/v1/topics/orders/records?acks=all`, {
      records: [
        { key: "o-1", value: { id: "o-1", total: 9.5 } },
        { key: "o-2", value: "plain string" },
        { value: null, partition: 3, headers: { source: "test" } },
      ],
    });
    assertEquals(produced.status, 200);
    const { offsets } = await json(produced) as {
      offsets: { partition: number; offset: number }[];
    };
    assertEquals(offsets.length, 3);
    assertEquals(offsets[2]!.partition, 3);
    const status = await broker.stop();
    assertEquals(status.code, 0, broker.output());
  }
  {
    await using broker = await startBrokerProcess({ dataDir: dir.path });
    const topic = await json(await fetch(`${broker.url}/v1/topics/orders`));
    const partitions = topic.partitions as { partition: number; highWatermark: number }[];
    assertEquals(partitions.length, 4);
    assertEquals(partitions.reduce((n, p) => n + p.highWatermark, 0), 3);
    const fetched = await json(
      await fetch(`${broker.url}/v1/topics/orders/partitions/3/records?offset=earliest`),
    );
    const records = fetched.records as {
      offset: number;
      value: unknown;
      headers: Record<string, string>;
    }[];
    assertEquals(records.length >= 1, true);
    const last = records.at(-1)!;
    assertEquals([last.value, last.headers], [null, { source: "test" }]);
    await broker.stop();
  }
});

Deno.test("broker process keeps every acks=all record after kill -9", async () => {
  await using dir = await tempDir();
  const acked: { value: number; partition: number; offset: number }[] = [];
  {
    await using broker = await startBrokerProcess({ dataDir: dir.path });
    assertEquals(
      (await post(`${broker.url}/v1/topics`, { name: "ledger", partitions: 2 })).status,
      201,
    );
    // Several producers in flight; kill while they are still sending.
    let next = 0;
    let killed = false;
    const producer = async () => {
      while (!killed) {
        const batch = Array.from({ length: 20 }, () => ({ value: next++, partition: next % 2 }));
        try {
          const res = await post(`${broker.url}/v1/topics/ledger/records?acks=all`, {
            records: batch,
          });
          if (res.status !== 200) {
            await res.body?.cancel();
            continue;
          }
          const { offsets } = await json(res) as {
            offsets: { partition: number; offset: number }[];
          };
          offsets.forEach((o, i) => acked.push({ value: batch[i]!.value, ...o }));
        } catch {
          return; // connection cut by the kill
        }
      }
    };
    const producers = [producer(), producer(), producer()];
    const deadline = Date.now() + 30_000;
    while (acked.length < 500) {
      if (Date.now() > deadline) throw new Error(`Only ${acked.length} records acked in 30 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    killed = true;
    await broker.kill();
    await Promise.all(producers);
  }
  assertGreater(acked.length, 0);
  {
    await using broker = await startBrokerProcess({ dataDir: dir.path });
    const seen = new Map<string, unknown>();
    for (const partition of [0, 1]) {
      let offset = 0;
      for (;;) {
        const res = await fetch(
          `${broker.url}/v1/topics/ledger/partitions/${partition}/records?offset=${offset}&maxRecords=5000`,
        );
        const body = await json(res) as {
          records: { offset: number; value: unknown }[];
          nextOffset: number;
        };
        for (const r of body.records) seen.set(`${partition}/${r.offset}`, r.value);
        if (body.records.length === 0) break;
        offset = body.nextOffset;
      }
    }
    for (const a of acked) {
      assertEquals(seen.get(`${a.partition}/${a.offset}`), a.value, `acked record ${a.value} lost`);
    }
    await broker.stop();
  }
});

Deno.test("broker process answers a long-poll fetch as soon as a record arrives", async () => {
  await using dir = await tempDir();
  await using broker = await startBrokerProcess({ dataDir: dir.path });
  await post(`${broker.url}/v1/topics`, { name: "wake" });
  const poll = fetch(`${broker.url}/v1/topics/wake/partitions/0/records?offset=0&waitMs=30000`);
  // The poll is parked; producing must complete it long before its 30 s wait.
  const produced = await post(`${broker.url}/v1/topics/wake/records?acks=1`, {
    records: [{ value: "hi" }],
  });
  assertEquals(produced.status, 200);
  await produced.body?.cancel();
  const body = await json(await poll) as { records: { value: unknown }[] };
  assertEquals(body.records.map((r) => r.value), ["hi"]);
  const status = await broker.stop();
  assert(status.success, broker.output());
});
