/**
 * A leader's view of its followers, as pure functions over plain data
 * (Kafka's `Replica` fetch state and `Partition`'s ISR rules). The
 * PartitionActor keeps one {@linkcode LeaderState}, feeds it every follower
 * fetch, and applies what these functions plan: an ISR to propose to the
 * controller (`alterIsr`), and a high watermark.
 *
 * Rules (Kafka's):
 * - On a fetch at `fetchOffset` while the leader's log ends at `leo`: when
 *   `fetchOffset >= leo` the follower is caught up now; else when
 *   `fetchOffset` reaches the leader's log end seen at its previous fetch, it
 *   was caught up at that previous fetch. Its log end offset becomes
 *   `fetchOffset` (a fetch from `n` acknowledges everything below `n`).
 * - Shrink: an ISR follower whose last caught-up time is more than
 *   `replica.lag.time.max.ms` ago leaves the ISR, unless its fetch is parked
 *   at the leader right now (a long poll on a caught-up log). Unlike Kafka's
 *   `isCaughtUp`, a log end equal to the leader's does not keep it in: on an
 *   idle partition a dead follower would otherwise stay in the ISR until the
 *   next write (Kafka relies on the controller fencing dead brokers there).
 *   The leader runs this check on a timer, writes or not, so
 *   `replica.fetch.wait.max.ms` must stay below the lag time (as in Kafka).
 * - Expand: a replica outside the ISR joins once its log end reaches both the
 *   high watermark and the start offset of the leader's epoch, and it fetched
 *   within the lag time (a dropped dead follower is not added straight back).
 * - One ISR change in flight at a time; the ISR used for the high watermark
 *   is the committed ISR plus the proposed one (Kafka's maximal ISR), so a
 *   pending expansion is safe and a pending shrink is not yet relied on.
 *
 * @module
 */
import { nextHighWatermark } from "./high_watermark.ts";

/** What the leader knows of one follower. */
export interface FollowerState {
  /** Follower's node id. */
  replicaId: number;
  /** Follower's log end offset as of its last fetch; -1 until it fetched from this leader. */
  logEndOffset: number;
  /** Last time the follower was known to be caught up with the leader's log end (ms). */
  lastCaughtUpTimeMs: number;
  /** Time of its previous fetch (ms). */
  lastFetchTimeMs: number;
  /** The leader's log end offset at that previous fetch. */
  lastFetchLeaderLogEndOffset: number;
}

/** A leader's replication state. */
export interface LeaderState {
  /** This node's id. */
  leaderId: number;
  /** The epoch this node leads. */
  leaderEpoch: number;
  /** The log end offset when this epoch started. */
  epochStartOffset: number;
  /** All replicas of the partition (node ids). */
  replicas: readonly number[];
  /** The ISR the controller has committed. */
  isr: readonly number[];
  /** An ISR sent to the controller and not answered yet. */
  pendingIsr: readonly number[] | null;
  /** One entry per follower (every replica but the leader). */
  followers: readonly FollowerState[];
  /** The high watermark. */
  highWatermark: number;
}

/** Options of {@linkcode createLeaderState}. */
export interface CreateLeaderStateOptions {
  /** This node's id. */
  leaderId: number;
  /** The epoch this node now leads. */
  leaderEpoch: number;
  /** The leader's log end offset now. */
  logEndOffset: number;
  /** All replicas. */
  replicas: readonly number[];
  /** The ISR given by the controller (the leader is added if missing). */
  isr: readonly number[];
  /** The high watermark this replica had as a follower. */
  highWatermark: number;
  /** Current time (ms). */
  now: number;
}

/**
 * Starts leading: followers' log ends are unknown, ISR members count as
 * caught up now (so none is dropped before it had a chance to fetch).
 *
 * @param options Who leads which epoch, the replicas, the ISR, the time.
 * @returns The new state.
 *
 * @example A fresh leader of three replicas
 * ```ts
 * import { createLeaderState } from "./replication_state.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const s = createLeaderState({
 *   leaderId: 1, leaderEpoch: 4, logEndOffset: 10, replicas: [1, 2, 3], isr: [1, 2],
 *   highWatermark: 8, now: 0,
 * });
 * assertEquals(s.followers.map((f) => f.replicaId), [2, 3]);
 * assertEquals(s.highWatermark, 8);
 * ```
 */
export function createLeaderState(options: CreateLeaderStateOptions): LeaderState {
  const isr = options.isr.includes(options.leaderId)
    ? [...options.isr]
    : [options.leaderId, ...options.isr];
  return {
    leaderId: options.leaderId,
    leaderEpoch: options.leaderEpoch,
    epochStartOffset: options.logEndOffset,
    replicas: [...options.replicas],
    isr,
    pendingIsr: null,
    followers: options.replicas.filter((id) => id !== options.leaderId).map((replicaId) => ({
      replicaId,
      logEndOffset: -1,
      lastCaughtUpTimeMs: isr.includes(replicaId) ? options.now : 0,
      lastFetchTimeMs: options.now,
      lastFetchLeaderLogEndOffset: -1,
    })),
    highWatermark: Math.min(options.highWatermark, options.logEndOffset),
  };
}

