/**
 * One consumer group's membership and assignment as a pure state machine:
 * no I/O, no clock (every call takes `now`), no ids (the caller supplies
 * member ids). The coordinator actor owns one instance and maps its errors
 * to replies.
 *
 * ## Group state
 *
 * - **Empty**: no members.
 * - **Stable**: every member's assignment equals its target and nobody holds
 *   a revoked partition.
 * - **Reconciling**: some member still has to give up or receive partitions.
 *
 * The **group epoch** grows on every change of membership, of a member's
 * subscription, or of the partition counts of subscribed topics. Each such
 * change recomputes the **target assignment** (`assignor.ts`: sticky,
 * balanced, deterministic), starting from the previous target.
 *
 * ## Reconciliation (server-side and incremental, KIP-848 style)
 *
 * A member moves toward its target only when it joins or heartbeats:
 *
 * 1. **Release**: a heartbeat's `ownedPartitions` says what the member still
 *    holds; each revoked partition it no longer lists is released (free).
 * 2. **Revoke**: partitions in the member's assignment but not in its target
 *    leave the assignment it is told, but it keeps **owning** them until a
 *    later heartbeat no longer lists them (or it is removed).
 * 3. **Add**: a target partition joins the assignment only when no other
 *    member owns it (assigned or revoked-but-unreleased).
 *
 * Every change of a member's assignment bumps its **member epoch** by one;
 * a heartbeat or commit with another epoch is fenced (`FENCED_MEMBER_EPOCH`).
 * So a partition never has two owners, and a member whose target did not
 * change never stops consuming.
 *
 * ## Sessions and timeouts
 *
 * A member is removed by {@linkcode GroupState.expire} when it has not
 * heartbeated for `sessionTimeoutMs`, or when it has held a revoked
 * partition for longer than its `rebalanceTimeoutMs` (so a stuck member
 * cannot block the group forever). A static member (`instanceId`) that
 * joins again within its session replaces its previous incarnation: the
 * new member id takes over the assignment and nothing else moves. Call
 * `expire(now)` before `join` so that stale members do not count against
 * `maxSize`.
 *
 * @module
 */
import { topicNameProblem, WeirError } from "../../client/protocol/mod.ts";
import { computeTargetAssignment } from "./assignor.ts";
import { compareStrings, fromKeys, toKeys, type TopicPartitions } from "./_topic_partitions.ts";

export type { TopicPartitions } from "./_topic_partitions.ts";

/**
 * Heartbeat interval told to a member that is not on its target yet (it
 * must release revoked partitions, or waits for partitions others release):
 * short, so a moved partition pauses for about one round trip rather than
 * a whole heartbeat interval. Reconciled members heartbeat every
 * min(3 s, session / 3).
 */
export const RECONCILING_HEARTBEAT_MS = 250;

/** Limits of one group. */
export interface GroupLimits {
  /** `group.max.size`: most members; a join beyond it fails with `GROUP_MAX_SIZE_REACHED`. */
  maxSize: number;
  /** Smallest session timeout a member may ask for. */
  minSessionTimeoutMs: number;
  /** Largest session timeout a member may ask for. */
  maxSessionTimeoutMs: number;
  /** Session timeout of a member that asks for none. */
  defaultSessionTimeoutMs: number;
  /** Rebalance timeout of a member that asks for none. */
  defaultRebalanceTimeoutMs: number;
}

/** The defaults of {@linkcode GroupLimits} (Kafka's, except `maxSize`). */
export const DEFAULT_GROUP_LIMITS: Readonly<GroupLimits> = Object.freeze({
  maxSize: 1000,
  minSessionTimeoutMs: 1_000,
  maxSessionTimeoutMs: 300_000,
  defaultSessionTimeoutMs: 45_000,
  defaultRebalanceTimeoutMs: 60_000,
});

/** A join: what a new member subscribes to and its timeouts. */
export interface JoinRequest {
  /** Subscribed topics (at least one legal name). */
  topics: string[];
  /** Static membership id: a rejoin within the session keeps the partitions. */
  instanceId?: string;
  /** Session timeout, within the limits. */
  sessionTimeoutMs?: number;
  /** How long the member may hold a revoked partition. */
  rebalanceTimeoutMs?: number;
}

