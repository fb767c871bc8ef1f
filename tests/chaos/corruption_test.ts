/**
 * Corruption on disk seen through a real broker process over HTTP: a bit
 * flip in the middle of a segment (CRC), a garbage tail, deleted and corrupt
 * index files, and the offline repair (`broker/repair.ts`).
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { iterateBatches } from "../../client/protocol/mod.ts";
import { startBrokerProcess } from "../_helpers/broker_process.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

const REPAIR = new URL("../../broker/repair.ts", import.meta.url).pathname;
const SEGMENT = "00000000000000000000";

async function call(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    ...init,
    headers: { "content-type": "application/json", ...init.headers },
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? {} : JSON.parse(text) };
}

/** Produces `batches` requests of 10 records `v<offset>` to topic "c" (acks=all). */
async function produce(url: string, batches: number, first = 0): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const records = Array.from({ length: 10 }, (_, i) => ({ value: `v${first + b * 10 + i}` }));
    const res = await call(`${url}/v1/topics/c/records?acks=all`, {
      method: "POST",
      body: JSON.stringify({ records }),
    });
    assertEquals(res.status, 200, JSON.stringify(res.body));
  }
}

interface Page {
  records: { offset: number; value: unknown }[];
  nextOffset: number;
}

async function readFrom(url: string, offset: number): Promise<{ status: number; body: Page }> {
  const res = await call(
    `${url}/v1/topics/c/partitions/0/records?offset=${offset}&maxRecords=1000`,
  );
  return { status: res.status, body: res.body as unknown as Page };
}

/** Positions of the batches in the segment file. */
async function batchPositions(path: string): Promise<number[]> {
  const bytes = await Deno.readFile(path);
  return [...iterateBatches(bytes)].map((b) => b.pos);
}

Deno.test("broker serves records before a mid-segment bit flip, 500 CORRUPT_MESSAGE at it, and the repair tool truncates there", async (t) => {
  await using data = await tempDir("weir-corrupt-");
  const log = `${data.path}/c-0/${SEGMENT}.log`;
  {
    await using broker = await startBrokerProcess({ dataDir: data.path });
    const created = await call(`${broker.url}/v1/topics`, {
      method: "POST",
      body: JSON.stringify({ name: "c", partitions: 1 }),
    });
    assertEquals(created.status, 201);
    await produce(broker.url, 10);
    assertEquals((await broker.stop()).code, 0);
  }
  const positions = await batchPositions(log);
  assertEquals(positions.length, 10);
  // Flip one bit inside the records of the sixth batch (offsets 50..59).
  const bytes = await Deno.readFile(log);
  bytes[positions[5]! + 70]! ^= 0x10;
  await Deno.writeFile(log, bytes);

  await t.step("reads stop before the bad batch and fail at it", async () => {
    await using broker = await startBrokerProcess({ dataDir: data.path });
    const before = await readFrom(broker.url, 0);
    assertEquals(before.status, 200);
    assertEquals(before.body.records.map((r) => r.offset), Array.from({ length: 50 }, (_, i) => i));
    assertEquals(before.body.nextOffset, 50);
    for (const offset of [50, 55]) {
      const at = await readFrom(broker.url, offset);
      assertEquals(at.status, 500);
      const error = (at.body as unknown as { error: { code: string; message: string } }).error;
      assertEquals(error.code, "CORRUPT_MESSAGE");
      assertMatch(error.message, /corrupt/);
    }
    const binary = await fetch(`${broker.url}/v1/topics/c/partitions/0/batches?offset=50`, {
      headers: { accept: "application/vnd.kafka.record-batch" },
    });
    assertEquals(binary.status, 500);
    assertEquals((await binary.json()).error.code, "CORRUPT_MESSAGE");
    // A reader can skip the bad batch: the records after it are intact.
    const after = await readFrom(broker.url, 60);
    assertEquals(after.status, 200);
    assertEquals(after.body.records[0]?.offset, 60);
    assertEquals(after.body.records.length, 40);
    const metrics = await (await fetch(`${broker.url}/metrics`)).text();
    const line = metrics.split("\n").find((l) =>
      l.startsWith("weir_rejected_requests_total") && l.includes('code="CORRUPT_MESSAGE"')
    );
    assert(line !== undefined, "no CORRUPT_MESSAGE counter in /metrics");
    assert(Number(line.split(" ").at(-1)) >= 3, line);
    await broker.stop();
  });

  await t.step("the repair tool reports, then truncates at the bad batch", async () => {
    const run = async (...extra: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          REPAIR,
          "--data-dir",
          data.path,
          "--topic",
          "c",
          "--partition",
          "0",
          ...extra,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { code: out.code, text: new TextDecoder().decode(out.stdout) };
    };
    const dry = await run("--dry-run");
    assertEquals(dry.code, 0);
    assertMatch(dry.text, /corrupt batch at offset 50 .*CRC mismatch/);
    assertMatch(dry.text, /dry run: would remove/);
    assertEquals((await batchPositions(log)).length, 10);
    const real = await run();
    assertEquals(real.code, 0);
    assertMatch(real.text, /truncated at offset 50/);
    assertEquals((await Deno.stat(log)).size, positions[5]);
    const again = await run();
    assertMatch(again.text, /nothing to do/);
    const bad = await run("--topic", "../etc");
    assertEquals(bad.code, 2);
  });

  await t.step(
    "after the repair the log ends at the bad batch and appends continue there",
    async () => {
      await using broker = await startBrokerProcess({ dataDir: data.path });
      await produce(broker.url, 1, 50);
      const all = await readFrom(broker.url, 0);
      assertEquals(all.body.records.length, 60);
      all.body.records.forEach((r, i) => {
        assertEquals(r.offset, i);
        assertEquals(r.value, `v${i}`);
      });
      await broker.stop();
    },
  );
});

