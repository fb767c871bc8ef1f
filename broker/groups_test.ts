// deno-lint-ignore-file no-explicit-any -- JSON response bodies are checked by value with assertEquals
import { assert, assertEquals } from "@std/assert";
import { tempDir } from "../tests/_helpers/temp_dir.ts";
import { type BrokerOptions, resolveConfig } from "./config.ts";
import { createApp } from "./http/mod.ts";
import { BrokerNode } from "./node.ts";

type Assignment = { topic: string; partitions: number[] }[];
interface Member {
  memberId: string;
  memberEpoch: number;
  assignment: Assignment;
}

/** A real node plus its app, over a temp data dir, closed and removed on dispose. */
async function startGroupsNode(
  actorHost: "inline" | "worker",
  options: BrokerOptions = {},
): Promise<
  AsyncDisposable & {
    node: BrokerNode;
    call: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;
    restart: () => Promise<void>;
  }
> {
  const dir = await tempDir("weir-groups-");
  const config = resolveConfig({ dataDir: dir.path, port: 0, actorHost, ...options });
  let node = await BrokerNode.start(config);
  let app = createApp(node);
  const handle = {
    get node() {
      return node;
    },
    async call(method: string, path: string, body?: unknown) {
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.headers = { "content-type": "application/json" };
        init.body = JSON.stringify(body);
      }
      const res = await app.request(path, init);
      const text = await res.text();
      return { status: res.status, body: text === "" ? null : JSON.parse(text) };
    },
    async restart() {
      await node.close();
      node = await BrokerNode.start(config);
      app = createApp(node);
    },
    async [Symbol.asyncDispose]() {
      await node.close();
      await node.close(); // idempotent
      await dir[Symbol.asyncDispose]();
    },
  };
  return handle;
}

type Node = Awaited<ReturnType<typeof startGroupsNode>>;

