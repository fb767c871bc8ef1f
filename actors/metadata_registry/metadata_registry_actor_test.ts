import { assertEquals, assertNotEquals, assertRejects } from "@std/assert";
import { WeirError } from "../../client/protocol/mod.ts";
import { ActorSystem, FakeClock, sequentialIds } from "../runtime/mod.ts";
import { MetadataRegistryActor } from "./metadata_registry_actor.ts";
import type { ClusterMetadata, RegistryInit, RegistryRequest, TopicMetadata } from "./messages.ts";
import { REGISTRY_WORKER_URL } from "./mod.ts";

async function withRegistry<T>(
  dir: string,
  host: "inline" | "worker",
  fn: (ask: <R>(m: RegistryRequest) => Promise<R>) => Promise<T>,
): Promise<T> {
  await using system = new ActorSystem({
    clock: new FakeClock(1_000),
    ids: sequentialIds("id-"),
    makeError: (code, message) => new WeirError(code, message),
  });
  const ref = await system.spawn<RegistryInit>({
    kind: "registry",
    id: "0",
    host: host === "inline"
      ? { inline: (init) => new MetadataRegistryActor(init) }
      : { worker: REGISTRY_WORKER_URL },
    init: { dir, nodeId: 1 },
  });
  await ref.ask({ type: "registerBroker", broker: { id: 1, host: "127.0.0.1", port: 9021 } });
  return await fn(<R>(m: RegistryRequest) => ref.ask<R>(m));
}

Deno.test("MetadataRegistryActor restores topics, configs, cluster id and producer ids after a restart", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const before = await withRegistry(dir, "inline", async (ask) => {
      await ask({ type: "createTopic", request: { name: "orders", partitions: 4 } });
      await ask({ type: "createTopic", request: { name: "gone", partitions: 1 } });
      await ask({ type: "alterTopicConfigs", name: "orders", configs: { "retention.ms": "1000" } });
      await ask({ type: "deleteTopic", name: "gone" });
      await ask({ type: "initProducer" });
      return await ask<ClusterMetadata>({ type: "cluster" });
    });
    await withRegistry(dir, "worker", async (ask) => {
      const topics = await ask<TopicMetadata[]>({ type: "listTopics" });
      assertEquals(topics.map((t) => [t.name, t.partitions, t.configs]), [
        ["orders", 4, { "retention.ms": 1000 }],
      ]);
      const cluster = await ask<ClusterMetadata>({ type: "cluster" });
      assertEquals(cluster.clusterId, before.clusterId);
      assertNotEquals(cluster.clusterId, "");
      assertEquals(await ask({ type: "initProducer" }), { producerId: 1, producerEpoch: 0 });
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MetadataRegistryActor answers bad requests with their codes and stays alive", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withRegistry(dir, "inline", async (ask) => {
      const code = async (m: RegistryRequest) =>
        (await assertRejects(() => ask(m), WeirError)).code;
      assertEquals(
        await code({ type: "createTopic", request: { name: "a/b" } }),
        "INVALID_TOPIC_EXCEPTION",
      );
      assertEquals(
        await code({ type: "createTopic", request: { name: "t", partitions: -1 } }),
        "INVALID_PARTITIONS",
      );
      assertEquals(await code({ type: "getTopic", name: "nope" }), "UNKNOWN_TOPIC_OR_PARTITION");
      assertEquals(await code({ type: "bogus" } as unknown as RegistryRequest), "INVALID_REQUEST");
      await ask({ type: "createTopic", request: { name: "t" } });
      assertEquals(
        await code({ type: "createTopic", request: { name: "t" } }),
        "TOPIC_ALREADY_EXISTS",
      );
      assertEquals((await ask<TopicMetadata[]>({ type: "listTopics" })).length, 1);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MetadataRegistryActor cuts a torn metadata log tail and keeps what came before", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withRegistry(dir, "inline", async (ask) => {
      await ask({ type: "createTopic", request: { name: "kept" } });
      await ask({ type: "createTopic", request: { name: "torn" } });
    });
    const path = `${dir}/00000000000000000000.log`;
    const size = (await Deno.stat(path)).size;
    await Deno.truncate(path, size - 7); // tear the last record
    const f = await Deno.open(path, { append: true });
    await f.write(new Uint8Array([1, 2, 3, 4, 5]));
    f.close();
    await withRegistry(dir, "inline", async (ask) => {
      const topics = await ask<TopicMetadata[]>({ type: "listTopics" });
      assertEquals(topics.map((t) => t.name), ["kept"]);
      await ask({ type: "createTopic", request: { name: "after" } });
    });
    await withRegistry(dir, "inline", async (ask) => {
      const topics = await ask<TopicMetadata[]>({ type: "listTopics" });
      assertEquals(topics.map((t) => t.name), ["after", "kept"]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
