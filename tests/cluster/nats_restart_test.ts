import { assert, assertEquals } from "@std/assert";
import type { ClusterBroker } from "../../broker/cluster/mod.ts";
import { History } from "../_helpers/history_checker.ts";
import { startNatsServer } from "../_helpers/nats_server.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { http, startNode, waitFor } from "./_cluster.ts";

Deno.test("a nats-server restart under acks=all load: nodes reconnect, nothing acked lost", async () => {
  await using nats = await startNatsServer();
  await using dir = await tempDir();
  const nodes: ClusterBroker[] = [];
  try {
    for (const id of [1, 2, 3]) nodes.push(await startNode(nats.url, id, `${dir.path}/n${id}`));
    await waitFor("three live nodes", async () => {
      const { body } = await http(`${nodes[0]!.url}/v1/cluster`);
      return (body.brokers as unknown[]).length === 3;
    });
    const created = await http(`${nodes[1]!.url}/v1/topics`, {
      body: { name: "r", partitions: 2, replicationFactor: 3 },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));

    const history = new History();
    let seq = 0;
    let stop = false;
    let acked = 0;
    const producer = async (via: ClusterBroker, partition: number) => {
      while (!stop) {
        const value = `p${partition}-${seq++}`;
        history.attempt(value);
        try {
          const res = await http(`${via.url}/v1/topics/r/records?acks=all`, {
            body: { records: [{ value, partition }] },
          });
          if (res.status === 200) {
            const offset = (res.body.offsets as { offset: number }[])[0]!.offset;
            history.ack(value, { topic: "r", partition, offset });
            acked++;
          } else {
            history.fail(value);
            await new Promise((r) => setTimeout(r, 20));
          }
        } catch {
          history.fail(value);
        }
      }
    };
    const producers = [producer(nodes[0]!, 0), producer(nodes[2]!, 1)];
    await waitFor("writes before the restart", () => acked >= 40);
    await nats.restart();
    const before = acked;
    await waitFor("acks=all writes after the restart", () => acked >= before + 40, 30_000);
    stop = true;
    await Promise.all(producers);

    for (const partition of [0, 1]) {
      const res = await http(
        `${nodes[1]!.url}/v1/topics/r/partitions/${partition}/records?offset=0&maxRecords=100000`,
      );
      assertEquals(res.status, 200, JSON.stringify(res.body));
      for (const r of res.body.records as { offset: number; value: string }[]) {
        history.read({ reader: "check", topic: "r", partition, offset: r.offset, value: r.value });
      }
    }
    assertEquals(history.check(), []);
    const info = await http(`${nodes[2]!.url}/v1/cluster`);
    assert((info.body.controller as number) > 0, "a controller again");
  } finally {
    for (const n of nodes) await n.close();
  }
});