/** A heartbeat: the member's epoch and what it still holds. */
export interface HeartbeatRequest {
  /** The epoch the member last received. */
  memberEpoch: number;
  /** Partitions the member still owns (revoked ones it has not yet released included). */
  ownedPartitions: TopicPartitions[];
}

/** What a member is told after a join or heartbeat. */
export interface MemberReply {
  /** The member's id. */
  memberId: string;
  /** The member's epoch (send it with the next heartbeat and commits). */
  memberEpoch: number;
  /** How often to heartbeat. */
  heartbeatIntervalMs: number;
  /** The member's full current assignment. */
  assignment: TopicPartitions[];
}

/** A snapshot of the group for describe. */
export interface GroupDescription {
  /** The group id. */
  groupId: string;
  /** Empty, Stable or Reconciling (see the module doc). */
  state: "Empty" | "Stable" | "Reconciling";
  /** The group epoch. */
  epoch: number;
  /** Members in join order. */
  members: {
    memberId: string;
    instanceId?: string;
    memberEpoch: number;
    topics: string[];
    assignment: TopicPartitions[];
  }[];
}

interface Member {
  memberId: string;
  instanceId: string | undefined;
  /** Sorted, distinct. */
  topics: string[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  lastHeartbeat: number;
  memberEpoch: number;
  /** What the member was last told it owns. */
  assigned: Set<string>;
  /** Revoked but still owned until the member stops listing them. */
  revoking: Set<string>;
  /** When `revoking` became non-empty plus the rebalance timeout; null when empty. */
  revokeDeadline: number | null;
}

/**
 * One group's members, target assignment and reconciliation.
 *
 * @example C1 gets everything, then shares with C2 once it released
 * ```ts
 * import { GroupState } from "./group_state.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const group = new GroupState("billing");
 * group.setTopics({ orders: 2 }, 0);
 * const c1 = group.join({ topics: ["orders"] }, 0, "c1");
 * assertEquals(c1.assignment, [{ topic: "orders", partitions: [0, 1] }]);
 * group.join({ topics: ["orders"] }, 0, "c2");
 * const revoked = group.heartbeat("c1", { memberEpoch: c1.memberEpoch, ownedPartitions: c1.assignment }, 1);
 * assertEquals(revoked.assignment, [{ topic: "orders", partitions: [0] }]);
 * group.heartbeat("c1", { memberEpoch: revoked.memberEpoch, ownedPartitions: revoked.assignment }, 2);
 * const c2 = group.heartbeat("c2", { memberEpoch: 1, ownedPartitions: [] }, 2);
 * assertEquals(c2.assignment, [{ topic: "orders", partitions: [1] }]);
 * ```
 */
export class GroupState {
  /** The group id. */
  readonly groupId: string;
  readonly #limits: GroupLimits;
  readonly #members = new Map<string, Member>();
  /** partition key → owning member id (assigned or revoking). */
  readonly #owners = new Map<string, string>();
  /** member id → target partition keys. */
  #targets = new Map<string, Set<string>>();
  #counts: Record<string, number> = {};
  #epoch = 0;

  /**
   * Creates an empty group.
   *
   * @param groupId The group id.
   * @param limits Overrides of {@linkcode DEFAULT_GROUP_LIMITS}.
   */
  constructor(groupId: string, limits: Partial<GroupLimits> = {}) {
    this.groupId = groupId;
    this.#limits = { ...DEFAULT_GROUP_LIMITS, ...limits };
  }

  /** Number of members. */
  get size(): number {
    return this.#members.size;
  }

  /** The group epoch. */
  get epoch(): number {
    return this.#epoch;
  }

