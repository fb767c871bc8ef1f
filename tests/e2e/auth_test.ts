/**
 * End-to-end security over real HTTP: a broker started with `authFile`
 * and quotas, the SDK with `apiKey` (producer, group consumer, admin), and
 * 429 + Retry-After honoured by the SDK's retry.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { connect, WeirError } from "weir";
import { startBroker } from "weir/broker";
import { hashApiKey } from "../../broker/auth/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

const KEYS = {
  admin: "weir_e2e_admin_key_0123456789abcdef",
  app: "weir_e2e_app___key_0123456789abcdef",
  spy: "weir_e2e_spy___key_0123456789abcdef",
  monitor: "weir_e2e_monitor__0123456789abcdef",
};

async function writeAuthFile(dir: string): Promise<string> {
  const path = `${dir}/auth.json`;
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      principals: [
        {
          name: "admin",
          keySha256: hashApiKey(KEYS.admin),
          allow: [{ resource: "topic:*", operations: ["admin"] }],
        },
        {
          name: "app",
          keySha256: hashApiKey(KEYS.app),
          allow: [
            { resource: "topic:orders*", operations: ["produce", "consume"] },
            { resource: "group:billing", operations: ["consume"] },
          ],
        },
        {
          name: "spy",
          keySha256: hashApiKey(KEYS.spy),
          allow: [{ resource: "topic:public", operations: ["consume"] }],
        },
        {
          name: "monitor",
          keySha256: hashApiKey(KEYS.monitor),
          allow: [{ resource: "cluster", operations: ["consume"] }],
        },
      ],
    }),
  );
  return path;
}

Deno.test("SDK with `apiKey` produces and consumes in a group on a broker with `--auth-file`; others are refused", async () => {
  await using dir = await tempDir();
  const authFile = await writeAuthFile(dir.path);
  await using broker = await startBroker({
    dataDir: `${dir.path}/data`,
    port: 0,
    actorHost: "inline",
    authFile,
  });
  {
    await using admin = await connect({ url: broker.url, apiKey: KEYS.admin });
    await admin.admin.createTopic({ name: "orders", partitions: 2 });
    const denied = await assertRejects(async () => {
      await using producer = admin.producer({ acks: 1, lingerMs: 0, idempotent: false });
      await producer.send("orders", { value: "admin may create, not produce" });
    }, WeirError);
    assertEquals(denied.code, "TOPIC_AUTHORIZATION_FAILED");
  }
  await using app = await connect({ url: broker.url, apiKey: KEYS.app });
  {
    await using producer = app.producer({ acks: "all", lingerMs: 1 });
    await producer.sendBatch(
      "orders",
      Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: i })),
    );
  }
  const seen: number[] = [];
  {
    await using consumer = app.consumer({
      groupId: "billing",
      topics: ["orders"],
      autoOffsetReset: "earliest",
    });
    for await (const record of consumer) {
      seen.push(record.value as number);
      await consumer.commit(record);
      if (seen.length === 20) break;
    }
  }
  assertEquals(seen.sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
  assertEquals((await app.admin.listTopics()).map((t) => t.name), ["orders"]);

  await using anonymous = await connect({ url: broker.url });
  const e401 = await assertRejects(() => anonymous.admin.listTopics(), WeirError);
  assertEquals(e401.code, "SASL_AUTHENTICATION_FAILED");
  await using wrong = await connect({ url: broker.url, apiKey: KEYS.app.replace("app", "apq") });
  assertEquals(
    (await assertRejects(() => wrong.admin.listTopics(), WeirError)).code,
    "SASL_AUTHENTICATION_FAILED",
  );
  await using spy = await connect({ url: broker.url, apiKey: KEYS.spy, retry: { retries: 0 } });
  assertEquals((await spy.admin.listTopics()).map((t) => t.name), [], "orders is hidden from spy");
  const e403 = await assertRejects(async () => {
    await using producer = spy.producer({ acks: 1, lingerMs: 0, idempotent: false });
    await producer.send("orders", { value: "evil" });
  }, WeirError);
  assertEquals(e403.code, "TOPIC_AUTHORIZATION_FAILED");
  const g403 = await assertRejects(async () => {
    await using consumer = spy.consumer({ groupId: "billing", topics: ["public"] });
    for await (const _ of consumer) break;
  }, WeirError);
  assertEquals(g403.code, "GROUP_AUTHORIZATION_FAILED");
  const raw = await fetch(`${broker.url}/v1/topics/orders/partitions/0/records`, {
    headers: { authorization: `Bearer ${KEYS.spy}` },
  });
  assertEquals(raw.status, 403);
  assertEquals(raw.headers.get("content-type")?.startsWith("application/json"), true);
  assertEquals((await raw.json()).error.code, "TOPIC_AUTHORIZATION_FAILED");
  const health = await fetch(`${broker.url}/healthz`);
  assertEquals(health.status, 200, "/healthz stays open");
  await health.body?.cancel();
  const description = await app.admin.describeTopic("orders");
  assertEquals(
    description.partitions.reduce((n, p) => n + p.highWatermark, 0),
    20,
    "nothing was written by spy",
  );
});

Deno.test("a request quota over real HTTP: 429 with Retry-After, and the SDK waits it out and succeeds", async () => {
  await using dir = await tempDir();
  const authFile = await writeAuthFile(dir.path);
  await using broker = await startBroker({
    dataDir: `${dir.path}/data`,
    port: 0,
    actorHost: "inline",
    authFile,
    quotaRequests: 1,
  });
  const get = () =>
    fetch(`${broker.url}/v1/topics`, { headers: { authorization: `Bearer ${KEYS.app}` } });
  const first = await get();
  assertEquals(first.status, 200);
  await first.body?.cancel();
  const second = await get();
  assertEquals(second.status, 429);
  assertEquals(second.headers.get("retry-after"), "1");
  assertEquals((await second.json()).error.code, "THROTTLING_QUOTA_EXCEEDED");
  // Retries 1 ms apart would all land inside the throttled second and fail: only
  // honouring Retry-After lets this succeed.
  await using app = await connect({
    url: broker.url,
    apiKey: KEYS.app,
    retry: { retries: 2, initialDelayMs: 1, maxDelayMs: 1 },
  });
  const calls: number[] = [];
  for (let i = 0; i < 2; i++) calls.push((await app.admin.listTopics()).length);
  assertEquals(calls, [0, 0]);
  const metrics = await fetch(`${broker.url}/metrics`, {
    headers: { authorization: `Bearer ${KEYS.monitor}` },
  });
  assertEquals(metrics.status, 200);
  const text = await metrics.text();
  const line = text.split("\n").find((l) =>
    l.startsWith('weir_throttled_requests_total{principal="app",kind="request"}')
  );
  assert(line !== undefined, "throttle metric");
  assert(Number(line.split(" ").at(-1)) >= 2, line);
  assertStringIncludes(text, "weir_throttled_requests_total");
});

Deno.test("without auth, a fetch byte quota over real HTTP counts per client IP", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({
    dataDir: `${dir.path}/data`,
    port: 0,
    actorHost: "inline",
    quotaFetchBytes: 1024,
  });
  await using weir = await connect({ url: broker.url });
  await weir.admin.createTopic({ name: "big" });
  {
    await using producer = weir.producer({ acks: "all", lingerMs: 0 });
    await producer.send("big", { value: "z".repeat(4096) });
  }
  const read = () => fetch(`${broker.url}/v1/topics/big/partitions/0/records?offset=0`);
  const first = await read();
  assertEquals(first.status, 200);
  assert((await first.text()).length > 4096);
  const second = await read();
  assertEquals(second.status, 429);
  assert(Number(second.headers.get("retry-after")) >= 3, "about 3 s of debt at 1 KiB/s");
  await second.body?.cancel();
  const text = await (await fetch(`${broker.url}/metrics`)).text();
  assertStringIncludes(
    text,
    'weir_throttled_requests_total{principal="ip:127.0.0.1",kind="fetch"} 1',
  );
});
