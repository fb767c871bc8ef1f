import { assertEquals } from "@std/assert";
import type { ClusterInfo, TopicDescription } from "../../client/protocol/mod.ts";
import { answerMetadata } from "./apis/metadata.ts";
import { clusterTopology, type ClusterView } from "./cluster_topology.ts";
import { findCoordinatorApi } from "./groups/find_coordinator.ts";
import type { KafkaBackend, KafkaRequestContext } from "./handler.ts";
import { KafkaReader } from "./protocol/reader.ts";
import { KafkaWriter } from "./protocol/writer.ts";

function view(controller: number, coordinator = controller): ClusterView {
  return {
    groupCoordinatorNode: (groupId) => Promise.resolve(groupId === "none" ? null : coordinator),
    liveNodes: [
      { id: 1, host: "10.0.0.1", kafkaPort: 9092 },
      { id: 2, host: "0.0.0.0", kafkaPort: 9093 },
      { id: 3, host: "10.0.0.3" }, // no Kafka listener
    ],
    cluster: () =>
      Promise.resolve(
        {
          clusterId: "c",
          controller,
          brokers: [],
        } satisfies ClusterInfo,
      ),
  };
}

function context(
  controller: number,
  self = { nodeId: 2, host: "127.0.0.1", port: 9093 },
  coordinator = controller,
) {
  const topic: TopicDescription = {
    name: "t",
    replicationFactor: 2,
    configs: {} as TopicDescription["configs"],
    partitions: [
      {
        partition: 0,
        leader: 1,
        replicas: [1, 2],
        isr: [1, 2],
        logStartOffset: 0,
        highWatermark: 0,
      },
      { partition: 1, leader: -1, replicas: [3, 1], isr: [3], logStartOffset: 0, highWatermark: 0 },
    ],
  };
  const backend = {
    listTopics: () => Promise.resolve([{ name: "t", partitions: 2, replicationFactor: 2 }]),
    describeTopic: () => Promise.resolve(topic),
    cluster: () => view(controller).cluster(),
  } as unknown as KafkaBackend;
  const ctx: KafkaRequestContext = {
    backend,
    self,
    topology: clusterTopology(view(controller, coordinator)),
    apis: new Map(),
    connection: {
      id: 1,
      remote: "127.0.0.1:1",
      signal: new AbortController().signal,
      principal: null,
      saslMechanism: null,
    },
    auth: null,
  };
  return ctx;
}

Deno.test("`clusterTopology()` lists live nodes with a Kafka port and finds the group coordinator's listener", async () => {
  const topology = clusterTopology(view(3, 2));
  assertEquals(await topology.brokers(), [
    { nodeId: 1, host: "10.0.0.1", port: 9092 },
    { nodeId: 2, host: "127.0.0.1", port: 9093 },
  ]);
  assertEquals(await topology.groupCoordinator("g"), { nodeId: 2, host: "127.0.0.1", port: 9093 });
  assertEquals(await clusterTopology(view(2, 1)).groupCoordinator("g"), {
    nodeId: 1,
    host: "10.0.0.1",
    port: 9092,
  }, "the group's node, not the controller");
  assertEquals(await clusterTopology(view(1, 3)).groupCoordinator("g"), null, "no Kafka listener");
  assertEquals(await clusterTopology(view(1)).groupCoordinator("none"), null, "no live node");
});

Deno.test("`answerMetadata()` in cluster mode reports every broker, the controller and LEADER_NOT_AVAILABLE for an offline partition", async () => {
  const res = await answerMetadata(context(1), { topics: null, allowAutoTopicCreation: false });
  assertEquals(res.brokers.map((b) => b.nodeId), [1, 2]);
  assertEquals(res.controllerId, 1);
  assertEquals(res.topics[0]!.partitions.map((p) => [p.leader, p.errorCode]), [[1, 0], [-1, 5]]);
  // A node missing from its own (late) membership view still lists itself.
  const lonely = await answerMetadata(context(1, { nodeId: 4, host: "h", port: 1 }), {
    topics: [],
    allowAutoTopicCreation: false,
  });
  assertEquals(lonely.brokers.map((b) => b.nodeId), [1, 2, 4]);
});

async function findCoordinator(ctx: KafkaRequestContext): Promise<[number, number, number]> {
  const body = new KafkaWriter().string("g").int8(0).finish();
  const out = await findCoordinatorApi.handle(ctx, {
    apiKey: 10,
    apiVersion: 1,
    correlationId: 7,
    clientId: null,
    flexible: false,
    body: new KafkaReader(body),
  });
  const r = new KafkaReader(out!);
  r.int32(); // throttle
  const error = r.int16();
  r.nullableString();
  const nodeId = r.int32();
  r.string();
  return [error, nodeId, r.int32()];
}

Deno.test("FindCoordinator in cluster mode names the group's coordinator node, or COORDINATOR_NOT_AVAILABLE", async () => {
  assertEquals(await findCoordinator(context(1)), [0, 1, 9092]);
  assertEquals(await findCoordinator(context(1, undefined, 2)), [0, 2, 9093], "not the controller");
  assertEquals(await findCoordinator(context(3)), [15, -1, -1]);
});
