import { assertEquals } from "@std/assert";
import type { ClusterBroker } from "../../broker/cluster/mod.ts";
import { startNatsServer } from "../_helpers/nats_server.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { http, startNode, waitFor } from "./_cluster.ts";

Deno.test("consumer groups across cluster nodes survive the controller node leaving", async () => {
  await using nats = await startNatsServer();
  await using dir = await tempDir();
  const nodes = new Map<number, ClusterBroker>();
  try {
    for (const id of [1, 2, 3]) nodes.set(id, await startNode(nats.url, id, `${dir.path}/n${id}`));
    const url = (id: number) => nodes.get(id)!.url;
    await waitFor("three live nodes", async () => {
      const { body } = await http(`${url(1)}/v1/cluster`);
      return (body.brokers as unknown[]).length === 3;
    });
    const created = await http(`${url(2)}/v1/topics`, {
      body: { name: "events", partitions: 4, replicationFactor: 2 },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));

    // Join through node 2 (the coordinator runs on the node "billing" hashes to).
    const joined = await http(`${url(2)}/v1/groups/billing/members`, {
      body: { topics: ["events"] },
    });
    assertEquals(joined.status, 200, JSON.stringify(joined.body));
    const { memberId, memberEpoch } = joined.body as { memberId: string; memberEpoch: number };
    const hb = await http(`${url(3)}/v1/groups/billing/members/${memberId}/heartbeat`, {
      body: { memberEpoch, ownedPartitions: [] },
    });
    assertEquals(hb.status, 200, JSON.stringify(hb.body));
    const epoch = (hb.body as { memberEpoch: number }).memberEpoch;
    const committed = await http(`${url(3)}/v1/groups/billing/offsets`, {
      body: {
        memberId,
        memberEpoch: epoch,
        offsets: [{ topic: "events", partition: 2, offset: 7 }],
      },
    });
    assertEquals(committed.status, 200, JSON.stringify(committed.body));
    const listed = await http(`${url(3)}/v1/groups`);
    assertEquals((listed.body.groups as { groupId: string }[]).map((g) => g.groupId), ["billing"]);

    const controller = await waitFor("the controller", async () => {
      const c = (await http(`${url(2)}/v1/cluster`)).body.controller as number;
      return nodes.has(c) ? c : undefined;
    });
    await nodes.get(controller)!.close();
    nodes.delete(controller);
    const other = [...nodes.keys()][0]!;
    const offsets = await waitFor("offsets from the new controller", async () => {
      const r = await http(`${url(other)}/v1/groups/billing/offsets`);
      return r.status === 200 ? r.body : undefined;
    });
    const got = (offsets.offsets as { topic: string; partition: number; offset: number }[])
      .map(({ topic, partition, offset }) => ({ topic, partition, offset }));
    assertEquals(got, [{ topic: "events", partition: 2, offset: 7 }]);
    await waitFor("a new controller", async () => {
      const info = await http(`${url(other)}/v1/cluster`);
      return info.body.controller !== controller && info.body.controller !== -1;
    });
    // A new member can join on the new controller.
    const again = await http(`${url(other)}/v1/groups/billing/members`, {
      body: { topics: ["events"] },
    });
    assertEquals(again.status, 200, JSON.stringify(again.body));
  } finally {
    for (const n of nodes.values()) await n.close();
  }
});
