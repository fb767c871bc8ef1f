import { assertEquals, assertRejects } from "@std/assert";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startNatsServer } from "../../tests/_helpers/nats_server.ts";
import { waitFor } from "../../tests/_helpers/wait_for.ts";
import { openClusterBuckets } from "./buckets.ts";
import type { ClusterTopic } from "./cluster_topic.ts";
import { MetadataFollower } from "./metadata_follower.ts";
import { MetadataStore } from "./metadata_store.ts";

function topic(name: string, leaderEpoch: number): ClusterTopic {
  return {
    name,
    topicId: `id-${name}`,
    partitions: 1,
    replicationFactor: 1,
    configs: {},
    createdAt: 0,
    assignments: [{ replicas: [1], leader: 1, leaderEpoch, isr: [1] }],
  };
}

/** What a follower applied, as `name:epoch` or `name:deleted`. */
function recorder(): {
  seen: string[];
  apply: (n: string, t: ClusterTopic | null) => Promise<void>;
} {
  const seen: string[] = [];
  return {
    seen,
    apply: (name, t) => {
      seen.push(`${name}:${t === null ? "deleted" : t.assignments[0]!.leaderEpoch}`);
      return Promise.resolve();
    },
  };
}

async function withStore(fn: (store: MetadataStore) => Promise<void>): Promise<void> {
  await using nats = await startNatsServer();
  const nc: NatsConnection = await connect({ servers: nats.url });
  try {
    const { meta } = await openClusterBuckets(nc, { clusterId: "f", heartbeatMs: 500 });
    await fn(new MetadataStore(meta));
  } finally {
    await nc.close();
  }
}

Deno.test("`MetadataFollower.resync()` applies changes written while no watch saw them", async () => {
  await withStore(async (store) => {
    const revision = await store.create(topic("a", 0));
    const r = recorder();
    await using follower = await MetadataFollower.start(store, { apply: r.apply, watch: false });
    assertEquals(r.seen, ["a:0"], "the stored metadata is applied at start");
    assertEquals(follower.revision("a"), revision);

    const updated = await store.update(topic("a", 1), revision);
    await store.create(topic("b", 0));
    assertEquals(r.seen, ["a:0"], "nothing watches: the changes are missed");
    assertEquals(await follower.resync(), 2);
    assertEquals(r.seen.slice(1).sort(), ["a:1", "b:0"]);

    await store.delete("a", updated);
    assertEquals(await follower.resync(), 1);
    assertEquals(r.seen.at(-1), "a:deleted");
    assertEquals(await follower.resync(), 0, "nothing newer: nothing applied twice");
    assertEquals(r.seen.length, 4);
  });
});

Deno.test("`MetadataFollower` never applies an older value over a newer one or undoes a deletion", async () => {
  await withStore(async (store) => {
    const r = recorder();
    await using follower = await MetadataFollower.start(store, { apply: r.apply });
    let revision = await store.create(topic("a", 0));
    for (let epoch = 1; epoch <= 5; epoch++) {
      revision = await store.update(topic("a", epoch), revision);
    }
    await waitFor("the watch to deliver epoch 5", () => r.seen.at(-1) === "a:5");
    const epochs = r.seen.map((s) => Number(s.split(":")[1]));
    assertEquals(epochs, [...epochs].sort((x, y) => x - y), "applied in revision order");
    assertEquals(await follower.resync(), 0);

    await store.delete("a", revision);
    await waitFor("the watch to deliver the deletion", () => r.seen.at(-1) === "a:deleted");
    const count = r.seen.length;
    assertEquals(await follower.resync(), 0, "the tombstone is not newer than what was applied");
    assertEquals(r.seen.length, count);
    assertEquals(r.seen.filter((s) => s === "a:deleted").length, 1);
  });
});

Deno.test("`MetadataFollower.resync()` offers again a change whose apply failed", async () => {
  await withStore(async (store) => {
    await store.create(topic("a", 0));
    let fail = true;
    const seen: string[] = [];
    const apply = (name: string): Promise<void> => {
      if (fail) return Promise.reject(new Error(`Cannot apply ${name}: disk full`));
      seen.push(name);
      return Promise.resolve();
    };
    await assertRejects(
      () => MetadataFollower.start(store, { apply, watch: false }),
      Error,
      "disk full",
    );
    fail = false;
    await using f = await MetadataFollower.start(store, { apply, watch: false });
    assertEquals(seen, ["a"]);
    fail = true;
    await store.create(topic("b", 0));
    await assertRejects(() => f.resync(), Error, "Cannot apply b");
    assertEquals(f.revision("b"), undefined);
    fail = false;
    assertEquals(await f.resync(), 1);
    assertEquals(seen, ["a", "b"]);
  });
});