Deno.test("broker cuts a garbage tail and rebuilds deleted or corrupt indexes on start", async () => {
  await using data = await tempDir("weir-corrupt-");
  const dir = `${data.path}/c-0`;
  {
    await using broker = await startBrokerProcess({ dataDir: data.path });
    await call(`${broker.url}/v1/topics`, {
      method: "POST",
      body: JSON.stringify({ name: "c", partitions: 1, configs: { "index.interval.bytes": 100 } }),
    });
    await produce(broker.url, 8);
    await broker.stop();
  }
  const size = (await Deno.stat(`${dir}/${SEGMENT}.log`)).size;
  const garbage = new Uint8Array(37).map((_, i) => (i * 91 + 7) & 0xff);
  const file = await Deno.open(`${dir}/${SEGMENT}.log`, { append: true });
  await file.write(garbage);
  file.close();
  await Deno.remove(`${dir}/${SEGMENT}.index`);
  await Deno.writeFile(`${dir}/${SEGMENT}.timeindex`, new Uint8Array(13).fill(0xab));
  {
    await using broker = await startBrokerProcess({ dataDir: data.path });
    const all = await readFrom(broker.url, 0);
    assertEquals(all.status, 200, JSON.stringify(all.body));
    assertEquals(all.body.records.length, 80);
    const mid = await readFrom(broker.url, 45);
    assertEquals(mid.body.records[0]?.offset, 45);
    await produce(broker.url, 1, 80);
    const tail = await readFrom(broker.url, 80);
    assertEquals(
      tail.body.records.map((r) => r.value),
      Array.from({ length: 10 }, (_, i) => `v${80 + i}`),
    );
    await broker.stop();
  }
  assert((await Deno.stat(`${dir}/${SEGMENT}.index`)).size > 0, "the offset index was not rebuilt");
  const after = (await Deno.stat(`${dir}/${SEGMENT}.log`)).size;
  assert(after > size && (after - size) % 1 === 0);
  assertEquals((await batchPositions(`${dir}/${SEGMENT}.log`)).length, 9);
});
