import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { encodeRecordBatch } from "../../client/protocol/mod.ts";
import { createApp } from "./app.ts";
import { fixtureBackend, fixtureStore, KEYS, WRONG_KEY } from "./_test_auth_fixture.ts";

type Case = {
  method: string;
  path: string;
  key?: string;
  json?: unknown;
  status: number;
  code?: string;
};

const batch = encodeRecordBatch([{ value: new TextEncoder().encode('"v"') }]);

async function send(
  app: ReturnType<typeof createApp>,
  c: { method: string; path: string; key?: string | undefined; json?: unknown; body?: BodyInit },
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (c.key !== undefined) headers.authorization = `Bearer ${c.key}`;
  let body: BodyInit | undefined = c.body;
  if (c.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(c.json);
  }
  if (c.path.endsWith("/batches") && c.method === "POST") {
    headers["content-type"] = "application/vnd.kafka.record-batch";
    body = batch as Uint8Array<ArrayBuffer>;
  }
  const init: RequestInit = { method: c.method, headers };
  if (body !== undefined) init.body = body;
  return await app.request(c.path, init);
}

const CASES: Case[] = [
  // open
  { method: "GET", path: "/healthz", status: 200 },
  { method: "GET", path: "/readyz", status: 200 },
  // 401: missing, unknown, equal-length wrong key
  { method: "GET", path: "/v1/topics", status: 401, code: "SASL_AUTHENTICATION_FAILED" },
  {
    method: "GET",
    path: "/v1/topics",
    key: WRONG_KEY,
    status: 401,
    code: "SASL_AUTHENTICATION_FAILED",
  },
  {
    method: "GET",
    path: "/v1/topics",
    key: KEYS.app.slice(0, -1),
    status: 401,
    code: "SASL_AUTHENTICATION_FAILED",
  },
  { method: "GET", path: "/nope", status: 401, code: "SASL_AUTHENTICATION_FAILED" },
  { method: "GET", path: "/openapi.json", status: 401, code: "SASL_AUTHENTICATION_FAILED" },
  { method: "GET", path: "/metrics", status: 401, code: "SASL_AUTHENTICATION_FAILED" },
  {
    method: "POST",
    path: "/v1/topics/orders/records",
    json: { records: [{ value: 1 }] },
    status: 401,
    code: "SASL_AUTHENTICATION_FAILED",
  },
  {
    method: "GET",
    path: "/v1/topics/orders/partitions/0/stream",
    status: 401,
    code: "SASL_AUTHENTICATION_FAILED",
  },
  {
    method: "POST",
    path: "/v1/groups/billing/members",
    json: { topics: ["orders"] },
    status: 401,
    code: "SASL_AUTHENTICATION_FAILED",
  },
  // authenticated, no route
  { method: "GET", path: "/nope", key: KEYS.nothing, status: 404, code: "NOT_FOUND" },
  { method: "GET", path: "/openapi.json", key: KEYS.nothing, status: 200 },
  // produce
  {
    method: "POST",
    path: "/v1/topics/orders/records",
    key: KEYS.reader,
    json: { records: [{ value: 1 }] },
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  {
    method: "POST",
    path: "/v1/topics/secret/records",
    key: KEYS.app,
    json: { records: [{ value: 1 }] },
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  {
    method: "POST",
    path: "/v1/topics/orders/records",
    key: KEYS.app,
    json: { records: [{ value: 1 }] },
    status: 200,
  },
  {
    method: "POST",
    path: "/v1/topics/orders/partitions/0/batches",
    key: KEYS.reader,
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  { method: "POST", path: "/v1/topics/orders/partitions/0/batches", key: KEYS.app, status: 200 },
  {
    method: "POST",
    path: "/v1/producers",
    key: KEYS.reader,
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  { method: "POST", path: "/v1/producers", key: KEYS.app, status: 200 },
  // consume
  {
    method: "GET",
    path: "/v1/topics/secret/partitions/0/records",
    key: KEYS.app,
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  {
    method: "GET",
    path: "/v1/topics/secret/partitions/0/batches",
    key: KEYS.app,
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  {
    method: "GET",
    path: "/v1/topics/secret/partitions/0/offsets",
    key: KEYS.app,
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  {
    method: "GET",
    path: "/v1/topics/secret/partitions/0/stream",
    key: KEYS.app,
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  {
    method: "GET",
    path: "/v1/topics/orders/partitions/0/records",
    key: KEYS.topicAdmin,
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  { method: "GET", path: "/v1/topics/orders/partitions/0/records", key: KEYS.reader, status: 200 },
  { method: "GET", path: "/v1/topics/orders/partitions/0/offsets", key: KEYS.reader, status: 200 },
  // topic admin
  {
    method: "GET",
    path: "/v1/topics/secret",
    key: KEYS.app,
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  { method: "GET", path: "/v1/topics/orders", key: KEYS.reader, status: 200 },
  {
    method: "POST",
    path: "/v1/topics",
    key: KEYS.app,
    json: { name: "orders-new" },
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  {
    method: "POST",
    path: "/v1/topics",
    key: KEYS.topicAdmin,
    json: { name: "orders-new" },
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  {
    method: "POST",
    path: "/v1/topics",
    key: KEYS.topicAdmin,
    json: { name: "tmp-1" },
    status: 201,
  },
  {
    method: "PATCH",
    path: "/v1/topics/orders/configs",
    key: KEYS.app,
    json: { configs: { "retention.ms": 1000 } },
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  {
    method: "DELETE",
    path: "/v1/topics/orders",
    key: KEYS.app,
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  { method: "DELETE", path: "/v1/topics/tmp-1", key: KEYS.topicAdmin, status: 204 },
  { method: "DELETE", path: "/v1/topics/secret", key: KEYS.ops, status: 204 },
  // groups
  {
    method: "GET",
    path: "/v1/groups/billing",
    key: KEYS.reader,
    status: 403,
    code: "GROUP_AUTHORIZATION_FAILED",
  },
  {
    method: "GET",
    path: "/v1/groups/billing/offsets",
    key: KEYS.reader,
    status: 403,
    code: "GROUP_AUTHORIZATION_FAILED",
  },
  {
    method: "POST",
    path: "/v1/groups/other/members",
    key: KEYS.app,
    json: { topics: ["orders"] },
    status: 403,
    code: "GROUP_AUTHORIZATION_FAILED",
  },
  {
    method: "POST",
    path: "/v1/groups/billing/members",
    key: KEYS.app,
    json: { topics: ["orders", "secret"] },
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  {
    method: "POST",
    path: "/v1/groups/billing/members/m-1/heartbeat",
    key: KEYS.reader,
    json: { memberEpoch: 1, ownedPartitions: [] },
    status: 403,
    code: "GROUP_AUTHORIZATION_FAILED",
  },
  {
    method: "DELETE",
    path: "/v1/groups/billing/members/m-1",
    key: KEYS.reader,
    status: 403,
    code: "GROUP_AUTHORIZATION_FAILED",
  },
  {
    method: "POST",
    path: "/v1/groups/billing/offsets",
    key: KEYS.app,
    json: { offsets: [{ topic: "secret", partition: 0, offset: 1 }] },
    status: 403,
    code: "TOPIC_AUTHORIZATION_FAILED",
  },
  {
    method: "POST",
    path: "/v1/groups/billing/offsets",
    key: KEYS.reader,
    json: { offsets: [{ topic: "orders", partition: 0, offset: 1 }] },
    status: 403,
    code: "GROUP_AUTHORIZATION_FAILED",
  },
  // cluster-wide
  {
    method: "GET",
    path: "/metrics",
    key: KEYS.app,
    status: 403,
    code: "CLUSTER_AUTHORIZATION_FAILED",
  },
  {
    method: "GET",
    path: "/v1/cluster",
    key: KEYS.app,
    status: 403,
    code: "CLUSTER_AUTHORIZATION_FAILED",
  },
  { method: "GET", path: "/metrics", key: KEYS.monitor, status: 200 },
  { method: "GET", path: "/v1/cluster", key: KEYS.monitor, status: 200 },
  {
    method: "GET",
    path: "/ui",
    key: KEYS.monitor,
    status: 403,
    code: "CLUSTER_AUTHORIZATION_FAILED",
  },
  { method: "GET", path: "/ui", key: KEYS.ops, status: 200 },
];

Deno.test("auth middleware answers every route family with the right 200/401/403, never leaking a key", async () => {
  const logged: LogRecord[] = [];
  await configure({
    sinks: { memory: (record) => logged.push(record) },
    loggers: [
      { category: ["weir"], sinks: ["memory"], lowestLevel: "debug" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });
  try {
    const { backend } = await fixtureBackend();
    await using _ = backend;
    const app = createApp(backend, { auth: fixtureStore() });
    for (const c of CASES) {
      const res = await send(app, c);
      const text = await res.text();
      const what = `${c.method} ${c.path} as ${c.key?.slice(0, 11) ?? "nobody"}`;
      assertEquals(res.status, c.status, `${what}: ${text}`);
      if (c.code !== undefined) assertEquals(JSON.parse(text).error.code, c.code, what);
      if (c.status === 401) {
        assertEquals(res.headers.get("www-authenticate"), 'Bearer realm="weir"');
      }
      for (const key of [...Object.values(KEYS), WRONG_KEY]) {
        assertEquals(text.includes(key), false, `${what}: body echoes a key`);
        for (const [name, value] of res.headers) {
          assertEquals(value.includes(key), false, `${what}: header ${name} echoes a key`);
        }
      }
    }
    assert(logged.length > 0, "denials are logged");
    const logText = logged.map((r) => JSON.stringify({ m: r.message, p: r.properties })).join("\n");
    for (const key of [...Object.values(KEYS), WRONG_KEY]) {
      assertEquals(logText.includes(key), false, "a log line holds a key");
      assertEquals(logText.includes(key.slice(5, 20)), false, "a log line holds part of a key");
    }
    assertStringIncludes(logText, "reader");
  } finally {
    await reset();
  }
});

Deno.test("auth middleware refuses before reading the body and calls no backend method", async () => {
  const { backend, calls } = await fixtureBackend();
  await using _ = backend;
  const app = createApp(backend, { auth: fixtureStore() });
  calls.length = 0;
  for (const key of [undefined, WRONG_KEY, KEYS.reader, KEYS.app]) {
    let pulled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled = true;
        controller.enqueue(new TextEncoder().encode('{"records":[{"value":1}]}'));
        controller.close();
      },
    }, { highWaterMark: 0 });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    const res = await app.request(
      new Request("http://weir.test/v1/topics/orders/records", {
        method: "POST",
        headers,
        body,
        duplex: "half",
      } as RequestInit),
    );
    await res.body?.cancel();
    if (key === KEYS.app) {
      // Control: an allowed request does read its body and reach the backend.
      assertEquals(res.status, 200);
      assertEquals(pulled, true);
      continue;
    }
    assertEquals(res.status, key === KEYS.reader ? 403 : 401);
    assertEquals(pulled, false, "the body was read");
    assertEquals(calls, [], "a refused request reached the backend");
  }
});

Deno.test("auth middleware does not create a topic or join a group when the body names a forbidden resource", async () => {
  const { backend, calls } = await fixtureBackend();
  await using _ = backend;
  const app = createApp(backend, { auth: fixtureStore() });
  calls.length = 0;
  const created = await send(app, {
    method: "POST",
    path: "/v1/topics",
    key: KEYS.topicAdmin,
    json: { name: "orders-x" },
  });
  assertEquals(created.status, 403);
  await created.body?.cancel();
  const joined = await send(app, {
    method: "POST",
    path: "/v1/groups/billing/members",
    key: KEYS.app,
    json: { topics: ["secret"] },
  });
  assertEquals(joined.status, 403);
  await joined.body?.cancel();
  assertEquals(calls.filter((c) => c === "createTopic" || c === "joinGroup"), []);
});

Deno.test("auth middleware accepts any `Bearer` casing and refuses other schemes", async () => {
  const { backend } = await fixtureBackend();
  await using _ = backend;
  const app = createApp(backend, { auth: fixtureStore() });
  for (
    const [header, status] of [
      [`bearer ${KEYS.reader}`, 200],
      [`BEARER  ${KEYS.reader}`, 200],
      [`Basic ${btoa(`x:${KEYS.reader}`)}`, 401],
      [KEYS.reader, 401],
      ["Bearer", 401],
    ] as const
  ) {
    const res = await app.request("/v1/topics/orders", { headers: { authorization: header } });
    await res.body?.cancel();
    assertEquals(res.status, status, header.slice(0, 8));
  }
});

Deno.test("`GET /v1/topics` and `GET /v1/groups` list only what the principal may see", async () => {
  const { backend } = await fixtureBackend();
  await using _ = backend;
  const app = createApp(backend, { auth: fixtureStore() });
  const names = async (path: string, key: string, field: string, id: string) => {
    const res = await send(app, { method: "GET", path, key });
    assertEquals(res.status, 200);
    return ((await res.json())[field] as Record<string, string>[]).map((t) => t[id]).sort();
  };
  assertEquals(await names("/v1/topics", KEYS.app, "topics", "name"), ["orders", "orders-eu"]);
  assertEquals(await names("/v1/topics", KEYS.reader, "topics", "name"), ["orders"]);
  assertEquals(await names("/v1/topics", KEYS.nothing, "topics", "name"), []);
  assertEquals(await names("/v1/topics", KEYS.ops, "topics", "name"), [
    "orders",
    "orders-eu",
    "secret",
  ]);
  assertEquals(await names("/v1/topics", KEYS.monitor, "topics", "name"), [
    "orders",
    "orders-eu",
    "secret",
  ]);
  assertEquals(await names("/v1/groups", KEYS.app, "groups", "groupId"), ["billing"]);
  assertEquals(await names("/v1/groups", KEYS.reader, "groups", "groupId"), []);
  assertEquals(await names("/v1/groups", KEYS.ops, "groups", "groupId"), ["billing", "other"]);
});

Deno.test("without an auth store every route stays open", async () => {
  const { backend } = await fixtureBackend();
  await using _ = backend;
  const app = createApp(backend);
  const res = await app.request("/v1/topics/secret/partitions/0/records");
  assertEquals(res.status, 200);
  await res.body?.cancel();
});

Deno.test("auth middleware cannot be bypassed with odd paths to a forbidden topic", async () => {
  const { backend, calls } = await fixtureBackend();
  await using _ = backend;
  const app = createApp(backend, { auth: fixtureStore() });
  calls.length = 0;
  for (
    const path of [
      "/v1//topics/secret/partitions/0/records",
      "/v1/topics//secret/partitions/0/records",
      "//v1/topics/secret/partitions/0/records",
      "/v1/topics/secret/partitions/0/records/",
      "/V1/topics/secret/partitions/0/records",
      "/v1/topics/sec%72et/partitions/0/records",
      "/v1/topics/secret/partitions//0/records",
      "/v1/topics/%73ecret",
      "/v1/topics/secret/./partitions/0/records",
      "/v1/topics/orders/../secret/partitions/0/records",
      "/v1/topics/orders/%2e%2e/secret/partitions/0/records",
      "/v1/topics/orders%2F..%2Fsecret/partitions/0/records",
    ]
  ) {
    const res = await app.request(`http://weir.test${path}`, {
      headers: { authorization: `Bearer ${KEYS.app}` },
    });
    await res.body?.cancel();
    // 403, 404, or 400 for a name that is itself invalid ("orders/../secret" matches orders*)
    assert([400, 403, 404].includes(res.status), `${path}: ${res.status}`);
  }
  assertEquals(calls.filter((c) => c === "fetchBatches" || c === "describeTopic"), []);
});

Deno.test("`GET /v1/groups/:g` and `.../offsets` list committed offsets only of topics the principal may consume", async () => {
  const { backend: fixture } = await fixtureBackend();
  await using _ = fixture;
  const offsets = [
    { topic: "orders", partition: 0, offset: 4, metadata: "" },
    { topic: "secret", partition: 0, offset: 9, metadata: "" },
  ];
  const backend = new Proxy(fixture, {
    get(target, prop, receiver) {
      if (prop === "fetchOffsets") return () => Promise.resolve({ offsets });
      if (prop === "describeGroup") {
        return (groupId: string) =>
          Promise.resolve({
            groupId,
            state: "Stable",
            epoch: 1,
            members: [],
            offsets: offsets.map((o) => ({
              topic: o.topic,
              partition: o.partition,
              committed: o.offset,
              highWatermark: 10,
              lag: 10 - o.offset,
            })),
          });
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  const app = createApp(backend, { auth: fixtureStore() });
  const topics = async (path: string, key: string) => {
    const res = await send(app, { method: "GET", path, key });
    assertEquals(res.status, 200, `${path} as ${key.slice(0, 11)}`);
    return ((await res.json()).offsets as { topic: string }[]).map((o) => o.topic);
  };
  assertEquals(await topics("/v1/groups/billing/offsets", KEYS.app), ["orders"]);
  assertEquals(await topics("/v1/groups/billing", KEYS.app), ["orders"]);
  assertEquals(await topics("/v1/groups/billing/offsets", KEYS.ops), ["orders", "secret"]);
  assertEquals(await topics("/v1/groups/billing", KEYS.ops), ["orders", "secret"]);
});
