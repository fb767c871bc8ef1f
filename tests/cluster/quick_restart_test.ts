/**
 * A leader's node killed with SIGKILL and started again before its
 * membership expires (so no failover ran): the new incarnation must not
 * resume the old leader epoch. Kafka bumps the epoch on every leadership
 * change and treats a bounced broker as failed then new; here the node names
 * its previous leaderships to the controller (`rejoin`), which moves them to
 * a new epoch, led by another in-sync replica.
 */
import { assert, assertEquals } from "@std/assert";
import type { BrokerProcess } from "../_helpers/broker_process.ts";
import { formatViolations, History } from "../_helpers/history_checker.ts";
import { startNatsServer } from "../_helpers/nats_server.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { http, startNodeProcess, waitFor } from "./_cluster.ts";
import { assertReplicasIdentical } from "./_replicas.ts";

const TOPIC = "quick";
/** Membership expires after 3 heartbeats (15 s): the restart surely comes first. */
const HEARTBEAT_MS = 5_000;

interface Described {
  leader: number;
  isr: number[];
  highWatermark: number;
}

Deno.test("a leader restarted before its membership expires comes back in a new leader epoch", async () => {
  await using nats = await startNatsServer();
  await using dir = await tempDir();
  const procs = new Map<number, BrokerProcess>();
  const start = async (id: number) =>
    procs.set(
      id,
      await startNodeProcess(nats.url, id, `${dir.path}/n${id}`, {
        clusterId: "quick",
        heartbeatMs: HEARTBEAT_MS,
        replicaLagTimeMaxMs: 60_000,
      }),
    );
  const url = (id: number) => procs.get(id)!.url;
  try {
    await start(1); // node 1 takes the controller lease
    await Promise.all([2, 3].map(start));
    await waitFor("three live nodes", async () => {
      const { body } = await http(`${url(1)}/v1/cluster`);
      return (body.brokers as unknown[]).length === 3 && body.controller === 1;
    });
    const created = await http(`${url(1)}/v1/topics`, {
      body: { name: TOPIC, partitions: 3, replicationFactor: 3 },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));
    // A partition led by a node that is not the controller (its lease would outlive the kill).
    const partitions = created.body.partitions as Described[];
    const p = partitions.findIndex((d) => d.leader !== 1);
    const leader = partitions[p]!.leader;

    const history = new History();
    let seq = 0;
    const produce = async (via: number, count: number) => {
      let ok = 0;
      const deadline = Date.now() + 30_000;
      while (ok < count && Date.now() < deadline) {
        const value = `v-${seq++}`;
        history.attempt(value);
        try {
          const res = await http(`${url(via)}/v1/topics/${TOPIC}/records?acks=all`, {
            body: { records: [{ value, partition: p }] },
          });
          if (res.status === 200) {
            history.ack(value, {
              partition: p,
              offset: (res.body.offsets as { offset: number }[])[0]!.offset,
            });
            ok++;
          } else history.fail(value);
        } catch {
          history.fail(value);
        }
      }
      assertEquals(ok, count, `${count} acks=all writes through node ${via}`);
    };
    await produce(1, 20);

    await procs.get(leader)!.kill();
    procs.delete(leader);
    await start(leader);
    const moved = await waitFor("the partition moved to a new epoch", async () => {
      const { body } = await http(`${url(1)}/v1/topics/${TOPIC}`);
      const d = (body.partitions as Described[])[p]!;
      return d.leader !== leader && d.leader !== -1 ? d : undefined;
    });
    assert(moved.leader !== leader, "another in-sync replica leads in the new epoch");
    await produce(leader, 20);
    const final = await waitFor("the restarted node back in the ISR", async () => {
      const { body } = await http(`${url(1)}/v1/topics/${TOPIC}`);
      const d = (body.partitions as Described[])[p]!;
      return d.isr.length === 3 && d.highWatermark >= 40 ? d : undefined;
    });
    for (const reader of procs.keys()) {
      const res = await http(
        `${url(reader)}/v1/topics/${TOPIC}/partitions/${p}/records?offset=0&maxRecords=100000`,
      );
      assertEquals(res.status, 200);
      for (const r of res.body.records as { offset: number; value: string }[]) {
        history.read({ reader: `node-${reader}`, partition: p, ...r });
      }
    }
    const violations = history.check();
    assertEquals(violations, [], formatViolations(violations));
    for (const proc of procs.values()) await proc.stop();
    await assertReplicasIdentical(
      [1, 2, 3].map((n) => `${dir.path}/n${n}/${TOPIC}-${p}`),
      final.highWatermark,
    );
  } finally {
    await Promise.all([...procs.values()].map((proc) => proc.kill()));
  }
});