  /**
   * Sets the partition counts of the topics that exist (a subscribed topic
   * missing here gets no partitions). A change that touches a subscribed
   * topic bumps the group epoch and recomputes the target.
   *
   * @param partitionCounts topic → partition count.
   * @param _now Current time (unused: reconciliation happens on heartbeats).
   */
  setTopics(partitionCounts: Record<string, number>, _now: number): void {
    const next: Record<string, number> = {};
    for (const [topic, count] of Object.entries(partitionCounts)) {
      if (Number.isInteger(count) && count > 0) next[topic] = count;
    }
    const subscribed = new Set([...this.#members.values()].flatMap((m) => m.topics));
    const changed = [...subscribed].some((t) => (this.#counts[t] ?? 0) !== (next[t] ?? 0));
    this.#counts = next;
    if (changed) this.#recompute();
  }

  /**
   * Adds a member, or replaces the member of a known `instanceId` that is
   * still within its session: the new id takes over its assignment (and its
   * unreleased revocations) and nothing else moves. Either way the member
   * then moves toward its target: the reply already lacks partitions no
   * longer targeted and carries every target partition that is free now.
   *
   * @param request Topics and timeouts.
   * @param now Current time.
   * @param newMemberId The id for the member (chosen by the caller, unique).
   * @returns The new member's id, epoch, heartbeat interval and assignment.
   * @throws {WeirError} `INVALID_REQUEST` (no topics, a bad name, a bad id),
   * `INVALID_SESSION_TIMEOUT`, `GROUP_MAX_SIZE_REACHED`.
   */
  join(request: JoinRequest, now: number, newMemberId: string): MemberReply {
    const topics = this.#validateJoin(request, newMemberId);
    const sessionTimeoutMs = request.sessionTimeoutMs ?? this.#limits.defaultSessionTimeoutMs;
    const rebalanceTimeoutMs = request.rebalanceTimeoutMs ??
      this.#limits.defaultRebalanceTimeoutMs;
    const instanceId = request.instanceId;
    const previous = instanceId === undefined ? undefined : this.#byInstance(instanceId);
    if (previous && previous.lastHeartbeat + previous.sessionTimeoutMs > now) {
      return this.#replace(
        previous,
        { topics, sessionTimeoutMs, rebalanceTimeoutMs },
        now,
        newMemberId,
      );
    }
    if (previous) this.#remove(previous);
    else if (this.#members.size >= this.#limits.maxSize) {
      throw new WeirError(
        "GROUP_MAX_SIZE_REACHED",
        `Cannot join group ${
          JSON.stringify(this.groupId)
        }: it already has ${this.#members.size} members (group.max.size ${this.#limits.maxSize})`,
      );
    }
    const member: Member = {
      memberId: newMemberId,
      instanceId,
      topics,
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      lastHeartbeat: now,
      memberEpoch: 0,
      assigned: new Set(),
      revoking: new Set(),
      revokeDeadline: null,
    };
    this.#members.set(newMemberId, member);
    this.#recompute();
    this.#reconcile(member, now, true);
    return this.#reply(member);
  }

  /**
   * Records liveness and what the member still owns, advances its
   * reconciliation and returns its full current assignment.
   *
   * @param memberId The member.
   * @param request Its epoch and owned partitions.
   * @param now Current time.
   * @returns The member's epoch, interval and assignment.
   * @throws {WeirError} `UNKNOWN_MEMBER_ID`, `FENCED_MEMBER_EPOCH` (another epoch).
   */
  heartbeat(memberId: string, request: HeartbeatRequest, now: number): MemberReply {
    const member = this.#checkMember(memberId, request.memberEpoch, "heartbeat in");
    member.lastHeartbeat = now;
    if (member.revoking.size > 0) {
      const stillOwned = toKeys(request.ownedPartitions);
      for (const key of member.revoking) {
        if (stillOwned.has(key)) continue;
        member.revoking.delete(key);
        this.#owners.delete(key);
      }
      if (member.revoking.size === 0) member.revokeDeadline = null;
    }
    this.#reconcile(member, now, false);
    return this.#reply(member);
  }

  /**
   * Removes a member at once; its partitions become free.
   *
   * @param memberId The member.
   * @param _now Current time (unused).
   * @throws {WeirError} `UNKNOWN_MEMBER_ID`.
   */
  leave(memberId: string, _now: number): void {
    const member = this.#members.get(memberId);
    if (!member) throw this.#unknown(memberId, "leave");
    this.#remove(member);
    this.#recompute();
  }

  /**
   * Removes members whose session expired (`lastHeartbeat + sessionTimeoutMs
   * <= now`) or that held a revoked partition past their rebalance timeout.
   *
   * @param now Current time.
   * @returns The ids removed, in join order.
   */
  expire(now: number): string[] {
    const gone = [...this.#members.values()].filter((m) => deadlineOf(m) <= now);
    for (const member of gone) this.#remove(member);
    if (gone.length > 0) this.#recompute();
    return gone.map((m) => m.memberId);
  }

  /** Earliest time at which {@linkcode expire} would remove someone, or null without members. */
  nextExpiry(): number | null {
    let next: number | null = null;
    for (const member of this.#members.values()) {
      const deadline = deadlineOf(member);
      if (next === null || deadline < next) next = deadline;
    }
    return next;
  }

  /**
   * Checks that an offset commit may proceed: with a member id, the member
   * must exist and the epoch match; without, the group must be empty.
   *
   * @param memberId The committing member, if any.
   * @param memberEpoch Its epoch.
   * @throws {WeirError} `UNKNOWN_MEMBER_ID`, `FENCED_MEMBER_EPOCH`, `REBALANCE_IN_PROGRESS`.
   */
  checkCommit(memberId: string | undefined, memberEpoch: number | undefined): void {
    if (memberId === undefined) {
      if (this.#members.size === 0) return;
      throw new WeirError(
        "REBALANCE_IN_PROGRESS",
        `Cannot commit offsets to group ${
          JSON.stringify(this.groupId)
        }: the group has ${this.#members.size} members; commit with a memberId and memberEpoch`,
      );
    }
    this.#checkMember(memberId, memberEpoch, "commit offsets to");
  }

  /** A snapshot of the group: state, epoch and members in join order. */
  describe(): GroupDescription {
    let state: GroupDescription["state"] = this.#members.size === 0 ? "Empty" : "Stable";
    const members = [...this.#members.values()].map((m) => {
      if (state === "Stable" && !this.#isReconciled(m)) state = "Reconciling";
      return {
        memberId: m.memberId,
        ...(m.instanceId === undefined ? {} : { instanceId: m.instanceId }),
        memberEpoch: m.memberEpoch,
        topics: [...m.topics],
        assignment: fromKeys(m.assigned),
      };
    });
    return { groupId: this.groupId, state, epoch: this.#epoch, members };
  }

  /** `"topic/partition"` → member id of every owner (assigned, or revoked but not yet released). */
  owners(): Map<string, string> {
    return new Map(this.#owners);
  }

  /** The current target of a member (for tests and describe tooling). */
  targetOf(memberId: string): TopicPartitions[] {
    return fromKeys(this.#targets.get(memberId) ?? []);
  }

  #validateJoin(request: JoinRequest, newMemberId: string): string[] {
    const g = JSON.stringify(this.groupId);
    const bad = (reason: string): WeirError =>
      new WeirError("INVALID_REQUEST", `Cannot join group ${g}: ${reason}`);
    if (typeof newMemberId !== "string" || newMemberId.length === 0) {
      throw bad("the member id is empty");
    }
    if (this.#members.has(newMemberId)) {
      throw bad(`member id ${JSON.stringify(newMemberId)} is already in use`);
    }
    if (!Array.isArray(request.topics) || request.topics.length === 0) {
      throw bad("no topics to subscribe to");
    }
    for (const topic of request.topics) {
      const problem = topicNameProblem(topic);
      if (problem !== null) {
        throw bad(`topic ${JSON.stringify(String(topic).slice(0, 300))}: ${problem}`);
      }
    }
    const { instanceId, sessionTimeoutMs, rebalanceTimeoutMs } = request;
    if (
      instanceId !== undefined &&
      (typeof instanceId !== "string" || instanceId.length === 0 || instanceId.length > 249)
    ) {
      throw bad("instanceId must be 1 to 249 characters");
    }
    const { minSessionTimeoutMs: min, maxSessionTimeoutMs: max } = this.#limits;
    if (
      sessionTimeoutMs !== undefined &&
      !(Number.isInteger(sessionTimeoutMs) && sessionTimeoutMs >= min && sessionTimeoutMs <= max)
    ) {
      throw new WeirError(
        "INVALID_SESSION_TIMEOUT",
        `Cannot join group ${g}: sessionTimeoutMs ${sessionTimeoutMs} is not an integer in ${min}..${max}`,
      );
    }
    if (
      rebalanceTimeoutMs !== undefined &&
      !(Number.isInteger(rebalanceTimeoutMs) && rebalanceTimeoutMs > 0)
    ) {
      throw bad(`rebalanceTimeoutMs ${rebalanceTimeoutMs} is not a positive integer`);
    }
    return [...new Set(request.topics)].sort(compareStrings);
  }

  /** The static member `previous` comes back as `newMemberId`. */
  #replace(
    previous: Member,
    settings: { topics: string[]; sessionTimeoutMs: number; rebalanceTimeoutMs: number },
    now: number,
    newMemberId: string,
  ): MemberReply {
    const oldId = previous.memberId;
    const sameTopics = previous.topics.join("\n") === settings.topics.join("\n");
    const member: Member = { ...previous, ...settings, memberId: newMemberId, lastHeartbeat: now };
    this.#members.delete(oldId);
    this.#members.set(newMemberId, member);
    for (const key of [...member.assigned, ...member.revoking]) this.#owners.set(key, newMemberId);
    const target = this.#targets.get(oldId) ?? new Set<string>();
    this.#targets.delete(oldId);
    this.#targets.set(newMemberId, target);
    if (!sameTopics) this.#recompute();
    // The new process holds nothing revoked: give it a full rebalance timeout to say so.
    if (member.revoking.size > 0) member.revokeDeadline = now + member.rebalanceTimeoutMs;
    this.#reconcile(member, now, true);
    return this.#reply(member);
  }

  #remove(member: Member): void {
    for (const key of [...member.assigned, ...member.revoking]) this.#owners.delete(key);
    this.#members.delete(member.memberId);
    this.#targets.delete(member.memberId);
  }

  /** Bumps the group epoch and recomputes every target from the previous ones. */
  #recompute(): void {
    this.#epoch++;
    const members = [...this.#members.values()].map((m) => ({
      memberId: m.memberId,
      topics: m.topics,
      current: fromKeys(this.#targets.get(m.memberId) ?? []),
    }));
    const target = computeTargetAssignment({ members, partitionCounts: this.#counts });
    this.#targets = new Map([...target].map(([id, list]) => [id, toKeys(list)]));
  }

  /** Moves a member's assignment toward its target: revoke, then add what is free. */
  #reconcile(member: Member, now: number, forceBump: boolean): void {
    const target = this.#targets.get(member.memberId) ?? new Set<string>();
    let changed = false;
    for (const key of member.assigned) {
      if (target.has(key)) continue;
      member.assigned.delete(key);
      member.revoking.add(key);
      changed = true;
    }
    for (const key of target) {
      if (member.assigned.has(key)) continue;
      const owner = this.#owners.get(key);
      if (owner !== undefined && owner !== member.memberId) continue;
      member.revoking.delete(key);
      member.assigned.add(key);
      this.#owners.set(key, member.memberId);
      changed = true;
    }
    if (member.revoking.size === 0) member.revokeDeadline = null;
    else member.revokeDeadline ??= now + member.rebalanceTimeoutMs;
    if (changed || forceBump) member.memberEpoch++;
  }

  #isReconciled(member: Member): boolean {
    const target = this.#targets.get(member.memberId) ?? new Set<string>();
    if (member.revoking.size > 0 || target.size !== member.assigned.size) return false;
    for (const key of target) if (!member.assigned.has(key)) return false;
    return true;
  }

  #reply(member: Member): MemberReply {
    return {
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      heartbeatIntervalMs: Math.min(
        this.#isReconciled(member) ? 3_000 : RECONCILING_HEARTBEAT_MS,
        Math.floor(member.sessionTimeoutMs / 3),
      ),
      assignment: fromKeys(member.assigned),
    };
  }

  #byInstance(instanceId: string): Member | undefined {
    for (const member of this.#members.values()) {
      if (member.instanceId === instanceId) return member;
    }
    return undefined;
  }

  #checkMember(memberId: string, memberEpoch: number | undefined, action: string): Member {
    const member = this.#members.get(memberId);
    if (!member) throw this.#unknown(memberId, action);
    if (memberEpoch !== member.memberEpoch) {
      throw new WeirError(
        "FENCED_MEMBER_EPOCH",
        `Cannot ${action} group ${JSON.stringify(this.groupId)}: member ${
          JSON.stringify(memberId)
        } sent epoch ${memberEpoch}, its epoch is ${member.memberEpoch}`,
      );
    }
    return member;
  }

  #unknown(memberId: string, action: string): WeirError {
    return new WeirError(
      "UNKNOWN_MEMBER_ID",
      `Cannot ${action} group ${JSON.stringify(this.groupId)}: member ${
        JSON.stringify(memberId)
      } is not in the group`,
    );
  }
}

function deadlineOf(member: Member): number {
  const session = member.lastHeartbeat + member.sessionTimeoutMs;
  return member.revokeDeadline === null ? session : Math.min(session, member.revokeDeadline);
}
