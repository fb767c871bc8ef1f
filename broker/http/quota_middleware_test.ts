import { assertEquals, assertStringIncludes } from "@std/assert";
import { BrokerMetrics } from "../metrics/mod.ts";
import { createApp } from "./app.ts";
import { fixtureBackend, fixtureStore, KEYS } from "./_test_auth_fixture.ts";
import { byteQuotaKind } from "./quota_middleware.ts";

function auth(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

Deno.test("request quota: 429 THROTTLING_QUOTA_EXCEEDED with Retry-After, then success once the clock moves", async () => {
  const { backend, calls } = await fixtureBackend();
  await using _ = backend;
  let now = 0;
  const metrics = new BrokerMetrics();
  const app = createApp(backend, {
    now: () => now,
    metrics,
    auth: fixtureStore(),
    quotas: { requestsPerSec: 2 },
  });
  for (let i = 0; i < 2; i++) {
    const ok = await app.request("/v1/topics/orders", { headers: auth(KEYS.app) });
    assertEquals(ok.status, 200);
    await ok.body?.cancel();
  }
  calls.length = 0;
  const throttled = await app.request("/v1/topics/orders", { headers: auth(KEYS.app) });
  assertEquals(throttled.status, 429);
  assertEquals(throttled.headers.get("retry-after"), "1");
  const body = await throttled.json();
  assertEquals(body.error.code, "THROTTLING_QUOTA_EXCEEDED");
  assertStringIncludes(body.error.message, '"app"');
  assertEquals(calls, [], "a throttled request reaches no backend");
  const other = await app.request("/v1/topics/orders", { headers: auth(KEYS.reader) });
  assertEquals(other.status, 200, "quotas are per principal");
  await other.body?.cancel();
  const health = await app.request("/healthz");
  assertEquals(health.status, 200, "health checks are never throttled");
  await health.body?.cancel();
  now = 500;
  const again = await app.request("/v1/topics/orders", { headers: auth(KEYS.app) });
  assertEquals(again.status, 200);
  await again.body?.cancel();
  assertStringIncludes(
    await metrics.render(),
    'weir_throttled_requests_total{principal="app",kind="request"} 1',
  );
});

Deno.test("produce byte quota: bytes over the rate throttle the next produce until paid, fetches stay open", async () => {
  const { backend } = await fixtureBackend();
  await using _ = backend;
  let now = 0;
  const app = createApp(backend, {
    now: () => now,
    auth: fixtureStore(),
    quotas: { produceBytesPerSec: 100 },
  });
  const produce = () =>
    app.request("/v1/topics/orders/records", {
      method: "POST",
      headers: { ...auth(KEYS.app), "content-type": "application/json" },
      body: JSON.stringify({ records: [{ value: "x".repeat(270) }] }), // ~300 bytes
    });
  const first = await produce();
  assertEquals(first.status, 200, "the first request is let through and charged");
  await first.body?.cancel();
  const second = await produce();
  assertEquals(second.status, 429);
  const retryAfter = Number(second.headers.get("retry-after"));
  assertEquals(retryAfter >= 2 && retryAfter <= 3, true, `Retry-After ${retryAfter}`);
  await second.body?.cancel();
  const fetch = await app.request("/v1/topics/orders/partitions/0/records", {
    headers: auth(KEYS.app),
  });
  assertEquals(fetch.status, 200, "fetches have their own quota");
  await fetch.body?.cancel();
  now = retryAfter * 1000;
  const third = await produce();
  assertEquals(third.status, 200);
  await third.body?.cancel();
});

Deno.test("fetch byte quota: a streamed answer is charged as it is read", async () => {
  const { backend } = await fixtureBackend();
  await using _ = backend;
  let now = 0;
  const metrics = new BrokerMetrics();
  const app = createApp(backend, { now: () => now, metrics, quotas: { fetchBytesPerSec: 50 } });
  const put = await app.request("/v1/topics/orders/records", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ records: [{ value: "y".repeat(400) }] }),
  });
  assertEquals(put.status, 200, "no produce quota set");
  await put.body?.cancel();
  const read = () => app.request("/v1/topics/orders/partitions/0/records");
  const first = await read();
  assertEquals(first.status, 200);
  assertEquals((await first.text()).length > 400, true);
  const second = await read();
  assertEquals(second.status, 429);
  await second.body?.cancel();
  now = 60_000;
  const third = await read();
  assertEquals(third.status, 200);
  await third.body?.cancel();
  assertStringIncludes(
    await metrics.render(),
    'weir_throttled_requests_total{principal="ip:unknown",kind="fetch"} 1',
  );
});

Deno.test("`byteQuotaKind()` classifies produce and fetch routes", () => {
  assertEquals(byteQuotaKind("POST", "/v1/topics/t/records"), "produce");
  assertEquals(byteQuotaKind("POST", "/v1/topics/t/partitions/0/batches"), "produce");
  assertEquals(byteQuotaKind("GET", "/v1/topics/t/partitions/0/batches"), "fetch");
  assertEquals(byteQuotaKind("GET", "/v1/topics/t/partitions/0/stream"), "fetch");
  assertEquals(byteQuotaKind("GET", "/v1/topics/t/partitions/0/offsets"), null);
  assertEquals(byteQuotaKind("POST", "/v1/topics"), null);
});
