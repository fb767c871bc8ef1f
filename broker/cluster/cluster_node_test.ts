import { assert, assertEquals } from "@std/assert";
import { resolveConfig } from "../config.ts";
import { startNatsServer } from "../../tests/_helpers/nats_server.ts";
import { waitFor } from "../../tests/_helpers/wait_for.ts";
import { ClusterNode, replicaId } from "./cluster_node.ts";

Deno.test("`ClusterNode` applies metadata changes its watch missed at the next re-list", async () => {
  await using nats = await startNatsServer();
  const dataDir = await Deno.makeTempDir({ prefix: "weir-cluster-node-" });
  try {
    const config = resolveConfig({
      nats: nats.url,
      nodeId: 1,
      dataDir,
      port: 0,
      actorHost: "inline",
      clusterId: "relist",
      clusterHeartbeatMs: 200,
      logLevel: "warning",
    });
    // No watch: without the re-list, createTopic would wait for the topic until it times out.
    await using node = await ClusterNode.start(config, { watchMetadata: false });
    await waitFor("node 1 to become the controller", () => node.isController);
    const created = await node.createTopic({ name: "orders", partitions: 2, replicationFactor: 1 });
    assertEquals(created.partitions.map((p) => p.leader), [1, 1]);
    assertEquals(node.topicMetadata("orders")?.partitions, 2);
    assert(node.system.has("partition", replicaId("orders", 1, 1)), "replica spawned");

    await node.deleteTopic("orders");
    assertEquals(node.topicMetadata("orders"), undefined);
    await waitFor(
      "the replica of the deleted topic to stop",
      () => !node.system.has("partition", replicaId("orders", 0, 1)),
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