async function ok(
  n: Node,
  method: string,
  path: string,
  body?: unknown,
  status = 200,
): Promise<any> {
  const res = await n.call(method, path, body);
  assertEquals(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function failCode(n: Node, method: string, path: string, body?: unknown) {
  const res = await n.call(method, path, body);
  return `${res.status} ${res.body?.error?.code}`;
}

async function join(n: Node, group: string, body: Record<string, unknown>): Promise<Member> {
  return await ok(n, "POST", `/v1/groups/${group}/members`, body);
}

async function beat(n: Node, group: string, m: Member): Promise<Member> {
  const r = await ok(n, "POST", `/v1/groups/${group}/members/${m.memberId}/heartbeat`, {
    memberEpoch: m.memberEpoch,
    ownedPartitions: m.assignment,
  });
  m.memberEpoch = r.memberEpoch;
  m.assignment = r.assignment;
  return m;
}

const owned = (m: Member): string[] =>
  m.assignment.flatMap((a) => a.partitions.map((p) => `${a.topic}/${p}`));

/** Checks that no partition is in two members' assignments (the clients' view). */
function assertSingleOwners(members: Member[]): void {
  const seen = new Map<string, string>();
  for (const m of members) {
    for (const tp of owned(m)) {
      assert(!seen.has(tp), `${tp} owned by ${seen.get(tp)} and ${m.memberId}`);
      seen.set(tp, m.memberId);
    }
  }
}

/** Heartbeats every member (each reporting what it owns) until nothing changes for 2 rounds. */
async function converge(n: Node, group: string, members: Member[]): Promise<void> {
  let quiet = 0;
  for (let round = 0; round < 50 && quiet < 2; round++) {
    const before = JSON.stringify(members.map((m) => [m.memberEpoch, m.assignment]));
    for (const m of members) {
      await beat(n, group, m);
      assertSingleOwners(members);
    }
    quiet = JSON.stringify(members.map((m) => [m.memberEpoch, m.assignment])) === before
      ? quiet + 1
      : 0;
  }
  assertEquals(quiet, 2, "the group converges within 50 heartbeat rounds");
}

/** Polls `fn` until it returns true, up to a deadline. */
async function pollUntil(what: string, fn: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const host of ["inline", "worker"] as const) {
  Deno.test(`groups (${host}): the seed story holds over raw HTTP`, async (t) => {
    await using n = await startGroupsNode(host);
    await ok(n, "POST", "/v1/topics", { name: "seed", partitions: 4 }, 201);
    const sub = { topics: ["seed"] };
    const members: Member[] = [];

    await t.step("C1 joins and gets all 4", async () => {
      members.push(await join(n, "G", { ...sub, sessionTimeoutMs: 1000 }));
      assertEquals(owned(members[0]!).length, 4);
    });
    await t.step("C2 joins: 2/2 after C1 releases two", async () => {
      members.push(await join(n, "G", sub));
      assertEquals(owned(members[1]!).length, 0, "nothing moves before C1 released it");
      await converge(n, "G", members);
      assertEquals(members.map((m) => owned(m).length), [2, 2]);
    });
    await t.step("C3 and C4 join: one each; C5 stays idle", async () => {
      members.push(await join(n, "G", sub), await join(n, "G", sub));
      await converge(n, "G", members);
      assertEquals(members.map((m) => owned(m).length), [1, 1, 1, 1]);
      members.push(await join(n, "G", sub));
      await converge(n, "G", members);
      assertEquals(members.map((m) => owned(m).length), [1, 1, 1, 1, 0]);
      const d = await ok(n, "GET", "/v1/groups/G");
      assertEquals(d.state, "Stable");
      assertEquals(d.members.length, 5);
    });
    await t.step("C1 dies: its session expires and C5 takes its partition", async () => {
      const c1 = members.shift()!;
      const lost = owned(c1);
      const c5 = members[3]!;
      await pollUntil("C5 to get C1's partition", async () => {
        for (const m of members) await beat(n, "G", m);
        assertSingleOwners(members);
        return owned(c5).length === 1;
      });
      assertEquals(owned(c5), lost);
      assertEquals(members.map((m) => owned(m).length), [1, 1, 1, 1]);
      assertEquals(
        await failCode(n, "POST", `/v1/groups/G/members/${c1.memberId}/heartbeat`, {
          memberEpoch: c1.memberEpoch,
          ownedPartitions: c1.assignment,
        }),
        "404 UNKNOWN_MEMBER_ID",
      );
    });
    await t.step("GET /v1/groups lists the group", async () => {
      assertEquals(await ok(n, "GET", "/v1/groups"), {
        groups: [{ groupId: "G", state: "Stable", members: 4 }],
      });
    });
  });
}

Deno.test("groups: a stale epoch is fenced (409) and commits nothing; unknown members get 404", async () => {
  await using n = await startGroupsNode("inline");
  await ok(n, "POST", "/v1/topics", { name: "t", partitions: 2 }, 201);
  const c1 = await join(n, "g", { topics: ["t"] });
  const c2 = await join(n, "g", { topics: ["t"] });
  const stale = { ...c1 };
  await converge(n, "g", [c1, c2]);
  assert(c1.memberEpoch > stale.memberEpoch, JSON.stringify([stale, c1, c2]));
  const offsets = [{ topic: "t", partition: 0, offset: 5 }];
  assertEquals(
    await failCode(n, "POST", `/v1/groups/g/members/${c1.memberId}/heartbeat`, {
      memberEpoch: stale.memberEpoch,
      ownedPartitions: stale.assignment,
    }),
    "409 FENCED_MEMBER_EPOCH",
  );
  assertEquals(
    await failCode(n, "POST", "/v1/groups/g/offsets", {
      memberId: c1.memberId,
      memberEpoch: stale.memberEpoch,
      offsets,
    }),
    "409 FENCED_MEMBER_EPOCH",
  );
  assertEquals(
    await failCode(n, "POST", "/v1/groups/g/offsets", { offsets }),
    "409 REBALANCE_IN_PROGRESS",
  );
  assertEquals(
    await failCode(n, "POST", "/v1/groups/g/offsets", {
      memberId: "nobody",
      memberEpoch: 1,
      offsets,
    }),
    "404 UNKNOWN_MEMBER_ID",
  );
  assertEquals(await failCode(n, "DELETE", "/v1/groups/g/members/nobody"), "404 UNKNOWN_MEMBER_ID");
  assertEquals(
    await failCode(n, "POST", "/v1/groups/nogroup/members/x/heartbeat", {
      memberEpoch: 1,
      ownedPartitions: [],
    }),
    "404 UNKNOWN_MEMBER_ID",
  );
  assertEquals(await ok(n, "GET", "/v1/groups/g/offsets"), { offsets: [] });
  await ok(n, "POST", "/v1/groups/g/offsets", {
    memberId: c1.memberId,
    memberEpoch: c1.memberEpoch,
    offsets,
  });
  assertEquals(await ok(n, "GET", "/v1/groups/g/offsets"), {
    offsets: [{ topic: "t", partition: 0, offset: 5, metadata: "" }],
  });
});

Deno.test("groups: a static member rejoining keeps its partitions; a leave frees them at once", async () => {
  await using n = await startGroupsNode("inline");
  await ok(n, "POST", "/v1/topics", { name: "t", partitions: 4 }, 201);
  const a = await join(n, "s", { topics: ["t"], instanceId: "a" });
  const b = await join(n, "s", { topics: ["t"], instanceId: "b" });
  await converge(n, "s", [a, b]);
  const aOwned = owned(a);
  const bBefore = JSON.stringify(b);
  const a2 = await join(n, "s", { topics: ["t"], instanceId: "a" });
  assert(a2.memberId !== a.memberId, "the rejoin gets a new member id");
  assertEquals(owned(a2), aOwned);
  await beat(n, "s", b);
  assertEquals(
    owned(b),
    JSON.parse(bBefore).assignment.flatMap((x: any) =>
      x.partitions.map((p: number) => `${x.topic}/${p}`)
    ),
  );
  const d = await ok(n, "GET", "/v1/groups/s");
  assertEquals(d.members.map((m: any) => m.instanceId).sort(), ["a", "b"]);
  await ok(n, "DELETE", `/v1/groups/s/members/${a2.memberId}`, undefined, 204);
  await beat(n, "s", b);
  assertEquals(owned(b).length, 4, "a leaving member's partitions move at once");
});

Deno.test("groups (worker): commits, describe with lag, and offsets surviving a restart", async () => {
  await using n = await startGroupsNode("worker", { offsetsTopicPartitions: 3 });
  await ok(n, "POST", "/v1/topics", { name: "t", partitions: 2 }, 201);
  await ok(n, "POST", "/v1/topics/t/records", {
    records: Array.from({ length: 10 }, (_, i) => ({ value: i, partition: i % 2 })),
  });
  const commit = await ok(n, "POST", "/v1/groups/billing/offsets", {
    offsets: [
      { topic: "t", partition: 0, offset: 2, metadata: "m0" },
      { topic: "t", partition: 1, offset: 5 },
    ],
  });
  assertEquals(commit.offsets.length, 2);
  await ok(n, "POST", "/v1/groups/billing/offsets", {
    offsets: [{ topic: "t", partition: 0, offset: 3, metadata: "m1" }],
  });
  const expected = {
    offsets: [
      { topic: "t", partition: 0, offset: 3, metadata: "m1" },
      { topic: "t", partition: 1, offset: 5, metadata: "" },
    ],
  };
  assertEquals(await ok(n, "GET", "/v1/groups/billing/offsets"), expected);
  assertEquals(await ok(n, "GET", "/v1/groups/billing/offsets?topic=other"), { offsets: [] });
  const lag = [
    { topic: "t", partition: 0, committed: 3, highWatermark: 5, lag: 2 },
    { topic: "t", partition: 1, committed: 5, highWatermark: 5, lag: 0 },
  ];
  assertEquals((await ok(n, "GET", "/v1/groups/billing")).offsets, lag);
  assertEquals(
    (await ok(n, "GET", "/v1/topics")).topics.map((t: { name: string }) => t.name),
    ["t"],
    "__consumer_offsets is hidden",
  );

  await n.restart();
  assertEquals(await ok(n, "GET", "/v1/groups/billing/offsets"), expected);
  const d = await ok(n, "GET", "/v1/groups/billing");
  assertEquals(d.offsets, lag);
  assertEquals(d.state, "Empty");
  assertEquals(await ok(n, "GET", "/v1/groups"), {
    groups: [{ groupId: "billing", state: "Empty", members: 0 }],
  });
});

Deno.test("groups: an idle coordinator is passivated and reactivated transparently", async () => {
  await using n = await startGroupsNode("inline", { groupIdleMs: 30 });
  await ok(n, "POST", "/v1/topics", { name: "t", partitions: 1 }, 201);
  const m = await join(n, "p", { topics: ["t"] });
  await ok(n, "POST", "/v1/groups/p/offsets", {
    memberId: m.memberId,
    memberEpoch: m.memberEpoch,
    offsets: [{ topic: "t", partition: 0, offset: 0 }],
  });
  await ok(n, "DELETE", `/v1/groups/p/members/${m.memberId}`, undefined, 204);
  await pollUntil(
    "the coordinator to passivate",
    () => Promise.resolve(!n.node.groups.isActive("p")),
  );
  assertEquals(await ok(n, "GET", "/v1/groups"), {
    groups: [{ groupId: "p", state: "Empty", members: 0 }],
  });
  assertEquals((await ok(n, "GET", "/v1/groups/p/offsets")).offsets.length, 1);
  assert(n.node.groups.isActive("p"), "a request reactivates it");
  const again = await join(n, "p", { topics: ["t"] });
  assertEquals(owned(again), ["t/0"]);
});

Deno.test("groups: subscribing to a topic created later assigns it on the next heartbeat", async () => {
  await using n = await startGroupsNode("inline");
  const m = await join(n, "late", { topics: ["later"] });
  assertEquals(m.assignment, []);
  await ok(n, "POST", "/v1/topics", { name: "later", partitions: 2 }, 201);
  await beat(n, "late", m);
  assertEquals(owned(m), ["later/0", "later/1"]);
  await ok(n, "DELETE", "/v1/topics/later", undefined, 204);
  await beat(n, "late", m);
  assertEquals(owned(m), []);
});

Deno.test("groups: group.max.size bounds a group with a clear error", async () => {
  await using n = await startGroupsNode("inline", { groupMaxSize: 3 });
  for (let i = 0; i < 3; i++) await join(n, "big", { topics: ["t"] });
  const res = await n.call("POST", "/v1/groups/big/members", { topics: ["t"] });
  assertEquals(res.status, 409);
  assertEquals(res.body.error.code, "GROUP_MAX_SIZE_REACHED");
  assert(/^Cannot /.test(res.body.error.message), res.body.error.message);
});

Deno.test("groups: bad input gets the documented status and code", async () => {
  await using n = await startGroupsNode("inline");
  await ok(n, "POST", "/v1/topics", { name: "t", partitions: 1 }, 201);
  assertEquals(await failCode(n, "GET", "/v1/groups/unknown"), "404 GROUP_ID_NOT_FOUND");
  assertEquals(await ok(n, "GET", "/v1/groups/unknown/offsets"), { offsets: [] });
  const commit = (offsets: unknown[]) => failCode(n, "POST", "/v1/groups/g/offsets", { offsets });
  assertEquals(await commit([{ topic: "t", partition: 0, offset: -1 }]), "400 INVALID_REQUEST");
  assertEquals(await commit([{ topic: "t", partition: 0, offset: "1" }]), "400 INVALID_REQUEST");
  assertEquals(
    await commit([{ topic: "nope", partition: 0, offset: 1 }]),
    "404 UNKNOWN_TOPIC_OR_PARTITION",
  );
  assertEquals(
    await commit([{ topic: "t", partition: 1, offset: 1 }]),
    "404 UNKNOWN_TOPIC_OR_PARTITION",
  );
  assertEquals(await ok(n, "GET", "/v1/groups"), { groups: [] }, "failed commits register nothing");
  assertEquals(await failCode(n, "GET", "/v1/groups/a%01b"), "400 INVALID_GROUP_ID");
  assertEquals(
    await failCode(n, "POST", `/v1/groups/${"x".repeat(250)}/members`, { topics: ["t"] }),
    "400 INVALID_GROUP_ID",
  );
  assertEquals(
    await failCode(n, "POST", "/v1/groups/g/members", { topics: [] }),
    "400 INVALID_REQUEST",
  );
  assertEquals(
    await failCode(n, "POST", "/v1/groups/g/members", { topics: ["t"], sessionTimeoutMs: 10 }),
    "400 INVALID_SESSION_TIMEOUT",
  );
  assertEquals(
    await failCode(n, "POST", "/v1/groups/g/members", { topics: "t" }),
    "400 INVALID_REQUEST",
  );
  const res = await n.call("POST", "/v1/groups/g/members/x/heartbeat", { memberEpoch: "1" });
  assertEquals(`${res.status} ${res.body.error.code}`, "400 INVALID_REQUEST");
  assertEquals(await failCode(n, "PUT", "/v1/groups/g/offsets"), "405 INVALID_REQUEST");
  const doc = await ok(n, "GET", "/openapi.json");
  for (
    const path of [
      "/v1/groups",
      "/v1/groups/{group}",
      "/v1/groups/{group}/members",
      "/v1/groups/{group}/members/{memberId}/heartbeat",
      "/v1/groups/{group}/members/{memberId}",
      "/v1/groups/{group}/offsets",
    ]
  ) assert(doc.paths[path] !== undefined, `${path} is documented`);
});
