/**
 * The Kafka listener in cluster mode: three in-process cluster nodes over a
 * real nats-server, each with a Kafka listener. Real kcat sees every node as
 * a broker and each partition's leader/replicas/ISR from the cluster
 * metadata, produces with acks=all to an RF=3 topic (to each partition's
 * leader), reads everything back through another node, a `kcat -G` group
 * commits offsets that HTTP shows on a third node; after a node leaves kcat
 * follows the new leaders, and a partition with no live replica reports
 * leader -1 with LEADER_NOT_AVAILABLE.
 */
import { assert, assertEquals } from "@std/assert";
import type { ClusterBroker } from "../../broker/cluster/mod.ts";
import { startNatsServer } from "../_helpers/nats_server.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { http, startNode, waitFor } from "../cluster/_cluster.ts";
import { encodeRecordBatch } from "../../client/protocol/mod.ts";
import { KafkaTestClient } from "./_kafka_client.ts";
import { kcat, type KcatResult } from "./_kcat.ts";
import { produceBody, readProduceResponse } from "./_requests.ts";

interface KcatMetadata {
  brokers: { id: number; name: string }[];
  controllerid: number;
  topics: {
    topic: string;
    partitions: {
      partition: number;
      leader: number;
      replicas: { id: number }[];
      isrs: { id: number }[];
    }[];
  }[];
}

function ok(run: KcatResult, what: string): KcatResult {
  assertEquals(run.code, 0, `${what}: ${run.stderr}`);
  return run;
}

function bootstrap(node: ClusterBroker): string {
  const a = node.kafkaAddress!;
  return `${a.host}:${a.port}`;
}

