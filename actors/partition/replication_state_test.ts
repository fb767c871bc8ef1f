import { assert, assertEquals } from "@std/assert";
import { seededRandom } from "../runtime/mod.ts";
import {
  createLeaderState,
  type LeaderState,
  maximalIsr,
  planIsrChange,
  recordFollowerFetch,
  withHighWatermark,
} from "./replication_state.ts";

const LAG = 30_000;

function leader(overrides: Partial<Parameters<typeof createLeaderState>[0]> = {}): LeaderState {
  return createLeaderState({
    leaderId: 1,
    leaderEpoch: 3,
    logEndOffset: 10,
    replicas: [1, 2, 3],
    isr: [1, 2, 3],
    highWatermark: 10,
    now: 0,
    ...overrides,
  });
}

Deno.test("`createLeaderState()` adds the leader to the ISR and caps the high watermark", () => {
  const s = leader({ isr: [2], highWatermark: 99 });
  assertEquals(s.isr, [1, 2]);
  assertEquals(s.highWatermark, 10);
  assertEquals(s.epochStartOffset, 10);
  assertEquals(s.followers.map((f) => [f.replicaId, f.logEndOffset]), [[2, -1], [3, -1]]);
});

Deno.test("`recordFollowerFetch()` moves the high watermark to the smallest ISR log end", () => {
  let s = leader({ highWatermark: 5 });
  s = recordFollowerFetch(s, { replicaId: 2, fetchOffset: 12, leaderLogEndOffset: 15, now: 1 });
  assertEquals(s.highWatermark, 5, "follower 3 has not fetched yet");
  s = recordFollowerFetch(s, { replicaId: 3, fetchOffset: 11, leaderLogEndOffset: 15, now: 2 });
  assertEquals(s.highWatermark, 11);
  s = recordFollowerFetch(s, { replicaId: 3, fetchOffset: 15, leaderLogEndOffset: 15, now: 3 });
  assertEquals(s.highWatermark, 12);
});

Deno.test("`recordFollowerFetch()` counts a follower as caught up at its previous fetch", () => {
  let s = leader();
  s = recordFollowerFetch(s, { replicaId: 2, fetchOffset: 8, leaderLogEndOffset: 20, now: 100 });
  assertEquals(s.followers[0]!.lastCaughtUpTimeMs, 0, "behind the leader: not caught up");
  s = recordFollowerFetch(s, { replicaId: 2, fetchOffset: 20, leaderLogEndOffset: 25, now: 200 });
  assertEquals(s.followers[0]!.lastCaughtUpTimeMs, 100, "reached what the leader had at t=100");
  s = recordFollowerFetch(s, { replicaId: 2, fetchOffset: 25, leaderLogEndOffset: 25, now: 300 });
  assertEquals(s.followers[0]!.lastCaughtUpTimeMs, 300);
});

Deno.test("`planIsrChange()` drops a silent follower at the leader's log end once the lag time passed", () => {
  let s = leader();
  s = recordFollowerFetch(s, { replicaId: 2, fetchOffset: 10, leaderLogEndOffset: 10, now: 0 });
  s = recordFollowerFetch(s, { replicaId: 3, fetchOffset: 10, leaderLogEndOffset: 10, now: 0 });
  const idle = { leaderLogEndOffset: 10, lagTimeMaxMs: LAG };
  assertEquals(planIsrChange(s, { ...idle, now: LAG }), null, "within the lag time");
  assertEquals(planIsrChange(s, { ...idle, now: LAG + 1 }), [1], "no write needed");
  // Follower 2 fetches again (a long poll on the idle log): only 3 leaves.
  s = recordFollowerFetch(s, { replicaId: 2, fetchOffset: 10, leaderLogEndOffset: 10, now: LAG });
  assertEquals(planIsrChange(s, { ...idle, now: LAG + 1 }), [1, 2]);
});

Deno.test("`planIsrChange()` keeps a follower whose fetch is parked at the leader", () => {
  let s = leader();
  s = recordFollowerFetch(s, { replicaId: 2, fetchOffset: 10, leaderLogEndOffset: 10, now: 0 });
  s = recordFollowerFetch(s, { replicaId: 3, fetchOffset: 10, leaderLogEndOffset: 10, now: 0 });
  const options = { leaderLogEndOffset: 10, now: 2 * LAG, lagTimeMaxMs: LAG };
  assertEquals(planIsrChange(s, { ...options, fetchingReplicaIds: [2, 3] }), null);
  assertEquals(planIsrChange(s, { ...options, fetchingReplicaIds: [3] }), [1, 3]);
  // Parked but behind a newer write: the lag time decides.
  assertEquals(
    planIsrChange(s, { ...options, leaderLogEndOffset: 11, fetchingReplicaIds: [2, 3] }),
    [1],
  );
});

Deno.test("`planIsrChange()` does not add back a dropped follower that stopped fetching", () => {
  let s = leader({ isr: [1, 2] });
  s = recordFollowerFetch(s, { replicaId: 2, fetchOffset: 10, leaderLogEndOffset: 10, now: 0 });
  s = recordFollowerFetch(s, { replicaId: 3, fetchOffset: 10, leaderLogEndOffset: 10, now: 0 });
  const idle = { leaderLogEndOffset: 10, lagTimeMaxMs: LAG };
  s = recordFollowerFetch(s, { replicaId: 2, fetchOffset: 10, leaderLogEndOffset: 10, now: LAG });
  assertEquals(planIsrChange(s, { ...idle, now: LAG + 1 }), null, "3 is stale: stays out");
  s = recordFollowerFetch(s, {
    replicaId: 3,
    fetchOffset: 10,
    leaderLogEndOffset: 10,
    now: LAG + 2,
  });
  assertEquals(planIsrChange(s, { ...idle, now: LAG + 3 }), [1, 2, 3], "it fetched: back in");
});

