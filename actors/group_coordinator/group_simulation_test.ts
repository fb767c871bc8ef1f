/**
 * Deterministic simulation of one consumer group: a seeded PRNG drives
 * thousands of steps of joins (dynamic and static), leaves, deaths (a member
 * stops heartbeating and expires), static restarts, topic changes and
 * heartbeats from faithful and lazy members, on a simulated clock. After
 * every step the invariants are checked; every few hundred steps the group
 * is left alone to converge, then checked for completeness, balance and
 * stability.
 */
import { assert, assertEquals, assertThrows } from "@std/assert";
import { WeirError } from "../../client/protocol/mod.ts";
import { type Random, seededRandom } from "../runtime/random.ts";
import { GroupState, type MemberReply } from "./group_state.ts";
import { fromKeys, parsePartitionKey, toKeys } from "./_topic_partitions.ts";

const MAX_SIZE = 10;
/** Most heartbeats a lazy member keeps listing a revoked partition. */
const MAX_HOLD = 3;
/** Heartbeat rounds within which a quiet group must be Stable. */
const CONVERGENCE_BOUND = MAX_HOLD + 3;
const INSTANCES = ["i0", "i1", "i2", "i3", "i4", "i5"];

interface Client {
  memberId: string;
  instanceId: string | undefined;
  topics: string[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  epoch: number;
  interval: number;
  nextBeat: number;
  /** The assignment of the last reply. */
  assignment: Set<string>;
  /** Revoked partitions a lazy member still lists → heartbeats left. */
  held: Map<string, number>;
  /** Revoked partitions the group has not yet heard released. */
  pending: Set<string>;
  /** 0: releases at once; otherwise holds revoked partitions that many heartbeats. */
  hold: number;
  alive: boolean;
  /** Removed by the group (rebalance timeout) without knowing yet. */
  kicked: boolean;
  staleEpochs: number[];
}

interface Stats {
  steps: number;
  joins: number;
  refusedFull: number;
  leaves: number;
  deaths: number;
  expired: number;
  kicked: number;
  staticReplacements: number;
  topicChanges: number;
  fencedChecks: number;
  zombieChecks: number;
  convergences: number;
  maxRounds: number;
}

class Simulation {
  readonly group = new GroupState("sim", { maxSize: MAX_SIZE });
  readonly rnd: Random;
  readonly patterns: string[][];
  readonly clients = new Map<string, Client>();
  /** Old incarnations: removed by the group, may still try to act. */
  zombies: { memberId: string; epoch: number }[] = [];
  /** Dead static members that come back later: instanceId → time. */
  readonly comebacks = new Map<string, { at: number; topics: string[] }>();
  counts: Record<string, number> = { a: 4, b: 3, c: 2 };
  now = 0;
  #seq = 0;
  #groupEpoch = 0;
  readonly #memberEpochs = new Map<string, number>();
  readonly stats: Stats = {
    steps: 0,
    joins: 0,
    refusedFull: 0,
    leaves: 0,
    deaths: 0,
    expired: 0,
    kicked: 0,
    staticReplacements: 0,
    topicChanges: 0,
    fencedChecks: 0,
    zombieChecks: 0,
    convergences: 0,
    maxRounds: 0,
  };

  constructor(seed: number, patterns: string[][]) {
    this.rnd = seededRandom(seed);
    this.patterns = patterns;
    this.group.setTopics(this.counts, 0);
  }

  pick<T>(list: readonly T[]): T | undefined {
    return list.length === 0 ? undefined : list[this.rnd.int(list.length)];
  }

  live(): Client[] {
    return [...this.clients.values()].filter((c) => c.alive);
  }

  // ---- actions ----