/** The committed ISR plus a pending proposal (what the high watermark counts). */
export function maximalIsr(state: LeaderState): number[] {
  const out = [...state.isr];
  for (const id of state.pendingIsr ?? []) if (!out.includes(id)) out.push(id);
  return out;
}

/** A follower fetch as the leader saw it. */
export interface FollowerFetch {
  /** Who fetched. */
  replicaId: number;
  /** From which offset (its log end). */
  fetchOffset: number;
  /** The leader's log end offset at the time. */
  leaderLogEndOffset: number;
  /** Time of the fetch (ms). */
  now: number;
}

/**
 * Records a follower fetch and recomputes the high watermark.
 *
 * @param state The leader state.
 * @param fetch Who fetched from where, the leader's log end, the time.
 * @returns The new state (unchanged for a replica that is not a follower).
 */
export function recordFollowerFetch(state: LeaderState, fetch: FollowerFetch): LeaderState {
  const followers = state.followers.map((f) => {
    if (f.replicaId !== fetch.replicaId) return f;
    let caughtUp = f.lastCaughtUpTimeMs;
    if (fetch.fetchOffset >= fetch.leaderLogEndOffset) {
      caughtUp = Math.max(caughtUp, fetch.now);
    } else if (
      f.lastFetchLeaderLogEndOffset >= 0 && fetch.fetchOffset >= f.lastFetchLeaderLogEndOffset
    ) {
      caughtUp = Math.max(caughtUp, f.lastFetchTimeMs);
    }
    return {
      replicaId: f.replicaId,
      logEndOffset: fetch.fetchOffset,
      lastCaughtUpTimeMs: caughtUp,
      lastFetchTimeMs: fetch.now,
      lastFetchLeaderLogEndOffset: fetch.leaderLogEndOffset,
    };
  });
  const next = { ...state, followers };
  return withHighWatermark(next, fetch.leaderLogEndOffset);
}

/** Recomputes the high watermark for the leader's log end (after an append or an ISR change). */
export function withHighWatermark(state: LeaderState, leaderLogEndOffset: number): LeaderState {
  const highWatermark = nextHighWatermark({
    highWatermark: state.highWatermark,
    leaderId: state.leaderId,
    leaderLogEndOffset,
    isr: maximalIsr(state),
    followerLogEndOffsets: new Map(state.followers.map((f) => [f.replicaId, f.logEndOffset])),
  });
  return highWatermark === state.highWatermark ? state : { ...state, highWatermark };
}

/** Options of {@linkcode planIsrChange}. */
export interface PlanIsrOptions {
  /** The leader's log end offset now. */
  leaderLogEndOffset: number;
  /** Current time (ms). */
  now: number;
  /** `replica.lag.time.max.ms`. */
  lagTimeMaxMs: number;
  /** Followers whose fetch is parked at the leader now (they count as caught up). */
  fetchingReplicaIds?: readonly number[];
}

/**
 * Plans the next ISR: drops lagging followers and adds caught-up ones.
 * Returns null when nothing changes or a proposal is already in flight.
 *
 * @param state The leader state.
 * @param options Leader log end, time, lag limit.
 * @returns The ISR to propose (leader first, then ascending ids), or null.
 *
 * @example A follower that stopped fetching is dropped
 * ```ts
 * import { createLeaderState, planIsrChange } from "./replication_state.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const s = createLeaderState({
 *   leaderId: 1, leaderEpoch: 0, logEndOffset: 5, replicas: [1, 2], isr: [1, 2],
 *   highWatermark: 5, now: 0,
 * });
 * assertEquals(planIsrChange(s, { leaderLogEndOffset: 6, now: 30_000, lagTimeMaxMs: 30_000 }), null);
 * assertEquals(planIsrChange(s, { leaderLogEndOffset: 6, now: 30_001, lagTimeMaxMs: 30_000 }), [1]);
 * ```
 */
export function planIsrChange(state: LeaderState, options: PlanIsrOptions): number[] | null {
  if (state.pendingIsr !== null) return null;
  const next = new Set(state.isr);
  next.add(state.leaderId);
  for (const f of state.followers) {
    if (!state.replicas.includes(f.replicaId)) continue;
    if (next.has(f.replicaId)) {
      const caughtUp = options.now - f.lastCaughtUpTimeMs <= options.lagTimeMaxMs ||
        (options.fetchingReplicaIds?.includes(f.replicaId) === true &&
          f.logEndOffset === options.leaderLogEndOffset);
      if (!caughtUp) next.delete(f.replicaId);
    } else if (
      f.logEndOffset >= 0 && f.logEndOffset >= state.highWatermark &&
      f.logEndOffset >= state.epochStartOffset &&
      options.now - f.lastFetchTimeMs <= options.lagTimeMaxMs
    ) {
      next.add(f.replicaId);
    }
  }
  for (const id of [...next]) {
    if (!state.replicas.includes(id) && id !== state.leaderId) next.delete(id);
  }
  const proposal = [
    state.leaderId,
    ...[...next].filter((id) => id !== state.leaderId).sort((a, b) => a - b),
  ];
  return sameMembers(proposal, state.isr) ? null : proposal;
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id));
}
