/**
 * The failed-authentication limiter over real sockets: the edge served by
 * `Deno.serve` on 127.0.0.1, clients connecting from different loopback
 * addresses (127.0.0.2, 127.0.0.3: `localAddress` of `node:net`), so the
 * server sees them as different peers. The lockout runs on a fake clock.
 */
import { assertEquals, assertStringIncludes } from "@std/assert";
import { AuthFailureLimiter } from "../../broker/auth/mod.ts";
import { createApp } from "../../broker/http/app.ts";
import {
  fixtureBackend,
  fixtureStore,
  KEYS,
  WRONG_KEY,
} from "../../broker/http/_test_auth_fixture.ts";
import { rawGet as get } from "../_helpers/raw_http_get.ts";

Deno.test("HTTP over a socket: the 11th bad key from one address gets 429, another address still works, and the first may try again after the lockout", async () => {
  let now = 1_700_000_000_000;
  const limiter = new AuthFailureLimiter({ now: () => now, lockoutMs: 30_000 });
  const { backend } = await fixtureBackend();
  await using _ = backend;
  const app = createApp(backend, { auth: fixtureStore({ failures: limiter }) });
  const abort = new AbortController();
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: abort.signal,
    onListen: (addr) => listening.resolve(addr as Deno.NetAddr),
  }, app.fetch);
  try {
    const { port } = await listening.promise;
    const attacker = "127.0.0.2";
    for (let i = 1; i <= 10; i++) {
      const res = await get(port, { from: attacker, path: "/v1/topics", key: `${WRONG_KEY}${i}` });
      assertEquals(res.status, 401, `bad key ${i}`);
    }
    const locked = await get(port, { from: attacker, path: "/v1/topics", key: `${WRONG_KEY}11` });
    assertEquals(locked.status, 429);
    assertEquals(locked.headers.get("retry-after"), "30");
    assertStringIncludes(locked.body, "THROTTLING_QUOTA_EXCEEDED");
    const lockedGood = await get(port, { from: attacker, path: "/v1/topics", key: KEYS.app });
    assertEquals(lockedGood.status, 429, "the right key is not even checked");

    const other = await get(port, { from: "127.0.0.3", path: "/v1/topics", key: KEYS.app });
    assertEquals(other.status, 200, "another address is not affected");
    assertStringIncludes(other.body, "orders");

    now += 30_000;
    const again = await get(port, { from: attacker, path: "/v1/topics", key: KEYS.app });
    assertEquals(again.status, 200, "after the lockout the address may try again");
  } finally {
    abort.abort();
    await server.finished;
  }
});