  join(instanceId: string | undefined, topics: string[]): void {
    this.expire();
    const memberId = `m${++this.#seq}`;
    const sessionTimeoutMs = 3_000 + 1_000 * this.rnd.int(7);
    const rebalanceTimeoutMs = sessionTimeoutMs + 1_000 * this.rnd.int(4);
    // A kicked incarnation is already gone from the group: its comeback is a fresh join.
    for (const c of [...this.clients.values()]) {
      if (instanceId !== undefined && c.instanceId === instanceId && c.kicked) this.#bury(c);
    }
    const previous = instanceId === undefined
      ? undefined
      : [...this.clients.values()].find((c) => c.instanceId === instanceId);
    const before = this.group.describe();
    const targetBefore = previous ? toKeys(this.group.targetOf(previous.memberId)) : new Set();
    const full = before.members.length >= MAX_SIZE;
    let reply: MemberReply;
    try {
      reply = this.group.join(
        { topics, sessionTimeoutMs, rebalanceTimeoutMs, ...(instanceId ? { instanceId } : {}) },
        this.now,
        memberId,
      );
    } catch (e) {
      assertEquals((e as WeirError).code, "GROUP_MAX_SIZE_REACHED");
      assert(full && !previous, "refused although there was room");
      this.stats.refusedFull++;
      return;
    }
    this.stats.joins++;
    if (previous) {
      // A static member within its session: the new id takes over.
      const old = before.members.find((m) => m.memberId === previous.memberId)!;
      assert(old, "a client the group forgot should have been expired");
      this.#bury(previous);
      this.stats.staticReplacements++;
      assert(reply.memberEpoch > old.memberEpoch, "a new incarnation needs a new epoch");
      if (old.topics.join() === [...topics].sort().join()) {
        assertEquals(this.group.describe().epoch, before.epoch, "a static rejoin rebalanced");
        const got = toKeys(reply.assignment);
        for (const key of toKeys(old.assignment)) {
          if (targetBefore.has(key)) assert(got.has(key), `rejoin lost ${key}`);
        }
      }
    }
    const client: Client = {
      memberId,
      instanceId,
      topics,
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      epoch: 0,
      interval: reply.heartbeatIntervalMs,
      nextBeat: this.now + reply.heartbeatIntervalMs,
      assignment: new Set(),
      held: new Map(),
      pending: new Set(),
      hold: this.rnd.next() < 0.3 ? 1 + this.rnd.int(MAX_HOLD) : 0,
      alive: true,
      kicked: false,
      staleEpochs: [],
    };
    this.clients.set(memberId, client);
    this.#absorb(client, reply);
  }

  heartbeat(client: Client): void {
    for (const [key, left] of client.held) {
      if (left <= 0) client.held.delete(key);
      else client.held.set(key, left - 1);
    }
    const owned = fromKeys([...client.assignment, ...client.held.keys()]);
    client.pending = new Set([...client.pending].filter((k) => client.held.has(k)));
    let reply: MemberReply;
    try {
      reply = this.group.heartbeat(
        client.memberId,
        { memberEpoch: client.epoch, ownedPartitions: owned },
        this.now,
      );
    } catch (e) {
      assertEquals((e as WeirError).code, "UNKNOWN_MEMBER_ID");
      assert(client.kicked, `${client.memberId} was removed without cause`);
      this.#bury(client);
      this.join(client.instanceId, client.topics);
      return;
    }
    assert(!client.kicked, `${client.memberId} was kicked but still answered`);
    this.#absorb(client, reply);
  }