Deno.test("kcat against a 3-node cluster: metadata of every node, acks=all produce to RF 3, consume, and a -G group", async (t) => {
  await using nats = await startNatsServer();
  await using dir = await tempDir();
  const nodes: ClusterBroker[] = [];
  try {
    for (const id of [1, 2, 3]) {
      nodes.push(await startNode(nats.url, id, `${dir.path}/n${id}`, { kafkaPort: 0 }));
    }
    const [n1, n2, n3] = nodes as [ClusterBroker, ClusterBroker, ClusterBroker];
    const created = await http(`${n1.url}/v1/topics`, {
      body: { name: "orders", partitions: 3, replicationFactor: 3 },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));

    await t.step("Metadata lists the three Kafka listeners and the cluster's leaders", async () => {
      const meta = await waitFor("three brokers in kcat -L", async () => {
        const run = ok(await kcat(bootstrap(n2), ["-L", "-J", "-t", "orders"]), "kcat -L");
        const m = JSON.parse(run.stdout) as KcatMetadata;
        return m.brokers.length === 3 ? m : undefined;
      });
      assertEquals(
        meta.brokers.sort((a, b) => a.id - b.id),
        nodes.map((n, i) => ({ id: i + 1, name: bootstrap(n) })),
      );
      // Whichever node won the controller lease (node 1 usually, not always under load).
      const cluster = await http(`${n2.url}/v1/cluster`);
      assertEquals(meta.controllerid, cluster.body.controller);
      const described = await http(`${n3.url}/v1/topics/orders`);
      const partitions = described.body.partitions as {
        leader: number;
        replicas: number[];
        isr: number[];
      }[];
      const orders = meta.topics.find((x) => x.topic === "orders")!;
      assertEquals(orders.partitions.length, 3);
      for (const p of orders.partitions) {
        const want = partitions[p.partition]!;
        assertEquals(p.leader, want.leader);
        assertEquals(p.replicas.map((r) => r.id), want.replicas);
        assertEquals(p.isrs.map((r) => r.id).sort(), [...want.isr].sort());
      }
      // Placement spreads the leaders: every node leads one partition.
      assertEquals(orders.partitions.map((p) => p.leader).sort(), [1, 2, 3]);
    });

    const values = Array.from({ length: 30 }, (_, i) => `v${i}`);
    await t.step("kcat produces keyed records with acks=all through node 1", async () => {
      const input = values.map((v) => `${v}:${v}`).join("\n") + "\n";
      ok(
        await kcat(bootstrap(n1), ["-P", "-t", "orders", "-K:", "-X", "acks=all"], {
          stdin: input,
        }),
        "kcat -P",
      );
      const described = await http(`${n2.url}/v1/topics/orders`);
      const hws = (described.body.partitions as { highWatermark: number }[])
        .map((p) => p.highWatermark);
      assertEquals(hws.reduce((a, b) => a + b, 0), values.length, JSON.stringify(hws));
      assert(hws.filter((hw) => hw > 0).length >= 2, `keys spread: ${hws}`);
    });

    await t.step(
      "a Produce sent to a node that does not lead the partition is forwarded",
      async () => {
        const described = await http(`${n1.url}/v1/topics/orders`);
        const led = (described.body.partitions as { partition: number; leader: number }[])
          .find((p) => p.leader !== 2)!;
        const hw = (described.body.partitions as { highWatermark: number }[])[led.partition]!
          .highWatermark;
        await using client = await KafkaTestClient.connect(n2.kafkaAddress!);
        const records = encodeRecordBatch([{
          key: new TextEncoder().encode("fwd"),
          value: new TextEncoder().encode("fwd"),
        }]);
        const res = readProduceResponse(
          await client.request(0, 7, produceBody("orders", led.partition, records, -1)),
        );
        assertEquals(res, [{
          topic: "orders",
          partition: led.partition,
          errorCode: 0,
          baseOffset: hw,
        }]);
        values.push("fwd");
      },
    );

    await t.step("kcat consumes every record back through node 3", async () => {
      const run = ok(
        await kcat(bootstrap(n3), ["-C", "-t", "orders", "-e", "-J", "-o", "beginning"]),
        "kcat -C",
      );
      const got = run.stdout.split("\n").filter((l) => l !== "")
        .map((l) => JSON.parse(l) as { key: string; payload: string });
      assertEquals(got.map((r) => r.payload).sort(), [...values].sort());
      assert(got.every((r) => r.key === r.payload));
    });

    await t.step("a kcat -G group reads every record once and commits", async () => {
      const run = ok(
        await kcat(bootstrap(n2), [
          "-G",
          "billing",
          "-X",
          "session.timeout.ms=6000",
          "-X",
          "heartbeat.interval.ms=300",
          "-X",
          "auto.offset.reset=earliest",
          "-X",
          "enable.auto.commit=true",
          "-X",
          "auto.commit.interval.ms=100",
          "-c",
          String(values.length),
          "-f",
          "%s\\n",
          "orders",
        ], { timeoutMs: 40_000 }),
        "kcat -G",
      );
      assertEquals(run.stdout.split("\n").filter((l) => l !== "").sort(), [...values].sort());
      const group = await http(`${n3.url}/v1/groups/billing`);
      assertEquals(group.status, 200, JSON.stringify(group.body));
      const offsets = group.body.offsets as { committed: number; lag: number }[];
      assertEquals(offsets.reduce((n, o) => n + o.committed, 0), values.length);
      assert(offsets.every((o) => o.lag === 0), JSON.stringify(group.body));
    });

    await t.step("after node 3 leaves, kcat follows the new leaders with acks=all", async () => {
      await n3.close();
      // Failover moves node 3's leaderships to the other ISR members.
      await waitFor("leaders on nodes 1 and 2 in kcat -L", async () => {
        const run = ok(await kcat(bootstrap(n1), ["-L", "-J", "-t", "orders"]), "kcat -L");
        const m = JSON.parse(run.stdout) as KcatMetadata;
        return m.brokers.length === 2 &&
          m.topics[0]!.partitions.every((p) => p.leader === 1 || p.leader === 2);
      });
      const more = Array.from({ length: 10 }, (_, i) => `w${i}`);
      ok(
        await kcat(bootstrap(n2), ["-P", "-t", "orders", "-K:", "-X", "acks=all"], {
          stdin: more.map((v) => `${v}:${v}`).join("\n") + "\n",
        }),
        "kcat -P after failover",
      );
      const run = ok(
        await kcat(bootstrap(n2), ["-C", "-t", "orders", "-e", "-f", "%s\\n", "-o", "beginning"]),
        "kcat -C after failover",
      );
      assertEquals(
        run.stdout.split("\n").filter((l) => l !== "").sort(),
        [...values, ...more].sort(),
      );
      // The leaders drop the departed node from every ISR (lag time 1 s), and Metadata shows it.
      await waitFor("node 3 out of every ISR in kcat -L", async () => {
        const run = ok(await kcat(bootstrap(n2), ["-L", "-J", "-t", "orders"]), "kcat -L");
        const m = JSON.parse(run.stdout) as KcatMetadata;
        return m.topics[0]!.partitions.every((p) => !p.isrs.some((r) => r.id === 3));
      });
    });

    await t.step(
      "a partition whose only replica's node left reports leader -1, LEADER_NOT_AVAILABLE",
      async () => {
        const solo = await http(`${n1.url}/v1/topics`, {
          body: { name: "solo", partitions: 1, replicationFactor: 1 },
        });
        assertEquals(solo.status, 201, JSON.stringify(solo.body));
        const leader = (solo.body.partitions as { leader: number }[])[0]!.leader;
        const gone = nodes[leader - 1]!;
        const asked = gone === n1 ? n2 : n1;
        await gone.close();
        const meta = await waitFor("the offline partition in kcat -L", async () => {
          const run = ok(await kcat(bootstrap(asked), ["-L", "-J", "-t", "solo"]), "kcat -L");
          const m = JSON.parse(run.stdout) as KcatMetadata & {
            topics: { partitions: { leader: number; error?: string }[] }[];
          };
          return m.brokers.length === 1 && m.topics[0]!.partitions[0]!.leader === -1
            ? m
            : undefined;
        });
        assert(!meta.brokers.some((b) => b.id === leader), JSON.stringify(meta.brokers));
        assertEquals(meta.topics[0]!.partitions[0]!.error, "Broker: Leader not available");
      },
    );
  } finally {
    for (const n of nodes.reverse()) await n.close();
  }
});