Deno.test("`planIsrChange()` adds a follower once it reaches the high watermark and the epoch start", () => {
  let s = leader({ isr: [1], highWatermark: 10, logEndOffset: 10 });
  s = withHighWatermark(s, 14);
  assertEquals(s.highWatermark, 14);
  s = recordFollowerFetch(s, { replicaId: 3, fetchOffset: 12, leaderLogEndOffset: 14, now: 1 });
  assertEquals(planIsrChange(s, { leaderLogEndOffset: 14, now: 1, lagTimeMaxMs: LAG }), null);
  s = recordFollowerFetch(s, { replicaId: 3, fetchOffset: 14, leaderLogEndOffset: 14, now: 2 });
  assertEquals(planIsrChange(s, { leaderLogEndOffset: 14, now: 2, lagTimeMaxMs: LAG }), [1, 3]);
  // One change in flight at a time.
  const pending = { ...s, pendingIsr: [1, 3] };
  assertEquals(planIsrChange(pending, { leaderLogEndOffset: 14, now: 2, lagTimeMaxMs: LAG }), null);
});

Deno.test("`planIsrChange()` never proposes a replica outside the assignment", () => {
  const s = leader({ replicas: [1, 2], isr: [1, 2, 7] });
  assertEquals(planIsrChange(s, { leaderLogEndOffset: 10, now: 0, lagTimeMaxMs: LAG }), [1, 2]);
});

/**
 * Seeded simulation: a leader whose log grows, followers that fetch (or stall) at random,
 * a controller that commits or loses ISR proposals at random. Checks the invariants after
 * every step.
 */
for (const seed of [1, 2, 3, 42, 1234, 99_999]) {
  Deno.test(`replication state keeps its invariants under random fetches (seed ${seed})`, () => {
    const random = seededRandom(seed);
    const replicas = [1, 2, 3, 4];
    let now = 0;
    let leo = 0;
    const actual = new Map([[2, 0], [3, 0], [4, 0]]); // followers' real log ends
    const lastFullFetch = new Map<number, number>();
    let s = createLeaderState({
      leaderId: 1,
      leaderEpoch: 0,
      logEndOffset: 0,
      replicas,
      isr: replicas,
      highWatermark: 0,
      now,
    });
    for (let step = 0; step < 2_000; step++) {
      const before = s.highWatermark;
      now += random.int(5_000);
      const action = random.int(4);
      if (action === 0) {
        leo += 1 + random.int(5);
        s = withHighWatermark(s, leo);
      } else if (action === 1) {
        // A follower that is not stalled fetches: it appended some of what it was sent.
        const id = 2 + random.int(3);
        if (!(id === 4 && step > 500 && step < 1_500)) {
          const real = Math.min(leo, actual.get(id)! + random.int(8));
          actual.set(id, real);
          s = recordFollowerFetch(s, {
            replicaId: id,
            fetchOffset: real,
            leaderLogEndOffset: leo,
            now,
          });
          if (real === leo) lastFullFetch.set(id, now);
        }
      } else if (action === 2) {
        const plan = planIsrChange(s, { leaderLogEndOffset: leo, now, lagTimeMaxMs: LAG });
        if (plan) {
          assertEquals(plan[0], 1, "the leader stays in the ISR");
          assert(plan.every((id) => replicas.includes(id)), `${plan} within the replicas`);
          assertEquals(new Set(plan).size, plan.length);
          for (const [id, t] of lastFullFetch) {
            if (now - t <= LAG && s.isr.includes(id)) {
              assert(plan.includes(id), `follower ${id} caught up at ${t} kept at ${now}`);
            }
          }
          s = { ...s, pendingIsr: plan };
        }
      } else if (s.pendingIsr) {
        // The controller commits (or the proposal is lost).
        s = random.int(3) === 0
          ? { ...s, pendingIsr: null }
          : { ...s, isr: s.pendingIsr, pendingIsr: null };
        s = withHighWatermark(s, leo);
      }
      assert(s.highWatermark >= before, `step ${step}: the high watermark went back`);
      assert(s.highWatermark <= leo, `step ${step}: the high watermark passed the log end`);
      for (const id of maximalIsr(s)) {
        if (id === 1) continue;
        const known = s.followers.find((f) => f.replicaId === id)!.logEndOffset;
        assert(
          known < 0 || s.highWatermark <= known,
          `step ${step}: high watermark ${s.highWatermark} above in-sync follower ${id} at ${known}`,
        );
      }
    }
    // Liveness: every follower catches up, proposals commit, the ISR is full again.
    for (let round = 0; round < 4; round++) {
      now += 1;
      for (const id of [2, 3, 4]) {
        s = recordFollowerFetch(s, {
          replicaId: id,
          fetchOffset: leo,
          leaderLogEndOffset: leo,
          now,
        });
      }
      const plan = planIsrChange(s, { leaderLogEndOffset: leo, now, lagTimeMaxMs: LAG });
      if (plan) s = withHighWatermark({ ...s, isr: plan, pendingIsr: null }, leo);
    }
    assertEquals([...s.isr].sort(), replicas);
    assertEquals(s.highWatermark, leo);
  });
}
