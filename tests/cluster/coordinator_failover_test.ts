/**
 * Consumer group across nodes (child processes over one real nats-server):
 * the node running the group's coordinator (also the controller) is killed
 * with SIGKILL mid-consumption. Another node takes the controller lease and
 * the group over; the consumer, talking to a surviving node, joins again
 * and resumes from the committed offsets. Checked with the history checker:
 * everything acknowledged read by the group, no committed range skipped,
 * offsets never going backwards.
 */
import { assertEquals } from "@std/assert";
import type { BrokerProcess } from "../_helpers/broker_process.ts";
import { formatViolations, History } from "../_helpers/history_checker.ts";
import { startNatsServer } from "../_helpers/nats_server.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { http, startNodeProcess, waitFor } from "./_cluster.ts";

const TOPIC = "events";
const GROUP = "billing";
const PER_PARTITION = 20;

Deno.test("kill -9 of the coordinators' node: another node takes the group over from its committed offsets", async () => {
  await using nats = await startNatsServer();
  await using dir = await tempDir();
  const procs = new Map<number, BrokerProcess>();
  const start = async (id: number) =>
    procs.set(id, await startNodeProcess(nats.url, id, `${dir.path}/n${id}`, { clusterId: "co" }));
  const url = (id: number) => procs.get(id)!.url;
  try {
    // Node 1 takes the lease; "billing" hashes to node 1 of [1, 2, 3] (group_placement_test.ts).
    await start(1);
    await Promise.all([2, 3].map(start));
    await waitFor("three live nodes", async () => {
      const { body } = await http(`${url(2)}/v1/cluster`);
      return (body.brokers as unknown[]).length === 3 && body.controller === 1;
    });
    const created = await http(`${url(2)}/v1/topics`, {
      body: { name: TOPIC, partitions: 2, replicationFactor: 3 },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));
    const history = new History();
    for (let p = 0; p < 2; p++) {
      for (let i = 0; i < PER_PARTITION; i++) {
        const value = `p${p}-${i}`;
        history.attempt(value);
        const res = await http(`${url(2)}/v1/topics/${TOPIC}/records?acks=all`, {
          body: { records: [{ value, partition: p }] },
        });
        assertEquals(res.status, 200, JSON.stringify(res.body));
        history.ack(value, {
          topic: TOPIC,
          partition: p,
          offset: (res.body.offsets as { offset: number }[])[0]!.offset,
        });
      }
    }

    /** One consumer: joins through `via`, reads from the committed offsets and commits. */
    let member = { memberId: "", memberEpoch: 0 };
    const join = async (via: number) => {
      const joined = await waitFor("a join", async () => {
        const r = await http(`${url(via)}/v1/groups/${GROUP}/members`, {
          body: { topics: [TOPIC] },
        });
        return r.status === 200 ? r.body as { memberId: string; memberEpoch: number } : undefined;
      });
      member = { memberId: joined.memberId, memberEpoch: joined.memberEpoch };
      // Heartbeat until both partitions are assigned (a single member gets all).
      await waitFor("both partitions assigned", async () => {
        const hb = await http(
          `${url(via)}/v1/groups/${GROUP}/members/${member.memberId}/heartbeat`,
          {
            body: { memberEpoch: member.memberEpoch, ownedPartitions: [] },
          },
        );
        if (hb.status !== 200) return undefined;
        member.memberEpoch = hb.body.memberEpoch as number;
        const parts = (hb.body.assignment as { topic: string; partitions: number[] }[])
          .flatMap((a) => a.partitions);
        return parts.length === 2;
      });
    };
    const committed = async (via: number): Promise<number[]> => {
      const r = await http(`${url(via)}/v1/groups/${GROUP}/offsets`);
      if (r.status !== 200) throw new Error(`offsets: ${r.status} ${JSON.stringify(r.body)}`);
      const out = [0, 0];
      for (const o of r.body.offsets as { partition: number; offset: number }[]) {
        out[o.partition] = o.offset;
      }
      return out;
    };
    /** Reads up to `count` records of each partition from the committed offset and commits. */
    const consume = async (via: number, count: number) => {
      const from = await committed(via);
      for (let p = 0; p < 2; p++) {
        const res = await http(
          `${url(via)}/v1/topics/${TOPIC}/partitions/${p}/records?offset=${
            from[p]
          }&maxRecords=${count}`,
        );
        assertEquals(res.status, 200);
        let next = from[p]!;
        for (const r of res.body.records as { offset: number; value: string }[]) {
          history.read({ reader: `consumer-${p}`, group: GROUP, topic: TOPIC, partition: p, ...r });
          next = r.offset + 1;
        }
        const c = await http(`${url(via)}/v1/groups/${GROUP}/offsets`, {
          body: { ...member, offsets: [{ topic: TOPIC, partition: p, offset: next }] },
        });
        assertEquals(c.status, 200, JSON.stringify(c.body));
        history.commit({ group: GROUP, topic: TOPIC, partition: p, offset: next });
      }
    };

    await join(2);
    await consume(2, 5);
    await consume(3, 5);
    assertEquals(await committed(3), [10, 10]);

    await procs.get(1)!.kill();
    procs.delete(1);
    const controller = await waitFor("a new controller", async () => {
      const { body } = await http(`${url(3)}/v1/cluster`);
      return body.controller !== 1 && body.controller !== -1 ? body.controller : undefined;
    });
    // The committed offsets survived the coordinator's node.
    assertEquals(await waitFor("offsets on the new coordinator", () => committed(3)), [10, 10]);
    // The old member is unknown to the new coordinator: it joins again and carries on.
    const stale = await http(`${url(3)}/v1/groups/${GROUP}/members/${member.memberId}/heartbeat`, {
      body: { memberEpoch: member.memberEpoch, ownedPartitions: [] },
    });
    assertEquals(stale.status >= 400, true, `stale member answered ${stale.status}`);
    await join(3);
    while ((await committed(3)).some((o) => o < PER_PARTITION)) await consume(3, 4);
    assertEquals(await committed(2), [PER_PARTITION, PER_PARTITION]);
    const violations = history.check();
    assertEquals(violations, [], formatViolations(violations));
    assertEquals([2, 3].includes(controller as number), true);
  } finally {
    await Promise.all([...procs.values()].map((p) => p.kill()));
  }
});
