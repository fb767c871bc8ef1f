import { assertEquals } from "@std/assert";
import { planFailover, planRejoin } from "./failover.ts";

const base = { replicas: [1, 2, 3], leader: 1, leaderEpoch: 7, isr: [1, 2, 3] };

Deno.test("planFailover() changes nothing while the leader is alive", () => {
  assertEquals(planFailover(base, new Set([1])), null);
  assertEquals(planFailover(base, new Set([1, 2, 3])), null);
});

Deno.test("planFailover() elects a live ISR member, bumps the epoch and drops dead nodes", () => {
  assertEquals(planFailover(base, new Set([3])), {
    replicas: [1, 2, 3],
    leader: 3,
    leaderEpoch: 8,
    isr: [3],
  });
});

Deno.test("planFailover() never elects a replica outside the ISR", () => {
  const shrunk = { ...base, isr: [1, 2] };
  assertEquals(planFailover(shrunk, new Set([3])), {
    replicas: [1, 2, 3],
    leader: -1,
    leaderEpoch: 8,
    isr: [1, 2],
  });
});

Deno.test("planFailover() brings an offline partition back with the first ISR member to return", () => {
  const offline = { replicas: [1, 2, 3], leader: -1, leaderEpoch: 8, isr: [1, 2] };
  assertEquals(planFailover(offline, new Set([3])), null, "3 is not in the ISR");
  assertEquals(planFailover(offline, new Set([2, 3])), {
    replicas: [1, 2, 3],
    leader: 2,
    leaderEpoch: 9,
    isr: [2],
  });
});

Deno.test("planRejoin() hands a restarted leader's partition to a live ISR member, epoch + 1", () => {
  assertEquals(planRejoin(base, 1, new Set([1, 2, 3])), {
    replicas: [1, 2, 3],
    leader: 2,
    leaderEpoch: 8,
    isr: [2, 3],
  });
});

Deno.test("planRejoin() keeps a restarted leader with no live ISR peer but bumps its epoch", () => {
  assertEquals(planRejoin({ ...base, isr: [1] }, 1, new Set([1, 2, 3])), {
    replicas: [1, 2, 3],
    leader: 1,
    leaderEpoch: 8,
    isr: [1],
  });
  assertEquals(planRejoin(base, 1, new Set([1])), { ...base, leaderEpoch: 8 });
});

Deno.test("planRejoin() leaves partitions the restarted node does not lead alone", () => {
  assertEquals(planRejoin(base, 2, new Set([1, 2, 3])), null);
  assertEquals(planRejoin({ ...base, leader: -1 }, 1, new Set([1])), null);
});
