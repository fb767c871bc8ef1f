/**
 * Path safety and internal topics: no topic or group name, however hostile,
 * makes the broker create, read or delete a path outside its data
 * directory, and the internal `__consumer_offsets` topic is not reachable
 * through the public HTTP API (found by the edge fuzz: it answered 503
 * ACTOR_STOPPED, and a produce could have written group offsets).
 *
 * @module
 */
import { assert, assertEquals } from "@std/assert";
import { resolveConfig } from "../../broker/config.ts";
import { createApp } from "../../broker/http/mod.ts";
import { BrokerNode } from "../../broker/node.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { HOSTILE_NAMES } from "./_requests.ts";

async function listTree(root: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(root + (prefix ? "/" + prefix : ""))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    out.push(rel);
    if (entry.isDirectory) out.push(...await listTree(root, rel));
  }
  return out.sort();
}

function json(method: string, body: unknown): RequestInit {
  return { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

Deno.test("hostile topic and group names never touch a path outside the data directory", async () => {
  await using parent = await tempDir("weir-paths-");
  // A sibling the broker must never see or touch.
  await Deno.writeTextFile(`${parent.path}/victim.txt`, "keep");
  const dataDir = `${parent.path}/data`;
  const names = [...HOSTILE_NAMES, "../victim.txt", "..%2Fvictim.txt", "data/../../x"];
  {
    await using node = await BrokerNode.start(
      resolveConfig({ dataDir, port: 0, actorHost: "inline" }),
    );
    await node.createTopic({ name: "ok", partitions: 1 });
    const app = createApp(node);
    for (const name of names) {
      const enc = encodeURIComponent(name);
      const created = await app.request("/v1/topics", json("POST", { name, partitions: 1 }));
      // Legal names such as "CON" or "-1" may be created; nothing else may.
      const legal = /^[a-zA-Z0-9._-]{1,249}$/.test(name) && name !== "." && name !== ".." &&
        !name.startsWith("__");
      assertEquals(created.status, legal ? 201 : 400, `create ${JSON.stringify(name)}`);
      const calls: [string, RequestInit | undefined][] = [
        [`/v1/topics/${enc}/records`, json("POST", { records: [{ value: 1 }] })],
        [`/v1/topics/${enc}`, { method: "DELETE" }],
        [`/v1/topics/${enc}/configs`, json("PATCH", { configs: { "retention.ms": 1 } })],
        [`/v1/topics/${enc}/partitions/0/records`, undefined],
        [`/v1/groups/${enc}/members`, json("POST", { topics: ["ok"], sessionTimeoutMs: 1000 })],
        [
          `/v1/groups/${enc}/offsets`,
          json("POST", {
            offsets: [{ topic: "ok", partition: 0, offset: 0 }],
          }),
        ],
        [
          `/v1/groups/${enc}/offsets`,
          json("POST", {
            offsets: [{ topic: name, partition: 0, offset: 0 }],
          }),
        ],
        [`/v1/groups/${enc}`, undefined],
      ];
      for (const [path, init] of calls) {
        const res = await app.request(path, init);
        await res.body?.cancel();
        assert(res.status < 500, `${init?.method ?? "GET"} ${path}: ${res.status}`);
      }
    }
  }
  assertEquals(await Deno.readTextFile(`${parent.path}/victim.txt`), "keep");
  assertEquals((await listTree(parent.path)).filter((p) => !p.startsWith("data")), ["victim.txt"]);
  // Every partition directory is a legal topic name plus "-<n>".
  for await (const entry of Deno.readDir(dataDir)) {
    if (!entry.isDirectory) continue;
    assert(
      /^[a-zA-Z0-9._-]{1,249}-\d+$/.test(entry.name) || entry.name.startsWith("__"),
      `unexpected directory ${JSON.stringify(entry.name)}`,
    );
  }
  // The broker restarts on what it wrote (registry journal, offsets with odd group ids).
  await using node = await BrokerNode.start(
    resolveConfig({ dataDir, port: 0, actorHost: "inline" }),
  );
  for (const { name } of await node.listTopics()) {
    assert(/^[a-zA-Z0-9._-]{1,249}$/.test(name), `topic ${JSON.stringify(name)} was created`);
  }
});

Deno.test("the internal __consumer_offsets topic is not reachable through the HTTP API", async () => {
  await using dir = await tempDir("weir-paths-");
  await using node = await BrokerNode.start(
    resolveConfig({ dataDir: dir.path, port: 0, actorHost: "inline" }),
  );
  const app = createApp(node);
  const calls: [string, RequestInit | undefined][] = [
    ["/v1/topics/__consumer_offsets", undefined],
    ["/v1/topics/__consumer_offsets/partitions/0/records", undefined],
    ["/v1/topics/__consumer_offsets/partitions/0/offsets", undefined],
    ["/v1/topics/__consumer_offsets/records", json("POST", { records: [{ value: 1 }] })],
    ["/v1/topics/__consumer_offsets/configs", json("PATCH", { configs: { "retention.ms": 1 } })],
    ["/v1/topics/__consumer_offsets", { method: "DELETE" }],
  ];
  for (const [path, init] of calls) {
    const res = await app.request(path, init);
    assertEquals(res.status, 404, `${init?.method ?? "GET"} ${path}`);
    assertEquals((await res.json()).error.code, "UNKNOWN_TOPIC_OR_PARTITION");
  }
  // Groups still use it.
  const commit = await app.request(
    "/v1/groups/g/offsets",
    json("POST", { offsets: [] }),
  );
  assertEquals(commit.status, 200);
});
