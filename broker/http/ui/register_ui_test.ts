import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import type { GroupDescriptionResponse } from "../../../client/protocol/mod.ts";
import { MemoryBackend } from "../../../tests/_helpers/memory_backend.ts";
import { createApp } from "../app.ts";

const ORIGIN = "http://localhost";
const EVIL_KEY = "<script>alert(1)</script>";
const EVIL_VALUE = '"><img src=x onerror=alert(2)>';
const EVIL_HEADER = "</dd><script>alert(3)</script>";

function setup(patch: Partial<MemoryBackend> = {}) {
  const backend = new MemoryBackend();
  Object.assign(backend, patch);
  const app = createApp(backend, { now: () => 1_700_000_000_000, random: () => 0 });
  const post = (path: string, fields: Record<string, string>, headers: HeadersInit = {}) =>
    app.request(`${ORIGIN}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, ...headers },
      body: new URLSearchParams(fields).toString(),
      redirect: "manual",
    });
  const get = (path: string) => app.request(`${ORIGIN}${path}`);
  return { backend, app, post, get };
}

/** Everything the page would run or load: no data may add a tag or an attribute. */
function assertNoInjectedMarkup(html: string): void {
  assert(!html.includes("<script>alert"), "a <script> from data reached the page unescaped");
  assert(!html.includes("<img src=x"), "an <img> from data reached the page unescaped");
  assert(!html.includes('"><img'), "an attribute break-out from data reached the page");
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  assertEquals(scripts, ['<script src="/ui/assets/ui.js" defer>']);
}

Deno.test("`registerUi()` redirects / to /ui and serves every page with a strict CSP", async () => {
  const { backend, get } = setup();
  await using _ = backend;
  const root = await get("/");
  assertEquals(root.status, 302);
  assertEquals(root.headers.get("location"), "/ui");
  await backend.createTopic({ name: "orders", partitions: 2 });
  for (
    const path of [
      "/ui",
      "/ui/topics",
      "/ui/topics/orders",
      "/ui/topics/orders/records",
      "/ui/groups",
      "/ui/cluster",
    ]
  ) {
    const res = await get(path);
    assertEquals(res.status, 200, path);
    assertMatch(res.headers.get("content-type") ?? "", /^text\/html/);
    assertStringIncludes(res.headers.get("content-security-policy") ?? "", "script-src 'self'");
    assertEquals(res.headers.get("x-frame-options"), "DENY");
    assertStringIncludes(await res.text(), "<title>");
  }
  const css = await get("/ui/assets/ui.css");
  assertMatch(css.headers.get("content-type") ?? "", /^text\/css/);
  assertStringIncludes(await css.text(), "prefers-color-scheme: dark");
  const js = await get("/ui/assets/ui.js");
  assertMatch(js.headers.get("content-type") ?? "", /^text\/javascript/);
  assert(!(await js.text()).includes("innerHTML"), "the browser script must not use innerHTML");
});

Deno.test("`registerUi()` answers an unknown UI page and an unknown topic with a 404 page", async () => {
  const { backend, get } = setup();
  await using _ = backend;
  const page = await get("/ui/nope");
  assertEquals(page.status, 404);
  assertStringIncludes(await page.text(), "NOT_FOUND");
  const topic = await get("/ui/topics/missing");
  assertEquals(topic.status, 404);
  assertStringIncludes(await topic.text(), "UNKNOWN_TOPIC_OR_PARTITION");
});

Deno.test("`registerUi()` creates a topic from the form and shows it", async () => {
  const { backend, post, get } = setup();
  await using _ = backend;
  const res = await post("/ui/topics", {
    name: "clicks",
    partitions: "3",
    replicationFactor: "1",
    "cleanup.policy": "compact",
    "retention.ms": "60000",
  });
  assertEquals(res.status, 303);
  assertEquals(res.headers.get("location"), "/ui/topics/clicks?done=created");
  const described = await backend.describeTopic("clicks");
  assertEquals(described.partitions.length, 3);
  assertEquals(described.configs["cleanup.policy"], "compact");
  assertEquals(described.configs["retention.ms"], 60000);
  const html = await (await get("/ui/topics/clicks?done=created")).text();
  assertStringIncludes(html, "Topic created.");
  assertStringIncludes(html, "<h1>clicks</h1>");
  const again = await post("/ui/topics", { name: "clicks", partitions: "1" });
  assertEquals(again.status, 409);
  assertStringIncludes(await again.text(), "TOPIC_ALREADY_EXISTS");
});

Deno.test("`registerUi()` rejects a script as a topic name and shows it escaped", async () => {
  const { backend, post } = setup();
  await using _ = backend;
  const res = await post("/ui/topics", { name: EVIL_KEY, partitions: "1" });
  assertEquals(res.status, 400);
  const html = await res.text();
  assertStringIncludes(html, "INVALID_TOPIC_EXCEPTION");
  assertNoInjectedMarkup(html);
  assertStringIncludes(html, "&lt;script&gt;alert(1)&lt;/script&gt;"); // kept in the form, escaped
  assertEquals(await backend.listTopics(), []);
  const bad = await post("/ui/topics", { name: "t", partitions: "two" });
  assertEquals(bad.status, 400);
  assertStringIncludes(await bad.text(), "is not a whole number");
});

Deno.test("`registerUi()` refuses form posts from another origin or with no origin", async () => {
  const { backend, post, app } = setup();
  await using _ = backend;
  const cross = await post("/ui/topics", { name: "x" }, { origin: "https://evil.example" });
  assertEquals(cross.status, 403);
  assertStringIncludes(await cross.text(), "CLUSTER_AUTHORIZATION_FAILED");
  const crossSite = await post("/ui/topics", { name: "x" }, {
    origin: "https://evil.example",
    "sec-fetch-site": "cross-site",
  });
  assertEquals(crossSite.status, 403);
  const none = await app.request(`${ORIGIN}/ui/topics`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "name=x",
  });
  assertEquals(none.status, 403);
  await none.text();
  assertEquals(await backend.listTopics(), []);
  const sameSite = await post("/ui/topics", { name: "y" }, {
    origin: "https://proxy.example",
    "sec-fetch-site": "same-origin",
  });
  assertEquals(sameSite.status, 303);
});

Deno.test("`registerUi()` renders keys, values and headers with markup escaped", async () => {
  const { backend, post, get } = setup();
  await using _ = backend;
  await backend.createTopic({ name: "evil", partitions: 1 });
  const res = await post("/ui/topics/evil/records", {
    partition: "0",
    key: EVIL_KEY,
    value: EVIL_VALUE,
    valueAs: "text",
    headers: `x-evil: ${EVIL_HEADER}\n${EVIL_VALUE}: y`,
  });
  assertEquals(res.status, 303);
  const location = res.headers.get("location") ?? "";
  assertEquals(location, "/ui/topics/evil/records?partition=0&from=offset&offset=0&produced=0");
  const html = await (await get(location)).text();
  assertStringIncludes(html, "Record produced to partition 0 at offset 0.");
  assertNoInjectedMarkup(html);
  assertStringIncludes(html, "&lt;script&gt;alert(1)&lt;/script&gt;");
  assertStringIncludes(html, "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;");
  assertStringIncludes(html, "&lt;/dd&gt;&lt;script&gt;alert(3)&lt;/script&gt;");
  const hex = await (await get("/ui/topics/evil/records?from=earliest&view=hex")).text();
  assertStringIncludes(hex, "3c 73 63 72 69 70 74 3e"); // "<script>" as bytes
  assertNoInjectedMarkup(hex);
});

Deno.test("`registerUi()` pretty-prints JSON values and dumps binary ones as hex", async () => {
  const { backend, post, get } = setup();
  await using _ = backend;
  await backend.createTopic({ name: "mixed", partitions: 1 });
  assertEquals((await post("/ui/topics/mixed/records", { value: '{"a":[1,2]}' })).status, 303);
  const binary = await backend.produceInfo("mixed").then(() =>
    createApp(backend).request("/v1/topics/mixed/records", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ records: [{ valueBase64: new Uint8Array([0, 255, 65]).toBase64() }] }),
    })
  );
  assertEquals(binary.status, 200);
  await binary.body?.cancel();
  const html = await (await get("/ui/topics/mixed/records?from=earliest")).text();
  assertStringIncludes(html, '<pre class="json" data-kind="json">{\n  &quot;a&quot;: [\n    1,');
  assertStringIncludes(html, '<pre class="hex" data-kind="hex">00000000  00 ff 41');
});

Deno.test("`registerUi()` shows a bad produce or a bad browse query as a message", async () => {
  const { backend, post, get } = setup();
  await using _ = backend;
  await backend.createTopic({ name: "t", partitions: 2 });
  const badJson = await post("/ui/topics/t/records", { value: "{nope", valueAs: "json" });
  assertEquals(badJson.status, 400);
  const html = await badJson.text();
  assertStringIncludes(html, "the value is not valid JSON");
  assertStringIncludes(html, "{nope</textarea>"); // the input is kept
  const badPartition = await post("/ui/topics/t/records", { value: "1", partition: "7" });
  assertEquals(badPartition.status, 400);
  await badPartition.text();
  assertEquals((await backend.describeTopic("t")).partitions.map((p) => p.highWatermark), [0, 0]);
  const badOffset = await (await get("/ui/topics/t/records?from=offset&offset=abc")).text();
  assertStringIncludes(badOffset, "is not a whole number");
  const past = await (await get("/ui/topics/t/records?from=offset&offset=99")).text();
  assertStringIncludes(past, "OFFSET_OUT_OF_RANGE");
});

Deno.test("`registerUi()` edits a config and deletes a topic", async () => {
  const { backend, post } = setup();
  await using _ = backend;
  await backend.createTopic({ name: "t", partitions: 1 });
  const ok = await post("/ui/topics/t/configs", { name: "retention.ms", value: "1234" });
  assertEquals(ok.status, 303);
  assertEquals((await backend.describeTopic("t")).configs["retention.ms"], 1234);
  const bad = await post("/ui/topics/t/configs", { name: "retention.ms", value: "soon" });
  assertEquals(bad.status, 400);
  assertStringIncludes(await bad.text(), "INVALID_CONFIG");
  const del = await post("/ui/topics/t/delete", {});
  assertEquals(del.status, 303);
  assertEquals(del.headers.get("location"), "/ui/topics?done=deleted");
  assertEquals(await backend.listTopics(), []);
});

Deno.test("`registerUi()` shows a group's members and lag with ids escaped", async () => {
  const group: GroupDescriptionResponse = {
    groupId: EVIL_KEY,
    state: "Stable",
    epoch: 3,
    members: [{
      memberId: EVIL_VALUE,
      instanceId: EVIL_HEADER,
      memberEpoch: 3,
      topics: ["orders"],
      assignment: [{ topic: "orders", partitions: [0, 1] }],
    }],
    offsets: [{ topic: "orders", partition: 0, committed: 4, highWatermark: 10, lag: 6 }],
  };
  const { backend, get } = setup({
    describeGroup: (id: string) =>
      id === EVIL_KEY ? Promise.resolve(group) : new MemoryBackend().describeGroup(id),
    listGroups: () => Promise.resolve([{ groupId: EVIL_KEY, state: "Stable", members: 1 }]),
  });
  await using _ = backend;
  const list = await (await get("/ui/groups")).text();
  assertNoInjectedMarkup(list);
  assertStringIncludes(list, `href="/ui/groups/${encodeURIComponent(EVIL_KEY)}"`);
  const res = await get(`/ui/groups/${encodeURIComponent(EVIL_KEY)}`);
  assertEquals(res.status, 200);
  const html = await res.text();
  assertNoInjectedMarkup(html);
  assertStringIncludes(html, '<td class="num" data-lag="true">6</td>');
  assertStringIncludes(html, "orders: 0, 1");
  assertStringIncludes(html, `data-group="&lt;script&gt;alert(1)&lt;/script&gt;"`);
  const missing = await get("/ui/groups/nobody");
  assertEquals(missing.status, 404);
  assertStringIncludes(await missing.text(), "GROUP_ID_NOT_FOUND");
});
