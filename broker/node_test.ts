import { assertEquals } from "@std/assert";
import { runEdgeConformance } from "./http/edge_conformance.ts";
import { resolveConfig } from "./config.ts";
import { BrokerNode } from "./node.ts";
import { createApp } from "./http/mod.ts";

async function startNode(
  host: "inline" | "worker",
  maxRequestBytes = 8 * 1024 * 1024,
): Promise<BrokerNode & AsyncDisposable> {
  const dataDir = await Deno.makeTempDir({ prefix: "weir-node-" });
  const node = await BrokerNode.start(
    resolveConfig({ dataDir, port: 0, actorHost: host, maxRequestBytes }),
  );
  const close = node.close.bind(node);
  let removed = false;
  node.close = async () => {
    await close();
    if (!removed) {
      removed = true;
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  };
  return node;
}

// The same HTTP contract the in-memory backend passes, now over real actors and logs.
runEdgeConformance("broker node (inline actors)", (o) => startNode("inline", o.maxRequestBytes));
runEdgeConformance("broker node (worker actors)", (o) => startNode("worker", o.maxRequestBytes));

Deno.test("BrokerNode runs one Worker per partition and restores every topic after a restart", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "weir-node-" });
  try {
    const config = resolveConfig({ dataDir, port: 0, actorHost: "worker" });
    {
      await using node = await BrokerNode.start(config);
      await node.createTopic({ name: "a", partitions: 3 });
      await node.createTopic({ name: "b", partitions: 2, configs: { "retention.ms": 1000 } });
      assertEquals(node.system.hostCounts().partition, { worker: 5, inline: 0 });
      await node.deleteTopic("a");
      assertEquals(node.system.hostCounts().partition, { worker: 2, inline: 0 });
      const app = createApp(node);
      const res = await app.request("/v1/topics/b/records", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ records: [{ value: 1, partition: 1 }] }),
      });
      assertEquals(res.status, 200);
    }
    await using node = await BrokerNode.start(config);
    assertEquals(node.system.hostCounts().partition, { worker: 2, inline: 0 });
    const topic = await node.describeTopic("b");
    assertEquals(topic.configs["retention.ms"], 1000);
    assertEquals(topic.partitions.map((p) => p.highWatermark), [0, 1]);
    assertEquals((await node.listTopics()).map((t) => t.name), ["b"]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
