import { assert, assertEquals, assertThrows } from "@std/assert";
import { WeirError } from "../../client/protocol/mod.ts";
import {
  authClientKey,
  type AuthFailureEvent,
  AuthFailureLimiter,
} from "./auth_failure_limiter.ts";

const HTTP = { listener: "http" } as const;

function fakeClock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

Deno.test("`AuthFailureLimiter` locks an address out after `maxFailures` failures", () => {
  const clock = fakeClock();
  const limiter = new AuthFailureLimiter({ now: clock.now, lockoutMs: 30_000 });
  for (let i = 1; i <= 9; i++) {
    assertEquals(limiter.fail("10.0.0.1", HTTP), 0, `failure ${i} starts no lockout`);
    assertEquals(limiter.check("10.0.0.1", HTTP), 0, `attempt ${i + 1} is allowed`);
  }
  assertEquals(limiter.fail("10.0.0.1", HTTP), 30_000, "the 10th failure starts the lockout");
  assertEquals(limiter.check("10.0.0.1", HTTP), 30_000);
  clock.advance(10_000);
  assertEquals(limiter.check("10.0.0.1", HTTP), 20_000, "the wait counts down");
});

Deno.test("`AuthFailureLimiter` keeps addresses apart", () => {
  const clock = fakeClock();
  const limiter = new AuthFailureLimiter({ now: clock.now, maxFailures: 3 });
  for (let i = 0; i < 3; i++) limiter.fail("10.0.0.1", HTTP);
  assert(limiter.check("10.0.0.1", HTTP) > 0);
  assertEquals(limiter.check("10.0.0.2", HTTP), 0);
  limiter.fail("10.0.0.2", HTTP);
  assertEquals(limiter.check("10.0.0.2", HTTP), 0);
});

Deno.test("`AuthFailureLimiter` lets an address try again once its lockout is over", () => {
  const clock = fakeClock();
  const limiter = new AuthFailureLimiter({ now: clock.now, maxFailures: 2, lockoutMs: 5_000 });
  limiter.fail("10.0.0.1", HTTP);
  limiter.fail("10.0.0.1", HTTP);
  clock.advance(4_999);
  assertEquals(limiter.check("10.0.0.1", HTTP), 1);
  clock.advance(1);
  assertEquals(limiter.check("10.0.0.1", HTTP), 0);
  // A fresh window: one more failure does not lock it out again at once.
  assertEquals(limiter.fail("10.0.0.1", HTTP), 0);
  assertEquals(limiter.check("10.0.0.1", HTTP), 0);
  assertEquals(limiter.fail("10.0.0.1", HTTP), 5_000);
});

Deno.test("`AuthFailureLimiter` forgets failures older than the window", () => {
  const clock = fakeClock();
  const limiter = new AuthFailureLimiter({ now: clock.now, maxFailures: 3, windowMs: 10_000 });
  limiter.fail("10.0.0.1", HTTP);
  limiter.fail("10.0.0.1", HTTP);
  clock.advance(10_000);
  assertEquals(limiter.fail("10.0.0.1", HTTP), 0, "a new window began");
  assertEquals(limiter.fail("10.0.0.1", HTTP), 0);
  assertEquals(limiter.check("10.0.0.1", HTTP), 0);
  assertEquals(limiter.fail("10.0.0.1", HTTP), 60_000, "third failure of the new window");
});

Deno.test("`AuthFailureLimiter.check()` refusals do not extend a lockout", () => {
  const clock = fakeClock();
  const limiter = new AuthFailureLimiter({ now: clock.now, maxFailures: 1, lockoutMs: 1_000 });
  limiter.fail("10.0.0.1", HTTP);
  for (let i = 0; i < 5; i++) {
    clock.advance(100);
    assert(limiter.check("10.0.0.1", HTTP) > 0);
  }
  clock.advance(500);
  assertEquals(limiter.check("10.0.0.1", HTTP), 0);
});

Deno.test("`AuthFailureLimiter` tracks at most `maxClients` addresses, dropping the oldest", () => {
  const clock = fakeClock();
  const limiter = new AuthFailureLimiter({ now: clock.now, maxFailures: 2, maxClients: 3 });
  limiter.fail("10.0.0.1", HTTP);
  limiter.fail("10.0.0.1", HTTP); // locked out
  limiter.fail("10.0.0.2", HTTP);
  limiter.fail("10.0.0.3", HTTP);
  assertEquals(limiter.size, 3);
  assert(limiter.check("10.0.0.1", HTTP) > 0);
  limiter.fail("10.0.0.2", HTTP); // 10.0.0.2 is now the most recent
  limiter.fail("10.0.0.4", HTTP); // evicts 10.0.0.1, the least recently failed
  assertEquals(limiter.size, 3);
  assertEquals(limiter.check("10.0.0.1", HTTP), 0);
  assert(limiter.check("10.0.0.2", HTTP) > 0, "10.0.0.2 kept its two failures");
});

Deno.test("`AuthFailureLimiter.onFailure()` hears failures and refusals with their listener", () => {
  const limiter = new AuthFailureLimiter({ now: () => 0, maxFailures: 1 });
  const events: AuthFailureEvent[] = [];
  const off = limiter.onFailure((e) => events.push(e));
  limiter.check("10.0.0.1:5000", { listener: "kafka" }); // not locked: no event
  limiter.fail("10.0.0.1:5000", { listener: "kafka" });
  limiter.check("10.0.0.1", HTTP);
  off();
  limiter.fail("10.0.0.9", HTTP);
  assertEquals(events, [
    { client: "10.0.0.1", listener: "kafka", reason: "invalid_key" },
    { client: "10.0.0.1", listener: "http", reason: "locked_out" },
  ]);
});

Deno.test("`AuthFailureLimiter` rejects thresholds that are not positive", () => {
  for (const bad of [{ maxFailures: 0 }, { windowMs: -1 }, { lockoutMs: NaN }, { maxClients: 0 }]) {
    const e = assertThrows(() => new AuthFailureLimiter(bad), WeirError);
    assertEquals(e.code, "INVALID_CONFIG");
  }
});

Deno.test("`authClientKey()` drops ports and counts IPv6 by /64", () => {
  assertEquals(authClientKey("10.0.0.7"), "10.0.0.7");
  assertEquals(authClientKey("10.0.0.7:9092"), "10.0.0.7");
  assertEquals(authClientKey("::ffff:10.0.0.7"), "10.0.0.7");
  assertEquals(authClientKey("::1"), "0:0:0:0::/64");
  assertEquals(authClientKey("::1:45000"), "0:0:0:0::/64");
  assertEquals(authClientKey("2001:DB8:0:1:aaaa::1"), "2001:db8:0:1::/64");
  assertEquals(authClientKey("2001:db8:0:1:bbbb::2"), "2001:db8:0:1::/64");
  assertEquals(authClientKey("[2001:db8:0:2::1]:443"), "2001:db8:0:2::/64");
  assertEquals(authClientKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  assertEquals(authClientKey("unknown"), "unknown");
});
