/**
 * The old leader comes back: three nodes as child processes; the followers
 * are frozen (SIGSTOP) while the leader takes acks=1 writes they never get,
 * then the leader is killed with SIGKILL. A follower takes over in a new
 * epoch; the old leader restarts, truncates its divergent tail, catches up
 * and rejoins the ISR. Checked with the history checker and by comparing the
 * replicas' log files below the high watermark.
 */
import { assert, assertEquals } from "@std/assert";
import type { BrokerProcess } from "../_helpers/broker_process.ts";
import { formatViolations, History } from "../_helpers/history_checker.ts";
import { startNatsServer } from "../_helpers/nats_server.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { http, partitionOf, startNodeProcess, waitFor } from "./_cluster.ts";
import { assertReplicasIdentical } from "./_replicas.ts";

const TOPIC = "back";

Deno.test("a killed leader that comes back truncates its unacknowledged tail and rejoins the ISR", async () => {
  await using nats = await startNatsServer();
  await using dir = await tempDir();
  const procs = new Map<number, BrokerProcess>();
  const start = async (id: number) =>
    procs.set(
      id,
      await startNodeProcess(nats.url, id, `${dir.path}/n${id}`, {
        clusterId: "back",
        // No ISR shrink while the followers are frozen: the failover picks from all three.
        replicaLagTimeMaxMs: 60_000,
      }),
    );
  try {
    await Promise.all([1, 2, 3].map(start));
    const url = (id: number) => procs.get(id)!.url;
    await waitFor("three live nodes", async () => {
      const { body } = await http(`${url(1)}/v1/cluster`);
      return (body.brokers as unknown[]).length === 3;
    });
    const created = await http(`${url(1)}/v1/topics`, {
      body: { name: TOPIC, partitions: 1, replicationFactor: 3 },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));
    const oldLeader = (await partitionOf(url(1), TOPIC)).leader;
    const followers = [1, 2, 3].filter((n) => n !== oldLeader);

    const history = new History();
    let seq = 0;
    const produce = async (via: number, acks: "all" | "1"): Promise<number | null> => {
      const value = `v-${seq++}`;
      history.attempt(value);
      try {
        const res = await http(`${url(via)}/v1/topics/${TOPIC}/records?acks=${acks}`, {
          body: { records: [{ value, partition: 0 }] },
        });
        if (res.status === 200 && acks === "all") {
          const offset = (res.body.offsets as { offset: number }[])[0]!.offset;
          history.ack(value, { partition: 0, offset });
          return offset;
        }
        // acks=1 on a leader about to die promises nothing: outcome unknown.
        history.fail(value, { definite: res.status === 503 });
        return res.status === 200 ? (res.body.offsets as { offset: number }[])[0]!.offset : null;
      } catch {
        history.fail(value);
        return null;
      }
    };
    const produceAcked = async (via: number, count: number) => {
      let ok = 0;
      const deadline = Date.now() + 30_000;
      while (ok < count && Date.now() < deadline) if (await produce(via, "all") !== null) ok++;
      assertEquals(ok, count, `${count} acks=all writes through node ${via}`);
    };

    await produceAcked(followers[0]!, 30);

    // Freeze the followers; the leader appends a tail they never fetch (at most the first
    // write can leave in the answer to a fetch already parked at the leader).
    for (const f of followers) Deno.kill(procs.get(f)!.pid, "SIGSTOP");
    const tail: string[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        const value = `v-${seq}`;
        const offset = await produce(oldLeader, "1");
        assert(offset !== null, "the leader takes acks=1 writes alone");
        tail.push(value);
      }
      await procs.get(oldLeader)!.kill();
    } finally {
      for (const f of followers) Deno.kill(procs.get(f)!.pid, "SIGCONT");
    }
    procs.delete(oldLeader);

    const newLeader = await waitFor("a new leader", async () => {
      const p = await partitionOf(url(followers[0]!), TOPIC);
      return p.leader !== oldLeader && p.leader !== -1 ? p.leader : undefined;
    });
    await produceAcked(followers[1]!, 30);

    await start(oldLeader);
    const back = await waitFor("the old leader back in the ISR", async () => {
      const p = await partitionOf(url(oldLeader), TOPIC);
      return p.isr.length === 3 ? p : undefined;
    });
    assertEquals(back.leader, newLeader, "leadership stays with the new leader");
    await produceAcked(oldLeader, 20);

    // Quiesce: every replica caught up to the same end.
    const final = await waitFor("all replicas in sync at the end", async () => {
      const p = await partitionOf(url(newLeader), TOPIC);
      return p.isr.length === 3 && p.highWatermark >= 80 ? p : undefined;
    });
    for (const reader of procs.keys()) {
      const res = await http(
        `${url(reader)}/v1/topics/${TOPIC}/partitions/0/records?offset=0&maxRecords=100000`,
      );
      assertEquals(res.status, 200);
      for (const r of res.body.records as { offset: number; value: string }[]) {
        history.read({ reader: `node-${reader}`, partition: 0, offset: r.offset, value: r.value });
      }
    }
    const violations = history.check();
    assertEquals(violations, [], formatViolations(violations));
    const readValues = new Set<string>();
    const res = await http(
      `${url(newLeader)}/v1/topics/${TOPIC}/partitions/0/records?offset=0&maxRecords=100000`,
    );
    for (const r of res.body.records as { value: string }[]) readValues.add(r.value);
    const truncated = tail.filter((v) => !readValues.has(v));
    assert(truncated.length >= 4, `the unreplicated tail is gone: ${truncated.length} of 5`);

    // Stop every node cleanly (logs flushed) and compare the files below the high watermark.
    const hw = (await partitionOf(url(newLeader), TOPIC)).highWatermark;
    assert(hw >= final.highWatermark);
    await waitFor("every replica at the high watermark", async () => {
      const p = await partitionOf(url(newLeader), TOPIC);
      return p.highWatermark === hw && p.isr.length === 3;
    });
    for (const p of procs.values()) await p.stop();
    await assertReplicasIdentical([1, 2, 3].map((n) => `${dir.path}/n${n}/${TOPIC}-0`), hw);
  } finally {
    await Promise.all([...procs.values()].map((p) => p.kill()));
  }
});
