import { assert, assertEquals } from "@std/assert";
import type { ClusterBroker } from "../../broker/cluster/mod.ts";
import { startNatsServer } from "../_helpers/nats_server.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { http, startNode, waitFor } from "./_cluster.ts";

interface Partition {
  leader: number;
  replicas: number[];
  isr: number[];
  highWatermark: number;
}

Deno.test("three cluster nodes: RF 3 produce/read across nodes, failover, acks=all refusal", async (t) => {
  await using nats = await startNatsServer();
  await using dir = await tempDir();
  const nodes = new Map<number, ClusterBroker>();
  try {
    for (const id of [1, 2, 3]) {
      nodes.set(id, await startNode(nats.url, id, `${dir.path}/n${id}`));
    }
    const url = (id: number) => nodes.get(id)!.url;

    await t.step(
      "GET /v1/cluster lists the three nodes and the controller on any node",
      async () => {
        const info = await waitFor("three live brokers", async () => {
          const { body } = await http(`${url(2)}/v1/cluster`);
          return (body.brokers as unknown[]).length === 3 ? body : undefined;
        });
        assertEquals(info.clusterId, "test");
        assertEquals((info.brokers as { id: number }[]).map((b) => b.id), [1, 2, 3]);
        assertEquals(info.controller, 1, "the first node took the lease");
        assertEquals((info.brokers as { port: number }[])[2]!.port, nodes.get(3)!.address.port);
      },
    );

    let leader = -1;
    await t.step(
      "a topic created on one node shows leader, replicas and ISR everywhere",
      async () => {
        const created = await http(`${url(2)}/v1/topics`, {
          body: { name: "orders.eu", partitions: 1, replicationFactor: 3 },
        });
        assertEquals(created.status, 201, JSON.stringify(created.body));
        const p = (created.body.partitions as Partition[])[0]!;
        assertEquals([...p.replicas].sort(), [1, 2, 3]);
        assertEquals(p.isr.length, 3);
        leader = p.leader;
        const seen = await http(`${url(3)}/v1/topics/orders.eu`);
        assertEquals((seen.body.partitions as Partition[])[0]!.leader, leader);
        assertEquals((seen.body.configs as Record<string, number>)["min.insync.replicas"], 2);
        const dup = await http(`${url(1)}/v1/topics`, { body: { name: "orders.eu" } });
        assertEquals(dup.status, 409);
      },
    );

    const acked: { offset: number; value: number }[] = [];
    const produce = async (via: number, values: number[]) => {
      const res = await http(`${url(via)}/v1/topics/orders.eu/records?acks=all`, {
        body: { records: values.map((value) => ({ value, partition: 0 })) },
      });
      if (res.status === 200) {
        const offsets = res.body.offsets as { offset: number }[];
        values.forEach((value, i) => acked.push({ offset: offsets[i]!.offset, value }));
      }
      return res;
    };
    const readAll = async (via: number) => {
      const res = await http(`${url(via)}/v1/topics/orders.eu/partitions/0/records?offset=0`);
      assertEquals(res.status, 200, JSON.stringify(res.body));
      return (res.body.records as { offset: number; value: number }[]).map((r) => ({
        offset: r.offset,
        value: r.value,
      }));
    };
    const follower = () => [1, 2, 3].find((n) => n !== leader && nodes.has(n))!;

    await t.step("acks=all through a follower node, read back on another node", async () => {
      const res = await produce(follower(), [1, 2, 3]);
      assertEquals(res.status, 200, JSON.stringify(res.body));
      const other = [1, 2, 3].find((n) => n !== follower())!;
      assertEquals(
        await waitFor("records on another node", async () => {
          const got = await readAll(other);
          return got.length === 3 ? got : undefined;
        }),
        acked,
      );
    });

    await t.step(
      "the leader's node leaves: a new leader from the ISR, nothing acked lost",
      async () => {
        const old = leader;
        await nodes.get(old)!.close();
        nodes.delete(old);
        const via = [...nodes.keys()][0]!;
        const next = await waitFor("a new leader", async () => {
          const { body } = await http(`${url(via)}/v1/topics/orders.eu`);
          const p = (body.partitions as Partition[])[0]!;
          return p.leader !== old && p.leader !== -1 ? p : undefined;
        });
        assert(!next.isr.includes(old), `ISR ${next.isr} still has ${old}`);
        leader = next.leader;
        const res = await waitFor("an acks=all write on the new leader", async () => {
          const r = await produce(via, [4, 5]);
          return r.status === 200 ? r : undefined;
        });
        assertEquals(res.status, 200);
        const got = await readAll(follower());
        for (const a of acked) assertEquals(got.find((r) => r.offset === a.offset)?.value, a.value);
        assertEquals(new Set(got.map((r) => r.offset)).size, got.length, "no offset twice");
      },
    );

    await t.step("the old leader's node comes back as a follower and rejoins the ISR", async () => {
      const back = [1, 2, 3].find((n) => !nodes.has(n))!;
      nodes.set(back, await startNode(nats.url, back, `${dir.path}/n${back}`));
      const p = await waitFor(`node ${back} back in the ISR`, async () => {
        const { body } = await http(`${url(back)}/v1/topics/orders.eu`);
        const p = (body.partitions as Partition[])[0]!;
        return p.isr.includes(back) ? p : undefined;
      });
      assert(p.leader !== back, "it follows the current leader");
      const res = await produce(back, [6]);
      assertEquals(res.status, 200, JSON.stringify(res.body));
      await nodes.get(back)!.close();
      nodes.delete(back);
      // The leader drops it from the ISR (replica.lag.time.max.ms) and acks=all goes on with 2.
      await waitFor("an acks=all write without it", async () => {
        const r = await produce(leader, [7]);
        return r.status === 200;
      });
      await waitFor(`node ${back} out of the ISR`, async () => {
        const { body } = await http(`${url(leader)}/v1/topics/orders.eu`);
        return !(body.partitions as Partition[])[0]!.isr.includes(back);
      });
    });

    await t.step(
      "two of three nodes down: acks=all gets 503, committed data still reads",
      async () => {
        const survivor = leader;
        for (const id of [...nodes.keys()]) {
          if (id === survivor) continue;
          await nodes.get(id)!.close();
          nodes.delete(id);
        }
        const refused = await waitFor("acks=all refused", async () => {
          const r = await produce(survivor, [99]);
          return r.status === 503 ? r : undefined;
        });
        assertEquals((refused.body.error as { code: string }).code, "NOT_ENOUGH_REPLICAS");
        const got = await readAll(survivor);
        for (const a of acked) assertEquals(got.find((r) => r.offset === a.offset)?.value, a.value);
      },
    );
  } finally {
    for (const node of nodes.values()) await node.close();
  }
});
