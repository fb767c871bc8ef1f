/**
 * The limits of API.md "Semantics and limits" and issue 8 §3, each checked
 * against a real BrokerNode (inline actors, temp dir): request bytes (cut
 * off while streaming over a real socket), `max.message.bytes`, records per
 * request, topics and partitions, `waitMs`, long-poll waiters per
 * partition, members per group.
 *
 * @module
 */
import { assert, assertEquals } from "@std/assert";
import { resolveConfig } from "../../broker/config.ts";
import { createApp } from "../../broker/http/mod.ts";
import { BrokerNode, partitionId } from "../../broker/node.ts";
import type { PartitionRequest, PartitionStatus } from "../../actors/partition/mod.ts";
import { encodeRecordBatch } from "../../client/protocol/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

type Overrides = Parameters<typeof resolveConfig>[0];

async function withNode(
  overrides: Overrides,
  fn: (node: BrokerNode, app: ReturnType<typeof createApp>) => Promise<void>,
): Promise<void> {
  await using dir = await tempDir("weir-limits-");
  await using node = await BrokerNode.start(
    resolveConfig({ dataDir: dir.path, port: 0, actorHost: "inline", ...overrides }),
  );
  await fn(node, createApp(node));
}

function json(method: string, body: unknown): RequestInit {
  return { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

async function errorOf(res: Response): Promise<[number, string]> {
  const body = await res.json() as { error?: { code: string } };
  return [res.status, body.error?.code ?? "none"];
}

Deno.test("--max-request-bytes cuts off a chunked body over a real socket: 413, then the server stops reading", async () => {
  await withNode({ maxRequestBytes: 1 << 20 }, async (node, app) => {
    await node.createTopic({ name: "t", partitions: 1 });
    await using server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      app.fetch,
    );
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    const enc = new TextEncoder();
    await conn.write(enc.encode(
      "POST /v1/topics/t/records HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
        "transfer-encoding: chunked\r\n\r\n",
    ));
    const frame = new Uint8Array([
      ...enc.encode("10000\r\n"),
      ...new Uint8Array(0x10000).fill(0x20),
      13,
      10,
    ]);
    const budget = 256 << 20; // far more than the limit plus any socket buffer
    let sent = 0;
    let writeError: unknown = null;
    const writer = (async () => {
      try {
        while (sent < budget) {
          await conn.write(frame);
          sent += 0x10000;
        }
      } catch (e) {
        writeError = e;
      }
    })();
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    const head = new TextDecoder().decode(buf.subarray(0, n ?? 0));
    assert(head.startsWith("HTTP/1.1 413"), head);
    assert(head.includes("REQUEST_TOO_LARGE"), head);
    await writer;
    // The server closed the connection instead of draining 256 MiB.
    assert(writeError !== null, `the server read all ${sent} bytes`);
    assert(sent < budget);
    assertEquals((await node.describeTopic("t")).partitions[0]!.highWatermark, 0);
  });
});

Deno.test("a declared Content-Length over --max-request-bytes is refused before reading", async () => {
  await withNode({ maxRequestBytes: 4096 }, async (node, app) => {
    await node.createTopic({ name: "t", partitions: 1 });
    await using server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      app.fetch,
    );
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    const head = "POST /v1/topics/t/records HTTP/1.1\r\nhost: x\r\n" +
      "content-type: application/json\r\ncontent-length: 1000000000\r\n\r\n";
    await conn.write(new TextEncoder().encode(head));
    // No body byte is sent: the answer can only come from the header.
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    const text = new TextDecoder().decode(buf.subarray(0, n ?? 0));
    assert(text.startsWith("HTTP/1.1 413"), text);
    assert(text.includes("REQUEST_TOO_LARGE"), text);
  });
});

Deno.test("max.message.bytes answers 413 RECORD_TOO_LARGE on both produce routes", async () => {
  await withNode({}, async (node, app) => {
    await node.createTopic({ name: "t", partitions: 1, configs: { "max.message.bytes": 2048 } });
    const big = "x".repeat(4096);
    const viaJson = await app.request(
      "/v1/topics/t/records",
      json("POST", { records: [{ value: big }] }),
    );
    assertEquals(await errorOf(viaJson), [413, "RECORD_TOO_LARGE"]);
    const batch = encodeRecordBatch([{ value: new TextEncoder().encode(big) }], { now: 1 });
    const viaBatch = await app.request("/v1/topics/t/partitions/0/batches", {
      method: "POST",
      headers: { "content-type": "application/vnd.kafka.record-batch" },
      body: batch as Uint8Array<ArrayBuffer>,
    });
    assertEquals(await errorOf(viaBatch), [413, "RECORD_TOO_LARGE"]);
    assertEquals((await node.describeTopic("t")).partitions[0]!.highWatermark, 0);
  });
});

