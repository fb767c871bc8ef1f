/**
 * Disk full and fsync errors seen over HTTP: a broker node with inline
 * partitions over the fault layer, driven through `createApp(node).request`.
 */
import { assertEquals } from "@std/assert";
import { BrokerNode } from "../../broker/node.ts";
import { resolveConfig } from "../../broker/config.ts";
import { createApp } from "../../broker/http/app.ts";
import { FakeClock } from "../../actors/runtime/mod.ts";
import { RECOVER_BACKOFF_MS } from "../../actors/partition/log/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { FaultFileSystem } from "./fault_fs.ts";

const JSON_HEADERS = { "content-type": "application/json" };

Deno.test("HTTP produce answers 500 KAFKA_STORAGE_ERROR on disk faults, reads go on, writes come back", async () => {
  await using dir = await tempDir("weir-diskfull-");
  const fs = new FaultFileSystem();
  const clock = new FakeClock(Date.now());
  await using node = await BrokerNode.start(
    resolveConfig({ dataDir: dir.path, actorHost: "inline" }),
    { logFileSystem: fs, clock },
  );
  const app = createApp(node);
  await node.createTopic({ name: "d", partitions: 1 });
  const produce = async (acks: string, value: string) => {
    const res = await app.request(`/v1/topics/d/records?acks=${acks}`, {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ records: [{ value }] }),
    });
    return { status: res.status, body: await res.json() };
  };
  const read = async () => {
    const res = await app.request("/v1/topics/d/partitions/0/records?offset=0");
    const body = await res.json();
    return {
      status: res.status,
      values: (body.records ?? []).map((r: { value: string }) => r.value),
    };
  };

  assertEquals((await produce("all", "a")).status, 200);

  fs.failWrites = {};
  for (const acks of ["1", "all"]) {
    const r = await produce(acks, `full-${acks}`);
    assertEquals(r.status, 500);
    assertEquals(r.body.error.code, "KAFKA_STORAGE_ERROR");
  }
  assertEquals(await read(), { status: 200, values: ["a"] });
  fs.failWrites = null;
  clock.advance(RECOVER_BACKOFF_MS);
  assertEquals((await produce("all", "b")).body, { offsets: [{ partition: 0, offset: 1 }] });

  fs.failSyncs = {};
  const eio = await produce("all", "c");
  assertEquals([eio.status, eio.body.error.code], [500, "KAFKA_STORAGE_ERROR"]);
  assertEquals((await produce("1", "refused")).status, 500);
  assertEquals((await read()).values, ["a", "b", "c"]);
  fs.failSyncs = null;
  clock.advance(RECOVER_BACKOFF_MS);
  assertEquals((await produce("all", "d")).body, { offsets: [{ partition: 0, offset: 3 }] });
  assertEquals((await read()).values, ["a", "b", "c", "d"]);
});
