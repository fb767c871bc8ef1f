/**
 * Rolling restart of all three nodes (in this process, over one real
 * nats-server) under acks=all load: each node is stopped and started again at
 * once with the same data directory (within 3 heartbeats, so a leader comes
 * back before failover ran: the `rejoin` path), and the next one only once
 * every partition has three in-sync replicas again. Producers and consumers
 * keep going through whichever nodes are up. Checked with the history
 * checker (nothing acknowledged lost, no offset with two values, consumers'
 * offsets never go backwards, no committed range skipped) and by comparing
 * the replicas' files below the high watermark.
 */
import { assert, assertEquals } from "@std/assert";
import type { ClusterBroker } from "../../broker/cluster/mod.ts";
import { formatViolations, History } from "../_helpers/history_checker.ts";
import { startNatsServer } from "../_helpers/nats_server.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { http, partitionOf, startNode, waitFor } from "./_cluster.ts";
import { assertReplicasIdentical } from "./_replicas.ts";

const TOPIC = "rolling";
const PARTITIONS = 3;

Deno.test("a rolling restart of all nodes under acks=all load loses nothing acknowledged", async () => {
  await using nats = await startNatsServer();
  await using dir = await tempDir();
  const nodes = new Map<number, ClusterBroker>();
  const start = async (id: number) =>
    nodes.set(id, await startNode(nats.url, id, `${dir.path}/n${id}`));
  const up = () => [...nodes.values()];
  let turn = 0;
  const anyUrl = () => {
    const list = up();
    return list[turn++ % list.length]!.url;
  };
  let stop = false;
  const loops: Promise<void>[] = [];
  try {
    for (const id of [1, 2, 3]) await start(id);
    await waitFor("three live nodes", async () => {
      const { body } = await http(`${anyUrl()}/v1/cluster`);
      return (body.brokers as unknown[]).length === 3;
    });
    const created = await http(`${anyUrl()}/v1/topics`, {
      body: { name: TOPIC, partitions: PARTITIONS, replicationFactor: 3 },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));

    const history = new History();
    let seq = 0;
    let acked = 0;
    const producer = async (name: string) => {
      while (!stop) {
        const value = `${name}-${seq++}`;
        const partition = seq % PARTITIONS;
        history.attempt(value);
        try {
          const res = await http(`${anyUrl()}/v1/topics/${TOPIC}/records?acks=all`, {
            body: { records: [{ value, partition }] },
            // A node stopping mid-request: the client gives up (outcome unknown).
            timeoutMs: 5_000,
          });
          if (res.status === 200) {
            const offset = (res.body.offsets as { offset: number }[])[0]!.offset;
            history.ack(value, { partition, offset });
            acked++;
          } else {
            const code = (res.body.error as { code?: string } | undefined)?.code;
            history.fail(value, { definite: code === "NOT_ENOUGH_REPLICAS" });
          }
        } catch {
          history.fail(value); // the node went away mid-request: outcome unknown
        }
      }
    };
    const consumer = async (partition: number) => {
      let next = 0;
      while (!stop) {
        try {
          const res = await http(
            `${anyUrl()}/v1/topics/${TOPIC}/partitions/${partition}/records?offset=${next}&maxRecords=200&waitMs=100`,
            { timeoutMs: 5_000 },
          );
          if (res.status !== 200) continue;
          for (const r of res.body.records as { offset: number; value: string }[]) {
            history.read({ reader: `consumer-${partition}`, group: "c", partition, ...r });
            next = r.offset + 1;
          }
          history.commit({ group: "c", partition, offset: next });
        } catch { /* node restarting: try another */ }
      }
    };
    loops.push(producer("a"), producer("b"));
    for (let p = 0; p < PARTITIONS; p++) loops.push(consumer(p));

    const allInSync = async () => {
      for (let p = 0; p < PARTITIONS; p++) {
        const view = await partitionOf(anyUrl(), TOPIC, p);
        if (view.isr.length !== 3 || view.leader === -1) return false;
      }
      return true;
    };
    await waitFor("acks=all writes before the restarts", () => acked >= 30);
    for (const id of [1, 2, 3]) {
      const before = acked;
      await nodes.get(id)!.close();
      nodes.delete(id);
      await start(id);
      await waitFor(`three in-sync replicas after restarting node ${id}`, allInSync);
      await waitFor(`acks=all writes after restarting node ${id}`, () => acked >= before + 20);
    }
    stop = true;
    await Promise.all(loops);

    // Read everything once more through every node, then check the history.
    const hws: number[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const view = await waitFor(`partition ${p} quiet and in sync`, async () => {
        const v = await partitionOf(anyUrl(), TOPIC, p);
        const again = await partitionOf(anyUrl(), TOPIC, p);
        return v.isr.length === 3 && again.highWatermark === v.highWatermark ? v : undefined;
      });
      hws.push(view.highWatermark);
      for (const node of up()) {
        const res = await http(
          `${node.url}/v1/topics/${TOPIC}/partitions/${p}/records?offset=0&maxRecords=100000`,
        );
        assertEquals(res.status, 200);
        for (const r of res.body.records as { offset: number; value: string }[]) {
          history.read({ reader: `final-${node.node.nodeId}`, partition: p, ...r });
        }
      }
    }
    const violations = history.check();
    assertEquals(violations, [], formatViolations(violations));
    assert(history.stats.acked >= 90, `acked ${history.stats.acked}`);

    for (const node of up()) await node.close();
    for (let p = 0; p < PARTITIONS; p++) {
      await assertReplicasIdentical(
        [1, 2, 3].map((n) => `${dir.path}/n${n}/${TOPIC}-${p}`),
        hws[p]!,
      );
    }
  } finally {
    stop = true;
    await Promise.allSettled(loops);
    for (const n of nodes.values()) await n.close();
  }
});
