/**
 * Group coordinators placed by hash of the group id (three in-process nodes
 * over a real nats-server): groups spread over the nodes, any node forwards
 * to the right one, a node that is not a group's coordinator refuses it with
 * NOT_COORDINATOR, and when the node of one group stops only its groups
 * move: their members join again through any node and resume from the
 * committed offsets, while the members of the other groups keep going.
 * When a new node joins, the groups it wins move to it and their old
 * coordinators are stopped.
 */
import { assert, assertEquals, assertNotEquals, assertRejects } from "@std/assert";
import type { ClusterBroker } from "../../broker/cluster/mod.ts";
import { coordinatorNode, groupsAddress } from "../../broker/cluster/mod.ts";
import { WeirError } from "../../client/protocol/mod.ts";
import { startNatsServer } from "../_helpers/nats_server.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { http as httpNoDeadline, startNode, waitFor } from "./_cluster.ts";

const TOPIC = "events";

/** Every request has a deadline, so a hang fails the test where it happens. */
const http = (url: string, init: { body?: unknown } = {}) =>
  httpNoDeadline(url, { ...init, timeoutMs: 15_000 });

interface Member {
  group: string;
  memberId: string;
  memberEpoch: number;
}

Deno.test("group coordinators spread by hash of the group id and move with their node", async () => {
  await using nats = await startNatsServer();
  await using dir = await tempDir();
  const nodes = new Map<number, ClusterBroker>();
  const url = (id: number) => nodes.get(id)!.url;
  try {
    for (const id of [1, 2, 3]) nodes.set(id, await startNode(nats.url, id, `${dir.path}/n${id}`));
    const controller = await waitFor("three live nodes and a controller", async () => {
      const { body } = await http(`${url(1)}/v1/cluster`);
      const ready = (body.brokers as unknown[]).length === 3 &&
        nodes.has(body.controller as number);
      return ready ? body.controller as number : undefined;
    });
    const created = await http(`${url(1)}/v1/topics`, {
      body: { name: TOPIC, partitions: 2, replicationFactor: 3 },
    });
    assertEquals(created.status, 201, JSON.stringify(created.body));

    // Two groups per node, found with the placement function.
    const groups: string[] = [];
    for (const owner of [1, 2, 3]) {
      const mine = Array.from({ length: 50 }, (_, i) => `app-${i}`)
        .filter((g) => coordinatorNode(g, [1, 2, 3]) === owner).slice(0, 2);
      assertEquals(mine.length, 2);
      groups.push(...mine);
    }
    const ownerOf = (g: string, live: number[]) => coordinatorNode(g, live)!;

    // Every group joined and committed through a node that (mostly) is not its coordinator.
    const members = new Map<string, Member>();
    const join = async (group: string, via: number): Promise<Member> => {
      const joined = await http(`${url(via)}/v1/groups/${group}/members`, {
        body: { topics: [TOPIC] },
      });
      assertEquals(joined.status, 200, JSON.stringify(joined.body));
      const m = { group, ...(joined.body as { memberId: string; memberEpoch: number }) };
      const hb = await heartbeat(m, via);
      assertEquals(hb.status, 200, JSON.stringify(hb.body));
      m.memberEpoch = hb.body.memberEpoch as number;
      members.set(group, m);
      return m;
    };
    const heartbeat = (m: Member, via: number) =>
      http(`${url(via)}/v1/groups/${m.group}/members/${m.memberId}/heartbeat`, {
        body: { memberEpoch: m.memberEpoch, ownedPartitions: [] },
      });
    const committed = async (group: string, via: number) => {
      const r = await http(`${url(via)}/v1/groups/${group}/offsets`);
      assertEquals(r.status, 200, JSON.stringify(r.body));
      return (r.body.offsets as { partition: number; offset: number }[])
        .map(({ partition, offset }) => [partition, offset]);
    };
    for (const [i, group] of groups.entries()) {
      const via = 1 + ((i + 1) % 3);
      const m = await join(group, via);
      const c = await http(`${url(via)}/v1/groups/${group}/offsets`, {
        body: { ...m, offsets: [{ topic: TOPIC, partition: 0, offset: 10 + i }] },
      });
      assertEquals(c.status, 200, JSON.stringify(c.body));
    }

    // Each coordinator runs on its group's node and nowhere else; every node agrees.
    for (const group of groups) {
      const owner = ownerOf(group, [1, 2, 3]);
      for (const [id, n] of nodes) {
        assertEquals(n.node.system.has("group", group), id === owner, `${group} on node ${id}`);
        assertEquals(await n.node.groupCoordinatorNode(group), owner);
      }
    }
    const listed = await http(`${url(2)}/v1/groups`);
    assertEquals(
      (listed.body.groups as { groupId: string; members: number }[])
        .map((g) => [g.groupId, g.members]),
      [...groups].sort().map((g) => [g, 1]),
    );

    // A node asked for a group placed elsewhere refuses it (no second coordinator).
    const group0 = groups[0]!; // placed on node 1
    const wrong = nodes.get(1)!.node.system.lookup(groupsAddress(2).kind, groupsAddress(2).id);
    const refused = await assertRejects(
      () => wrong.ask({ method: "describeGroup", args: [group0] }, { timeoutMs: 5_000 }),
      WeirError,
      undefined,
      `node 2 sees ${JSON.stringify([...nodes.get(2)!.node.liveNodes.map((n) => n.id)])}`,
    );
    assertEquals(refused.code, "NOT_COORDINATOR");
    assert(!nodes.get(2)!.node.system.has("group", group0));

    // Stop a node that is not the controller: only its groups move.
    const victim = [1, 2, 3].find((n) => n !== controller)!;
    const survivors = [1, 2, 3].filter((n) => n !== victim);
    const moved = groups.filter((g) => ownerOf(g, [1, 2, 3]) === victim);
    const stayed = groups.filter((g) => ownerOf(g, [1, 2, 3]) !== victim);
    assertEquals(moved.length, 2);
    await nodes.get(victim)!.close();
    nodes.delete(victim);
    for (const group of stayed) {
      // Same coordinator, same member: its heartbeat still works through either survivor.
      for (const via of survivors) {
        const hb = await heartbeat(members.get(group)!, via);
        assertEquals(hb.status, 200, `${group} via ${via}: ${JSON.stringify(hb.body)}`);
      }
    }
    for (const group of moved) {
      const owner = ownerOf(group, survivors);
      const via = survivors.find((n) => n !== owner)!;
      // The new coordinator does not know the old member: it must join again.
      const stale = await waitFor(`${group}'s old member refused`, async () => {
        const hb = await heartbeat(members.get(group)!, via);
        return hb.status === 404 ? hb : undefined;
      });
      assertEquals((stale.body.error as { code: string }).code, "UNKNOWN_MEMBER_ID");
      const i = groups.indexOf(group);
      assertEquals(await committed(group, via), [[0, 10 + i]], "offsets survive the move");
      const m = await join(group, via);
      const c = await http(`${url(owner)}/v1/groups/${group}/offsets`, {
        body: { ...m, offsets: [{ topic: TOPIC, partition: 0, offset: 20 + i }] },
      });
      assertEquals(c.status, 200, JSON.stringify(c.body));
      assertEquals(await committed(group, via), [[0, 20 + i]]);
      assert(nodes.get(owner)!.node.system.has("group", group), `${group} now on node ${owner}`);
      assertNotEquals(owner, victim);
    }
    for (const group of stayed) {
      assert(nodes.get(ownerOf(group, survivors))!.node.system.has("group", group));
    }

    // A new node joins: the groups it wins move to it, their old coordinators stop.
    nodes.set(4, await startNode(nats.url, 4, `${dir.path}/n4`));
    const grown = [...survivors, 4];
    const toNew = groups.filter((g) => ownerOf(g, grown) === 4);
    assert(toNew.length > 0, "some group moves to node 4");
    for (const group of groups.filter((g) => !toNew.includes(g))) {
      assertEquals(ownerOf(group, grown), ownerOf(group, survivors), "only node 4's groups move");
    }
    for (const group of toNew) {
      const before = ownerOf(group, survivors);
      await waitFor(`${group} released by node ${before}`, () => {
        const node = nodes.get(before)!.node;
        if (!node.system.has("group", group)) return true;
        throw new Error(`node ${before} sees ${node.liveNodes.map((n) => n.id)}`);
      });
      const hb = await waitFor(`${group}'s member refused by node 4`, async () => {
        const r = await heartbeat(members.get(group)!, before);
        return r.status === 404 ? r : undefined;
      });
      assertEquals((hb.body.error as { code: string }).code, "UNKNOWN_MEMBER_ID");
      const offset = (await committed(group, before))[0]![1]!;
      await join(group, before);
      assert(nodes.get(4)!.node.system.has("group", group), `${group} on node 4`);
      assertEquals(await committed(group, 4), [[0, offset]], "offsets survive the move");
    }
  } finally {
    for (const n of nodes.values()) await n.close();
  }
});