  /** Applies a reply like a client would: revoked partitions are dropped or held. */
  #absorb(client: Client, reply: MemberReply): void {
    const next = toKeys(reply.assignment);
    const changed = next.size !== client.assignment.size ||
      [...next].some((k) => !client.assignment.has(k));
    if (client.epoch > 0) {
      if (changed) assert(reply.memberEpoch > client.epoch, "a change without an epoch bump");
      else assertEquals(reply.memberEpoch, client.epoch, "an epoch bump without a change");
    }
    for (const key of next) {
      const { topic, partition } = parsePartitionKey(key);
      assert(client.topics.includes(topic), `${client.memberId} got unsubscribed ${key}`);
      assert(partition < (this.counts[topic] ?? 0), `${client.memberId} got missing ${key}`);
    }
    let revoked = false;
    for (const key of client.assignment) {
      if (next.has(key)) continue;
      revoked = true;
      client.pending.add(key);
      if (client.hold > 0) client.held.set(key, client.hold);
    }
    for (const key of next) {
      client.held.delete(key);
      client.pending.delete(key);
    }
    if (reply.memberEpoch !== client.epoch && client.epoch > 0) {
      client.staleEpochs.push(client.epoch);
    }
    client.epoch = reply.memberEpoch;
    client.assignment = next;
    // Like a real consumer, a faithful member reports a release right away.
    client.nextBeat = this.now +
      (revoked && client.hold === 0 ? this.rnd.int(300) : client.interval);
  }

