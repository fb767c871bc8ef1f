import { assertEquals, assertNotEquals } from "@std/assert";
import { AuthSessions } from "./auth_sessions.ts";

const P = { name: "ops", allow: [] };

Deno.test("`AuthSessions` ids are random, expire at the ttl and close on logout", () => {
  let now = 1_000;
  const sessions = new AuthSessions({ ttlMs: 100, now: () => now });
  const a = sessions.open(P);
  const b = sessions.open(P);
  assertNotEquals(a, b);
  assertEquals(a.length >= 43, true, "256-bit id");
  now = 1_099;
  assertEquals(sessions.get(a), P);
  now = 1_100;
  assertEquals(sessions.get(a), undefined);
  assertEquals(sessions.get(b), undefined);
  now = 0;
  const c = sessions.open(P);
  sessions.close(c);
  assertEquals(sessions.get(c), undefined);
  assertEquals(sessions.get("made-up"), undefined);
});

Deno.test("`AuthSessions` drops the oldest session past its bound", () => {
  const sessions = new AuthSessions({ maxSessions: 2, now: () => 0 });
  const first = sessions.open(P);
  const second = sessions.open(P);
  const third = sessions.open(P);
  assertEquals(sessions.get(first), undefined);
  assertEquals(sessions.get(second), P);
  assertEquals(sessions.get(third), P);
});
