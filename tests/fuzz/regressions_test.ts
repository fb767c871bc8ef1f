/**
 * Bugs the HTTP edge fuzz found, each replayed as a focused edge test
 * (the unit tests sit beside the fixes).
 *
 * @module
 */
import { assertEquals } from "@std/assert";
import { resolveConfig } from "../../broker/config.ts";
import { createApp } from "../../broker/http/mod.ts";
import { BrokerNode } from "../../broker/node.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

// Seed 23: a JSON produce to a compacted topic with one keyed and one keyless
// record answered 400 but had already written the keyed record's partition.
Deno.test("a JSON produce to a compacted topic with a keyless record writes no partition", async () => {
  await using dir = await tempDir("weir-regress-");
  await using node = await BrokerNode.start(
    resolveConfig({ dataDir: dir.path, port: 0, actorHost: "inline" }),
  );
  await node.createTopic({ name: "c", partitions: 2, configs: { "cleanup.policy": "compact" } });
  const app = createApp(node);
  for (
    const records of [[{ value: 1, key: "k" }, { value: 2 }], [{ value: 2 }, {
      value: 1,
      key: "k",
    }]]
  ) {
    const res = await app.request("/v1/topics/c/records", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ records }),
    });
    assertEquals(res.status, 400);
    assertEquals((await res.json()).error.code, "INVALID_RECORD");
  }
  const ends = (await node.describeTopic("c")).partitions.map((p) => p.highWatermark);
  assertEquals(ends, [0, 0]);
});