Deno.test("a produce request holds at most 100,000 records", async () => {
  await withNode({ maxRequestBytes: 64 << 20 }, async (node, app) => {
    await node.createTopic({ name: "t", partitions: 1, configs: { "max.message.bytes": 8 << 20 } });
    const records = Array.from({ length: 100_001 }, () => ({ value: null }));
    const viaJson = await app.request("/v1/topics/t/records", json("POST", { records }));
    const [status, code] = await errorOf(viaJson);
    assertEquals(status, 400);
    assert(code === "INVALID_REQUEST" || code === "INVALID_RECORD", code);
    const batch = encodeRecordBatch(records, { now: 1 });
    const viaBatch = await app.request("/v1/topics/t/partitions/0/batches", {
      method: "POST",
      headers: { "content-type": "application/vnd.kafka.record-batch" },
      body: batch as Uint8Array<ArrayBuffer>,
    });
    const [bStatus, bCode] = await errorOf(viaBatch);
    assertEquals(bStatus, 400, bCode);
    assertEquals((await node.describeTopic("t")).partitions[0]!.highWatermark, 0);
    const ok = await app.request(
      "/v1/topics/t/records",
      json("POST", { records: records.slice(1) }),
    );
    assertEquals(ok.status, 200);
  });
});

Deno.test("--max-topics and --max-partitions-per-topic refuse more", async () => {
  await withNode({ maxTopics: 3, maxPartitionsPerTopic: 4 }, async (_node, app) => {
    const tooMany = await app.request("/v1/topics", json("POST", { name: "p", partitions: 5 }));
    assertEquals(await errorOf(tooMany), [400, "INVALID_PARTITIONS"]);
    const created: number[] = [];
    for (const name of ["a", "b", "c", "d"]) {
      created.push((await app.request("/v1/topics", json("POST", { name }))).status);
    }
    // `__consumer_offsets` counts as one of the topics.
    assertEquals(created.filter((s) => s === 201).length < 4, true, JSON.stringify(created));
    const last = await app.request("/v1/topics", json("POST", { name: "e" }));
    const [status, code] = await errorOf(last);
    assertEquals(status, 400);
    assertEquals(code, "POLICY_VIOLATION");
  });
});

Deno.test("waitMs above 30,000 is 400 INVALID_REQUEST; 30,000 is accepted", async () => {
  await withNode({}, async (node, app) => {
    await node.createTopic({ name: "t", partitions: 1 });
    await app.request("/v1/topics/t/records", json("POST", { records: [{ value: 1 }] }));
    for (const bad of ["30001", "-1", "1e3", "NaN", "1e309"]) {
      const res = await app.request(`/v1/topics/t/partitions/0/records?offset=0&waitMs=${bad}`);
      assertEquals(await errorOf(res), [400, "INVALID_REQUEST"], bad);
    }
    // Data is there, so a 30 s long-poll answers at once.
    const ok = await app.request("/v1/topics/t/partitions/0/records?offset=0&waitMs=30000");
    assertEquals(ok.status, 200);
  });
});

Deno.test("long-poll waiters per partition are bounded: past 1,000 a fetch answers at once", async () => {
  await withNode({}, async (node, app) => {
    await node.createTopic({ name: "t", partitions: 1 });
    const url = "/v1/topics/t/partitions/0/records?offset=latest&waitMs=30000";
    let settled = 0;
    const parked = Array.from(
      { length: 1000 },
      () =>
        Promise.resolve(app.request(url)).then(async (res) => {
          settled++;
          return (await res.json() as { records: unknown[] }).records.length;
        }),
    );
    // Wait until all 1,000 are parked in the actor.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const status = await node.system.lookup<PartitionRequest>("partition", partitionId("t", 0))
        .ask<PartitionStatus>({ type: "status" });
      if (status.waiters === 1000) break;
      if (Date.now() > deadline) throw new Error(`only ${status.waiters} waiters parked`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const extra = await app.request(url);
    assertEquals(extra.status, 200);
    assertEquals((await extra.json() as { records: unknown[] }).records, []);
    assertEquals(settled, 0, "the parked fetches must still wait");
    await app.request("/v1/topics/t/records", json("POST", { records: [{ value: 1 }] }));
    assertEquals((await Promise.all(parked)).every((n) => n === 1), true);
  });
});

Deno.test("group.max.size bounds the members of a group with 409 GROUP_MAX_SIZE_REACHED", async () => {
  await withNode({ groupMaxSize: 2 }, async (node, app) => {
    await node.createTopic({ name: "t", partitions: 1 });
    const join = () => app.request("/v1/groups/g/members", json("POST", { topics: ["t"] }));
    assertEquals((await join()).status, 200);
    assertEquals((await join()).status, 200);
    assertEquals(await errorOf(await join()), [409, "GROUP_MAX_SIZE_REACHED"]);
  });
});