  #bury(client: Client): void {
    this.clients.delete(client.memberId);
    this.zombies.push({ memberId: client.memberId, epoch: client.epoch });
    if (this.zombies.length > 20) this.zombies.shift();
  }

  expire(): void {
    for (const id of this.group.expire(this.now)) {
      this.stats.expired++;
      const client = this.clients.get(id);
      if (!client) continue;
      if (client.alive) {
        // A live member only goes for holding a revoked partition too long.
        assert(client.pending.size > 0, `live ${id} expired without holding anything`);
        client.kicked = true;
        this.stats.kicked++;
      } else {
        this.#bury(client);
      }
    }
    const next = this.group.nextExpiry();
    assert(next === null || next > this.now, "expire() left an expired member");
  }

  beatDue(): void {
    const due = this.live().filter((c) => c.nextBeat <= this.now);
    for (const client of this.shuffle(due)) {
      if (this.clients.get(client.memberId) === client) this.heartbeat(client);
    }
  }

  shuffle<T>(list: T[]): T[] {
    for (let i = list.length - 1; i > 0; i--) {
      const j = this.rnd.int(i + 1);
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    return list;
  }

  probeFencing(): void {
    const stale = this.pick(this.live().filter((c) => c.staleEpochs.length > 0 && !c.kicked));
    if (stale) {
      const epoch = this.pick(stale.staleEpochs)!;
      const code = (fn: () => unknown) => assertThrows(fn, WeirError).code;
      assertEquals(
        code(() => this.group.checkCommit(stale.memberId, epoch)),
        "FENCED_MEMBER_EPOCH",
      );
      assertEquals(
        code(() =>
          this.group.heartbeat(
            stale.memberId,
            { memberEpoch: epoch, ownedPartitions: [] },
            this.now,
          )
        ),
        "FENCED_MEMBER_EPOCH",
      );
      this.group.checkCommit(stale.memberId, stale.epoch);
      this.stats.fencedChecks++;
    }
    const zombie = this.pick(this.zombies);
    if (zombie) {
      const err = assertThrows(
        () => this.group.checkCommit(zombie.memberId, zombie.epoch),
        WeirError,
      );
      assertEquals(err.code, "UNKNOWN_MEMBER_ID");
      this.stats.zombieChecks++;
    }
    if (this.group.size > 0) {
      assertEquals(
        assertThrows(() => this.group.checkCommit(undefined, undefined), WeirError).code,
        "REBALANCE_IN_PROGRESS",
      );
    }
  }

  changeTopics(): void {
    const topic = this.pick(["a", "b", "c"])!;
    const current = this.counts[topic] ?? 0;
    const next = this.rnd.next() < 0.7
      ? Math.min(current + 1 + this.rnd.int(3), 12)
      : this.rnd.int(4);
    const counts = { ...this.counts };
    if (next === 0) delete counts[topic];
    else counts[topic] = next;
    this.counts = counts;
    this.group.setTopics(counts, this.now);
    this.stats.topicChanges++;
  }

  step(): void {
    this.stats.steps++;
    this.now += this.rnd.int(400);
    this.expire();
    for (const [instanceId, { at, topics }] of this.comebacks) {
      if (at > this.now) continue;
      this.comebacks.delete(instanceId);
      this.join(instanceId, topics);
    }
    const r = this.rnd.next();
    const victim = this.pick(this.live());
    if (r < 0.1) {
      const free = INSTANCES.filter((i) =>
        ![...this.clients.values()].some((c) => c.instanceId === i) && !this.comebacks.has(i)
      );
      const instanceId = this.rnd.next() < 0.4 ? this.pick(free) : undefined;
      this.join(instanceId, this.pick(this.patterns)!);
    } else if (r < 0.13 && victim) {
      if (victim.kicked) {
        const err = assertThrows(() => this.group.leave(victim.memberId, this.now), WeirError);
        assertEquals(err.code, "UNKNOWN_MEMBER_ID");
      } else {
        this.group.leave(victim.memberId, this.now);
      }
      this.#bury(victim);
      this.stats.leaves++;
    } else if (r < 0.16 && victim) {
      victim.alive = false; // stops heartbeating; the group expires it later
      this.stats.deaths++;
      if (victim.instanceId !== undefined && this.rnd.next() < 0.6) {
        const delay = this.rnd.int(Math.floor(victim.sessionTimeoutMs * 1.5));
        this.comebacks.set(victim.instanceId, { at: this.now + delay, topics: victim.topics });
      }
    } else if (r < 0.2 && victim?.instanceId !== undefined && !victim.kicked) {
      const topics = this.rnd.next() < 0.8 ? victim.topics : this.pick(this.patterns)!;
      this.join(victim.instanceId, topics); // restart: the old process is a zombie now
    } else if (r < 0.23) {
      this.changeTopics();
    } else if (r < 0.3) {
      this.probeFencing();
    }
    this.beatDue();
    this.check();
  }

  /** Invariants that hold after every step. */
  check(): void {
    const desc = this.group.describe();
    const owners = this.group.owners();
    assert(desc.epoch >= this.#groupEpoch, "the group epoch went back");
    this.#groupEpoch = desc.epoch;
    assert(desc.members.length <= MAX_SIZE);
    const assignedTo = new Map<string, string>();
    for (const m of desc.members) {
      const last = this.#memberEpochs.get(m.memberId) ?? 0;
      assert(m.memberEpoch >= last, `${m.memberId}'s epoch went back`);
      this.#memberEpochs.set(m.memberId, m.memberEpoch);
      for (const key of toKeys(m.assignment)) {
        assertEquals(assignedTo.get(key), undefined, `${key} assigned twice`);
        assignedTo.set(key, m.memberId);
        assertEquals(owners.get(key), m.memberId, `${key}: owners() disagrees`);
        assert(m.topics.includes(parsePartitionKey(key).topic), `${key} not subscribed`);
      }
      const client = this.clients.get(m.memberId);
      assert(client, `the group has ${m.memberId}, no client has`);
      assertEquals(
        toKeys(m.assignment),
        client.assignment,
        `${m.memberId}: reply and state differ`,
      );
    }
    // Rebuilt from what the clients were told: never two holders.
    const held = new Map<string, string>();
    for (const client of this.clients.values()) {
      if (client.kicked) continue; // fenced: its commits are rejected
      assert(desc.members.some((m) => m.memberId === client.memberId), `${client.memberId} lost`);
      for (const key of [...client.assignment, ...client.held.keys()]) {
        assertEquals(held.get(key), undefined, `${key} held by two clients`);
        held.set(key, client.memberId);
        assertEquals(owners.get(key), client.memberId, `${key} held but not owned`);
      }
    }
  }

  /** Leaves the group alone until it is Stable; returns the heartbeat rounds it took. */
  converge(): number {
    for (const [instanceId, { topics }] of this.comebacks) this.join(instanceId, topics);
    this.comebacks.clear();
    // Let every dead member expire while the live ones heartbeat on time.
    for (let guard = 0; [...this.clients.values()].some((c) => !c.alive); guard++) {
      assert(guard < 10_000, "dead members never expired");
      this.now += 200;
      this.expire();
      this.beatDue();
      this.check();
    }
    // Quick rounds: everyone heartbeats once per round, no timer can fire.
    let rounds = 0;
    while (this.group.describe().state !== "Stable") {
      rounds++;
      assert(rounds <= CONVERGENCE_BOUND, `not converged after ${CONVERGENCE_BOUND} rounds`);
      this.round();
    }
    this.stats.convergences++;
    this.stats.maxRounds = Math.max(this.stats.maxRounds, rounds);
    this.checkConverged();
    // Stability: nothing changes, nothing moves.
    const before = this.group.describe();
    for (let i = 0; i < 3; i++) this.round();
    assertEquals(this.group.describe(), before, "a quiet, stable group moved");
    return rounds;
  }

  round(): void {
    this.now += 10;
    for (const client of this.shuffle(this.live())) {
      if (this.clients.get(client.memberId) === client) this.heartbeat(client);
    }
    assertEquals(this.group.expire(this.now), [], "a timer fired during quick rounds");
    this.check();
  }

  checkConverged(): void {
    const desc = this.group.describe();
    const owners = this.group.owners();
    for (const m of desc.members) {
      assertEquals(m.assignment, this.group.targetOf(m.memberId), `${m.memberId} off target`);
    }
    const subscribed = new Set(desc.members.flatMap((m) => m.topics));
    for (const [topic, count] of Object.entries(this.counts)) {
      if (!subscribed.has(topic)) continue;
      for (let p = 0; p < count; p++) assert(owners.has(`${topic}/${p}`), `${topic}/${p} unowned`);
    }
    assertEquals(owners.size, desc.members.reduce((n, m) => n + toKeys(m.assignment).size, 0));
    const byPattern = new Map<string, number[]>();
    for (const m of desc.members) {
      const key = m.topics.join(",");
      byPattern.set(key, [...(byPattern.get(key) ?? []), toKeys(m.assignment).size]);
    }
    for (const [pattern, counts] of byPattern) {
      assert(Math.max(...counts) - Math.min(...counts) <= 1, `unbalanced on ${pattern}: ${counts}`);
    }
  }
}

function simulate(seed: number, steps: number, patterns: string[][]): Stats {
  const sim = new Simulation(seed, patterns);
  for (let i = 1; i <= steps; i++) {
    try {
      sim.step();
      if (i % 250 === 0) sim.converge();
    } catch (e) {
      throw new Error(`seed ${seed}, step ${i}, t=${sim.now}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  sim.converge();
  return sim.stats;
}

Deno.test("GroupState keeps its invariants over random steps on one topic", () => {
  for (const seed of [1, 2, 3]) {
    const stats = simulate(seed, 2_000, [["a"]]);
    assert(stats.staticReplacements > 0 && stats.expired > 0 && stats.leaves > 0, `${seed}`);
    assert(stats.fencedChecks > 0 && stats.zombieChecks > 0 && stats.topicChanges > 0);
    assert(stats.convergences >= 8 && stats.maxRounds <= CONVERGENCE_BOUND);
  }
});

Deno.test("GroupState keeps its invariants over random steps with mixed subscriptions", () => {
  const patterns = [["a"], ["a", "b"], ["b", "c"], ["a", "b", "c"]];
  let kicked = 0;
  let refused = 0;
  for (const seed of [11, 12, 13]) {
    const stats = simulate(seed, 2_000, patterns);
    kicked += stats.kicked;
    refused += stats.refusedFull;
    assert(stats.staticReplacements > 0 && stats.joins > 50, `${seed}`);
  }
  assert(kicked > 0, "no lazy member ever passed its rebalance timeout");
  assert(refused > 0, "group.max.size was never reached");
});

Deno.test("Simulation replays exactly from its seed", () => {
  assertEquals(simulate(7, 600, [["a"], ["a", "b"]]), simulate(7, 600, [["a"], ["a", "b"]]));
});
