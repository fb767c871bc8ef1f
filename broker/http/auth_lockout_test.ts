import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { AuthFailureLimiter } from "../auth/mod.ts";
import { BrokerMetrics } from "../metrics/mod.ts";
import { createApp } from "./app.ts";
import { fixtureBackend, fixtureStore, KEYS, WRONG_KEY } from "./_test_auth_fixture.ts";

type App = ReturnType<typeof createApp>;

/** A request as `Deno.serve` hands it over: with the peer's address in `env`. */
function from(app: App, ip: string, init: { path?: string; key?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.key !== undefined) headers.authorization = `Bearer ${init.key}`;
  return app.request(init.path ?? "/v1/topics", { headers }, {
    remoteAddr: { hostname: ip, port: 40000, transport: "tcp" },
  });
}

async function setup(options: { maxFailures?: number } = {}) {
  let now = 1_700_000_000_000;
  const limiter = new AuthFailureLimiter({
    now: () => now,
    lockoutMs: 60_000,
    ...options,
  });
  const { backend, calls } = await fixtureBackend();
  const metrics = new BrokerMetrics();
  const app = createApp(backend, { auth: fixtureStore({ failures: limiter }), metrics });
  return { app, backend, calls, metrics, advance: (ms: number) => void (now += ms) };
}

Deno.test("`authGate()` answers the 11th attempt after 10 wrong keys with 429 and `Retry-After`", async () => {
  const { app, backend, calls, advance } = await setup();
  await using _ = backend;
  for (let i = 1; i <= 10; i++) {
    const res = await from(app, "10.0.0.1", { key: `${WRONG_KEY}${i}` });
    assertEquals(res.status, 401, `wrong key ${i}`);
    await res.body?.cancel();
    advance(1_000);
  }
  calls.length = 0;
  // Even the right key is not checked now.
  const res = await from(app, "10.0.0.1", { key: KEYS.app });
  assertEquals(res.status, 429);
  assertEquals(res.headers.get("retry-after"), "59");
  const body = await res.json();
  assertEquals(body.error.code, "THROTTLING_QUOTA_EXCEEDED");
  assertStringIncludes(body.error.message, "too many failed authentications");
  assertEquals(calls, [], "nothing reached the backend");
});

Deno.test("`authGate()` lockout of one address leaves other addresses' keys working", async () => {
  const { app, backend } = await setup({ maxFailures: 3 });
  await using _ = backend;
  for (let i = 0; i < 3; i++) {
    await (await from(app, "10.0.0.1", { key: WRONG_KEY })).body?.cancel();
  }
  assertEquals((await from(app, "10.0.0.1", { key: KEYS.app })).status, 429);
  const ok = await from(app, "10.0.0.2", { key: KEYS.app });
  assertEquals(ok.status, 200);
  await ok.body?.cancel();
  // A wrong key from the second address is still a plain 401.
  const wrong = await from(app, "10.0.0.2", { key: WRONG_KEY });
  assertEquals(wrong.status, 401);
  await wrong.body?.cancel();
});

Deno.test("`authGate()` successes do not reset an address's failure count", async () => {
  const { app, backend } = await setup({ maxFailures: 3 });
  await using _ = backend;
  for (const key of [WRONG_KEY, KEYS.app, WRONG_KEY, KEYS.app, WRONG_KEY]) {
    await (await from(app, "10.0.0.1", { key })).body?.cancel();
  }
  const res = await from(app, "10.0.0.1", { key: KEYS.app });
  assertEquals(res.status, 429, "three failures lock out despite the successes between them");
  await res.body?.cancel();
});

Deno.test("`authGate()` lets a locked-out address in again after the lockout", async () => {
  const { app, backend, advance } = await setup({ maxFailures: 2 });
  await using _ = backend;
  for (let i = 0; i < 2; i++) {
    await (await from(app, "10.0.0.1", { key: WRONG_KEY })).body?.cancel();
  }
  advance(59_999);
  const still = await from(app, "10.0.0.1", { key: KEYS.app });
  assertEquals(still.status, 429);
  assertEquals(still.headers.get("retry-after"), "1");
  await still.body?.cancel();
  advance(1);
  const res = await from(app, "10.0.0.1", { key: KEYS.app });
  assertEquals(res.status, 200);
  await res.body?.cancel();
});

Deno.test("`authGate()` does not count requests without a key, nor open routes", async () => {
  const { app, backend } = await setup({ maxFailures: 2 });
  await using _ = backend;
  for (let i = 0; i < 5; i++) {
    const res = await from(app, "10.0.0.1");
    assertEquals(res.status, 401);
    await res.body?.cancel();
    await (await from(app, "10.0.0.1", { path: "/healthz", key: WRONG_KEY })).body?.cancel();
  }
  const res = await from(app, "10.0.0.1", { key: KEYS.app });
  assertEquals(res.status, 200);
  await res.body?.cancel();
});

Deno.test("UI login: wrong keys count against the address and a lockout answers 429", async () => {
  const { app, backend } = await setup({ maxFailures: 2 });
  await using _ = backend;
  const login = (key: string) =>
    app.request("/ui/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ key }).toString(),
    }, { remoteAddr: { hostname: "10.0.0.9", port: 1, transport: "tcp" } });
  assertEquals((await login(WRONG_KEY)).status, 401);
  // Bearer and form failures count together.
  await (await from(app, "10.0.0.9", { key: WRONG_KEY })).body?.cancel();
  const res = await login(KEYS.ops);
  assertEquals(res.status, 429);
  assertEquals(res.headers.get("retry-after"), "60");
  assertEquals(res.headers.get("set-cookie"), null, "no session");
  const page = await res.text();
  assertStringIncludes(page, "Too many failed attempts");
  assert(!page.includes(KEYS.ops), "the key is not echoed");
});

Deno.test("`weir_auth_failures_total` counts wrong keys and refused attempts", async () => {
  const { app, backend, metrics } = await setup({ maxFailures: 2 });
  await using _ = backend;
  for (let i = 0; i < 2; i++) {
    await (await from(app, "10.0.0.1", { key: WRONG_KEY })).body?.cancel();
  }
  for (let i = 0; i < 3; i++) await (await from(app, "10.0.0.1", { key: KEYS.app })).body?.cancel();
  const text = await metrics.render();
  assertStringIncludes(text, 'weir_auth_failures_total{listener="http",reason="invalid_key"} 2');
  assertStringIncludes(text, 'weir_auth_failures_total{listener="http",reason="locked_out"} 3');
  assert(!text.includes("10.0.0.1"), "no address label");
});
