/**
 * One "classic" consumer group (Kafka's JoinGroup/SyncGroup protocol with
 * client-side assignment) as a pure state machine: no I/O, no clock (every
 * call takes `now`), no ids (the caller supplies member ids), no promises.
 *
 * Waiting requests are **parked**: `join` and `sync` take a `waiter` number
 * chosen by the caller and return the replies that are due now, as data
 * ({@linkcode ClassicReply}); a call whose own waiter is not among them is
 * parked and is answered by a later call (another member's join, the
 * leader's sync, a leave, or `tick` at a deadline). The host keeps a map
 * from waiter to its pending reply and never blocks its mailbox.
 *
 * ## States (Kafka's names)
 *
 * - **Empty**: no members (offsets may still be committed with generation -1).
 * - **PreparingRebalance**: waiting for every known member to (re)join, at
 *   most the largest rebalance timeout of the members; members that did not
 *   rejoin by then are removed.
 * - **CompletingRebalance**: the generation is chosen; followers wait for the
 *   leader's SyncGroup with the assignment.
 * - **Stable**: the leader's assignment is in force.
 * - **Dead**: the coordinator is going away; every request fails with
 *   `COORDINATOR_NOT_AVAILABLE` (the client looks for the coordinator again).
 *
 * ## Rules (as Kafka's classic group coordinator)
 *
 * - A new member (member id `""`) gets an id; with `requireKnownMemberId`
 *   (JoinGroup v4+) it is answered `MEMBER_ID_REQUIRED` with that id and
 *   must join again with it within its session timeout (a pending member
 *   holds a rebalance back until it rejoins or expires).
 * - Every member names a protocol type (e.g. `consumer`) and protocols
 *   (assignor names with metadata); a joiner whose type differs or who shares
 *   no protocol with all other members gets `INCONSISTENT_GROUP_PROTOCOL`.
 *   The group's protocol is chosen by vote: each member votes for its most
 *   preferred protocol that every member supports; ties go to the earliest
 *   member's preference.
 * - The leader is the first member; when it leaves, the next oldest one.
 *   Only the leader gets the member list (with metadata) in its join reply.
 * - Heartbeats: `REBALANCE_IN_PROGRESS` while preparing a rebalance,
 *   `ILLEGAL_GENERATION` for another generation, `UNKNOWN_MEMBER_ID` for a
 *   member not in the group. A member that sends nothing for its session
 *   timeout is removed (a parked join or sync keeps it alive), and so is a
 *   member that has not sent SyncGroup within the rebalance timeout after a
 *   generation began.
 * - Offset commits (`checkCommit`): generation -1 without a member id only
 *   while the group has no members; otherwise the member must exist, the
 *   generation match, and the group must not be completing a rebalance.
 * - Static membership (`instanceId`, KIP-345): a member that joins again
 *   with no member id but a known instance id replaces its previous
 *   incarnation (new member id, same place, leadership and assignment; the
 *   old id gets `UNKNOWN_MEMBER_ID`); with unchanged protocols in a Stable
 *   group nothing rebalances. Static members skip `MEMBER_ID_REQUIRED`.
 *   Otherwise they follow the dynamic rules (a session timeout removes them).
 *
 * @module
 */
import type { ErrorCode } from "../../client/protocol/mod.ts";
import { DEFAULT_GROUP_LIMITS, type GroupLimits } from "./group_state.ts";

/** A classic group's state, with Kafka's names. */
export type ClassicGroupStateName =
  | "Empty"
  | "PreparingRebalance"
  | "CompletingRebalance"
  | "Stable"
  | "Dead";

/** Error codes the classic protocol answers with (Weir's names of Kafka's errors). */
export type ClassicErrorCode = Extract<
  ErrorCode,
  | "COORDINATOR_NOT_AVAILABLE"
  | "UNKNOWN_MEMBER_ID"
  | "ILLEGAL_GENERATION"
  | "REBALANCE_IN_PROGRESS"
  | "INCONSISTENT_GROUP_PROTOCOL"
  | "INVALID_SESSION_TIMEOUT"
  | "GROUP_MAX_SIZE_REACHED"
  | "MEMBER_ID_REQUIRED"
>;

/** Limits of a classic group: those of {@linkcode GroupLimits} plus the initial delay. */
export interface ClassicGroupLimits extends GroupLimits {
  /**
   * `group.initial.rebalance.delay.ms`: when an empty group gets its first
   * member, wait this long (extended by each newcomer, at most the rebalance
   * timeout) so that members starting together form one generation.
   */
  initialRebalanceDelayMs: number;
}

/** The defaults of {@linkcode ClassicGroupLimits} (no initial delay). */
export const DEFAULT_CLASSIC_GROUP_LIMITS: Readonly<ClassicGroupLimits> = Object.freeze({
  ...DEFAULT_GROUP_LIMITS,
  initialRebalanceDelayMs: 0,
});

/** One protocol a member supports: an assignor name and its subscription metadata. */
export interface ClassicProtocol {
  /** Protocol (assignor) name, e.g. `range`. */
  name: string;
  /** Opaque metadata (for `consumer`: the ConsumerProtocol subscription). */
  metadata: Uint8Array;
}

/** A JoinGroup request. */
export interface ClassicJoinRequest {
  /** `""` for a member that has no id yet. */
  memberId: string;
  /** Static membership id (recorded only). */
  instanceId?: string | null;
  /** The client's `client.id`. */
  clientId: string;
  /** The client's address. */
  clientHost: string;
  /** Protocol type, e.g. `consumer`. */
  protocolType: string;
  /** Protocols in the member's order of preference. */
  protocols: ClassicProtocol[];
  /** Session timeout (ms). */
  sessionTimeoutMs: number;
  /** Rebalance timeout (ms); JoinGroup v0 uses the session timeout. */
  rebalanceTimeoutMs: number;
  /** JoinGroup v4+: a new member first gets `MEMBER_ID_REQUIRED` with its id. */
  requireKnownMemberId: boolean;
}

/** One member as told to the leader. */
export interface ClassicJoinMember {
  /** Member id. */
  memberId: string;
  /** Static membership id, or null. */
  instanceId: string | null;
  /** The member's metadata for the chosen protocol. */
  metadata: Uint8Array;
}

/** A JoinGroup answer. */
export interface ClassicJoinResponse {
  /** Null on success. */
  error: ClassicErrorCode | null;
  /** The new generation (-1 on error). */
  generationId: number;
  /** The group's protocol type (null on error). */
  protocolType: string | null;
  /** The chosen protocol (null on error). */
  protocolName: string | null;
  /** The leader's member id ("" on error). */
  leader: string;
  /** The member's id (also on `MEMBER_ID_REQUIRED`). */
  memberId: string;
  /** Every member with its metadata, for the leader only; empty for others. */
  members: ClassicJoinMember[];
}

/** A SyncGroup request. */
export interface ClassicSyncRequest {
  /** Member id. */
  memberId: string;
  /** The generation the member joined. */
  generationId: number;
  /** Static membership id. */
  instanceId?: string | null;
  /** SyncGroup v5+: must equal the group's protocol type when given. */
  protocolType?: string | null;
  /** SyncGroup v5+: must equal the chosen protocol when given. */
  protocolName?: string | null;
  /** From the leader: each member's assignment. Others send none. */
  assignments: { memberId: string; assignment: Uint8Array }[];
}

/** A SyncGroup answer. */
export interface ClassicSyncResponse {
  /** Null on success. */
  error: ClassicErrorCode | null;
  /** The group's protocol type. */
  protocolType: string | null;
  /** The chosen protocol. */
  protocolName: string | null;
  /** The member's assignment (empty on error). */
  assignment: Uint8Array;
}

/** A Heartbeat request. */
export interface ClassicHeartbeatRequest {
  /** Member id. */
  memberId: string;
  /** The generation the member is in. */
  generationId: number;
}

/** A reply due to a parked (or just made) join or sync. */
export type ClassicReply =
  | { waiter: number; kind: "join"; response: ClassicJoinResponse }
  | { waiter: number; kind: "sync"; response: ClassicSyncResponse };

/** A classic group as described (DescribeGroups, `GET /v1/groups/:group`). */
export interface ClassicGroupDescription {
  /** The group's state. */
  state: ClassicGroupStateName;
  /** Protocol type ("" when none). */
  protocolType: string;
  /** Chosen protocol ("" when none). */
  protocolName: string;
  /** Current generation. */
  generationId: number;
  /** Leader's member id, or null. */
  leader: string | null;
  /** Members in join order. */
  members: {
    memberId: string;
    instanceId: string | null;
    clientId: string;
    clientHost: string;
    /** Metadata for the chosen protocol (empty before one is chosen). */
    metadata: Uint8Array;
    /** The member's assignment from the leader (empty before sync). */
    assignment: Uint8Array;
  }[];
}

interface Member {
  memberId: string;
  instanceId: string | null;
  clientId: string;
  clientHost: string;
  protocolType: string;
  protocols: ClassicProtocol[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  assignment: Uint8Array;
  joinWaiter: number | null;
  syncWaiter: number | null;
  sessionDeadline: number;
}

const EMPTY = new Uint8Array(0);

/** The state machine of one classic group; see the module doc. */
export class ClassicGroupState {
  /** The group id. */
  readonly groupId: string;
  readonly #limits: ClassicGroupLimits;
  #state: ClassicGroupStateName = "Empty";
  #generation = 0;
  #protocolType: string | null = null;
  #protocolName: string | null = null;
  #leader: string | null = null;
  readonly #members = new Map<string, Member>();
  /** Members told MEMBER_ID_REQUIRED, by id, with the deadline to rejoin. */
  readonly #pending = new Map<string, number>();
  /** Members of this generation that have not sent SyncGroup yet. */
  readonly #pendingSync = new Set<string>();
  #joinDeadline: number | null = null;
  #joinNotBefore: number | null = null;
  #syncDeadline: number | null = null;

  /**
   * Creates an empty group.
   *
   * @param groupId The group id.
   * @param limits Limits; unset fields take {@linkcode DEFAULT_CLASSIC_GROUP_LIMITS}.
   */
  constructor(groupId: string, limits: Partial<ClassicGroupLimits> = {}) {
    this.groupId = groupId;
    this.#limits = { ...DEFAULT_CLASSIC_GROUP_LIMITS, ...limits };
  }

  /** The group's state. */
  get state(): ClassicGroupStateName {
    return this.#state;
  }

  /** The current generation. */
  get generationId(): number {
    return this.#generation;
  }

  /** Members plus pending members (0 means the group may be passivated or change type). */
  get size(): number {
    return this.#members.size + this.#pending.size;
  }

  /** The group's protocol type ("" when none yet). */
  get protocolType(): string {
    return this.#protocolType ?? "";
  }

  /**
   * Handles a JoinGroup.
   *
   * @param request The join.
   * @param options `now`, the caller's `waiter` for this join, and the id a new member gets.
   * @returns Replies due now; this join is parked when its waiter is not among them.
   */
  join(
    request: ClassicJoinRequest,
    options: { now: number; waiter: number; newMemberId: string },
  ): ClassicReply[] {
    const { now, waiter } = options;
    const out: ClassicReply[] = [];
    const fail = (error: ClassicErrorCode, memberId = request.memberId): ClassicReply[] => {
      out.push({ waiter, kind: "join", response: joinError(error, memberId) });
      return out;
    };
    if (this.#state === "Dead") return fail("COORDINATOR_NOT_AVAILABLE");
    const { minSessionTimeoutMs: min, maxSessionTimeoutMs: max } = this.#limits;
    if (
      !Number.isSafeInteger(request.sessionTimeoutMs) || request.sessionTimeoutMs < min ||
      request.sessionTimeoutMs > max
    ) {
      return fail("INVALID_SESSION_TIMEOUT");
    }
    if (!this.#supports(request)) return fail("INCONSISTENT_GROUP_PROTOCOL");
    if (request.memberId === "") {
      const instanceId = request.instanceId ?? null;
      const incarnation = instanceId === null ? undefined : this.#byInstance(instanceId);
      if (incarnation !== undefined) {
        this.#replaceStatic(incarnation, options.newMemberId, request, options, out);
        return out;
      }
      if (this.size >= this.#limits.maxSize) return fail("GROUP_MAX_SIZE_REACHED");
      const memberId = options.newMemberId;
      if (request.requireKnownMemberId && instanceId === null) {
        this.#pending.set(memberId, now + request.sessionTimeoutMs);
        return fail("MEMBER_ID_REQUIRED", memberId);
      }
      this.#addMember(memberId, request, now, waiter, out);
      return out;
    }
    if (this.#pending.delete(request.memberId)) {
      this.#addMember(request.memberId, request, now, waiter, out);
      return out;
    }
    const member = this.#members.get(request.memberId);
    if (member === undefined) return fail("UNKNOWN_MEMBER_ID");
    const same = sameProtocols(member, request);
    if (
      this.#state === "PreparingRebalance" || !same ||
      (this.#state === "Stable" && member.memberId === this.#leader)
    ) {
      this.#updateMember(member, request, now, waiter, out);
    } else {
      // A rejoin that changes nothing: the current generation, at once.
      member.sessionDeadline = now + member.sessionTimeoutMs;
      out.push({ waiter, kind: "join", response: this.#joinResponse(member) });
    }
    return out;
  }

  /**
   * Handles a SyncGroup.
   *
   * @param request The sync (the leader's carries every assignment).
   * @param options `now` and the caller's `waiter` for this sync.
   * @returns Replies due now; this sync is parked when its waiter is not among them.
   */
  sync(request: ClassicSyncRequest, options: { now: number; waiter: number }): ClassicReply[] {
    const { now, waiter } = options;
    const out: ClassicReply[] = [];
    const fail = (error: ClassicErrorCode): ClassicReply[] => {
      out.push({
        waiter,
        kind: "sync",
        response: { error, protocolType: null, protocolName: null, assignment: EMPTY },
      });
      return out;
    };
    if (this.#state === "Dead") return fail("COORDINATOR_NOT_AVAILABLE");
    const member = this.#members.get(request.memberId);
    if (member === undefined) return fail("UNKNOWN_MEMBER_ID");
    if (request.generationId !== this.#generation) return fail("ILLEGAL_GENERATION");
    if (
      (request.protocolType != null && request.protocolType !== this.#protocolType) ||
      (request.protocolName != null && request.protocolName !== this.#protocolName)
    ) {
      return fail("INCONSISTENT_GROUP_PROTOCOL");
    }
    if (this.#state === "PreparingRebalance") return fail("REBALANCE_IN_PROGRESS");
    member.sessionDeadline = now + member.sessionTimeoutMs;
    this.#pendingSync.delete(member.memberId);
    if (this.#pendingSync.size === 0) this.#syncDeadline = null;
    if (this.#state === "Stable") {
      out.push({ waiter, kind: "sync", response: this.#syncResponse(member) });
      return out;
    }
    // CompletingRebalance: park; the leader's sync answers everyone.
    if (member.syncWaiter !== null) {
      out.push({
        waiter: member.syncWaiter,
        kind: "sync",
        response: {
          error: "REBALANCE_IN_PROGRESS",
          protocolType: null,
          protocolName: null,
          assignment: EMPTY,
        },
      });
    }
    member.syncWaiter = waiter;
    if (member.memberId === this.#leader) {
      const given = new Map<string, Uint8Array>();
      for (const a of request.assignments) given.set(a.memberId, a.assignment);
      for (const m of this.#members.values()) m.assignment = given.get(m.memberId) ?? EMPTY;
      this.#state = "Stable";
      for (const m of this.#members.values()) {
        if (m.syncWaiter === null) continue;
        out.push({ waiter: m.syncWaiter, kind: "sync", response: this.#syncResponse(m) });
        m.syncWaiter = null;
        m.sessionDeadline = now + m.sessionTimeoutMs;
      }
    }
    return out;
  }

  /**
   * Handles a Heartbeat.
   *
   * @param request Member and generation.
   * @param now The time.
   * @returns Null when all is well, else the error to answer.
   */
  heartbeat(request: ClassicHeartbeatRequest, now: number): ClassicErrorCode | null {
    if (this.#state === "Dead") return "COORDINATOR_NOT_AVAILABLE";
    const member = this.#members.get(request.memberId);
    if (member === undefined) return "UNKNOWN_MEMBER_ID";
    if (request.generationId !== this.#generation) return "ILLEGAL_GENERATION";
    member.sessionDeadline = now + member.sessionTimeoutMs;
    return this.#state === "PreparingRebalance" ? "REBALANCE_IN_PROGRESS" : null;
  }

  /**
   * Handles a LeaveGroup of one or more members.
   *
   * @param memberIds The members leaving.
   * @param now The time.
   * @returns One error (or null) per member, and replies now due to parked requests.
   */
  leave(
    memberIds: readonly string[],
    now: number,
  ): { errors: (ClassicErrorCode | null)[]; replies: ClassicReply[] } {
    const replies: ClassicReply[] = [];
    const errors = memberIds.map((memberId): ClassicErrorCode | null => {
      if (this.#state === "Dead") return "COORDINATOR_NOT_AVAILABLE";
      if (this.#pending.delete(memberId)) {
        this.#maybeCompleteJoin(now, replies);
        return null;
      }
      const member = this.#members.get(memberId);
      if (member === undefined) return "UNKNOWN_MEMBER_ID";
      this.#remove(member, now, replies);
      return null;
    });
    return { errors, replies };
  }

  /**
   * Checks that an OffsetCommit may proceed (and counts it as a sign of life).
   *
   * @param request Member id (`""` for a simple commit) and generation (-1 for a simple commit).
   * @param now The time.
   * @returns Null when the commit may proceed, else the error to answer.
   */
  checkCommit(
    request: { memberId: string; generationId: number },
    now: number,
  ): ClassicErrorCode | null {
    if (this.#state === "Dead") return "COORDINATOR_NOT_AVAILABLE";
    if (request.generationId < 0 && request.memberId === "" && this.#members.size === 0) {
      return null;
    }
    const member = this.#members.get(request.memberId);
    if (member === undefined) return "UNKNOWN_MEMBER_ID";
    if (request.generationId !== this.#generation) return "ILLEGAL_GENERATION";
    if (this.#state === "CompletingRebalance") return "REBALANCE_IN_PROGRESS";
    member.sessionDeadline = now + member.sessionTimeoutMs;
    return null;
  }

  /**
   * Applies what is due at `now`: expired pending members and sessions, a
   * rebalance whose timeout passed, members that did not sync in time.
   *
   * @param now The time.
   * @returns Replies now due to parked requests.
   */
  tick(now: number): ClassicReply[] {
    const out: ClassicReply[] = [];
    if (this.#state === "Dead") return out;
    for (const [memberId, deadline] of [...this.#pending]) {
      if (deadline <= now) this.#pending.delete(memberId);
    }
    if (this.#syncDeadline !== null && this.#syncDeadline <= now) {
      this.#syncDeadline = null;
      const late = [...this.#pendingSync];
      this.#pendingSync.clear();
      for (const memberId of late) {
        const member = this.#members.get(memberId);
        if (member !== undefined) this.#remove(member, now, out);
      }
    }
    for (const member of [...this.#members.values()]) {
      if (member.joinWaiter !== null || member.syncWaiter !== null) continue;
      if (member.sessionDeadline <= now && this.#members.has(member.memberId)) {
        this.#remove(member, now, out);
      }
    }
    if (
      this.#state === "PreparingRebalance" && this.#joinDeadline !== null &&
      this.#joinDeadline <= now
    ) {
      this.#completeJoin(now, out);
    } else {
      this.#maybeCompleteJoin(now, out);
    }
    return out;
  }

  /** The earliest time `tick` has something to do, or null. */
  nextDeadline(): number | null {
    let next: number | null = null;
    const consider = (t: number | null): void => {
      if (t !== null && (next === null || t < next)) next = t;
    };
    for (const deadline of this.#pending.values()) consider(deadline);
    for (const m of this.#members.values()) {
      if (m.joinWaiter === null && m.syncWaiter === null) consider(m.sessionDeadline);
    }
    if (this.#state === "PreparingRebalance") {
      consider(this.#joinDeadline);
      if (this.#allJoined()) consider(this.#joinNotBefore);
    }
    consider(this.#syncDeadline);
    return next;
  }

  /** The group as described by DescribeGroups. */
  describe(): ClassicGroupDescription {
    return {
      state: this.#state,
      protocolType: this.#protocolType ?? "",
      protocolName: this.#protocolName ?? "",
      generationId: this.#generation,
      leader: this.#leader,
      members: [...this.#members.values()].map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: this.#metadataOf(m),
        assignment: m.assignment,
      })),
    };
  }

  /**
   * Makes the group Dead (the coordinator stops): every parked request is
   * answered `COORDINATOR_NOT_AVAILABLE` and members are dropped.
   *
   * @returns The replies to the parked requests.
   */
  shutdown(): ClassicReply[] {
    const out: ClassicReply[] = [];
    for (const m of this.#members.values()) {
      if (m.joinWaiter !== null) {
        out.push({
          waiter: m.joinWaiter,
          kind: "join",
          response: joinError("COORDINATOR_NOT_AVAILABLE", m.memberId),
        });
      }
      if (m.syncWaiter !== null) {
        out.push({
          waiter: m.syncWaiter,
          kind: "sync",
          response: {
            error: "COORDINATOR_NOT_AVAILABLE",
            protocolType: null,
            protocolName: null,
            assignment: EMPTY,
          },
        });
      }
    }
    this.#members.clear();
    this.#pending.clear();
    this.#pendingSync.clear();
    this.#state = "Dead";
    return out;
  }

  /** Whether a joiner's protocol type and protocols fit the other members. */
  #supports(request: ClassicJoinRequest): boolean {
    if (request.protocolType === "" || request.protocols.length === 0) return false;
    const others = [...this.#members.values()].filter((m) => m.memberId !== request.memberId);
    if (others.length === 0) return true;
    if (request.protocolType !== this.#protocolType) return false;
    return request.protocols.some((p) =>
      others.every((m) => m.protocols.some((q) => q.name === p.name))
    );
  }

  #byInstance(instanceId: string): Member | undefined {
    for (const m of this.#members.values()) if (m.instanceId === instanceId) return m;
    return undefined;
  }

  /**
   * A static member (known `instanceId`) joined again without its member id:
   * the new id takes over the old incarnation's place and assignment (the
   * old id is fenced: `UNKNOWN_MEMBER_ID`). With the same protocols in a
   * Stable or CompletingRebalance group this needs no rebalance: the
   * current generation is answered at once.
   */
  #replaceStatic(
    old: Member,
    newMemberId: string,
    request: ClassicJoinRequest,
    options: { now: number; waiter: number },
    out: ClassicReply[],
  ): void {
    const fenced = (waiter: number | null, kind: "join" | "sync"): void => {
      if (waiter === null) return;
      out.push(
        kind === "join"
          ? { waiter, kind, response: joinError("UNKNOWN_MEMBER_ID", old.memberId) }
          : {
            waiter,
            kind,
            response: {
              error: "UNKNOWN_MEMBER_ID",
              protocolType: null,
              protocolName: null,
              assignment: EMPTY,
            },
          },
      );
    };
    fenced(old.joinWaiter, "join");
    fenced(old.syncWaiter, "sync");
    const member: Member = { ...old, memberId: newMemberId, joinWaiter: null, syncWaiter: null };
    // Re-key in place so that join order (and leadership) are kept.
    const entries = [...this.#members.values()].map((m) => m === old ? member : m);
    this.#members.clear();
    for (const m of entries) this.#members.set(m.memberId, m);
    if (this.#leader === old.memberId) this.#leader = newMemberId;
    if (this.#pendingSync.delete(old.memberId)) this.#pendingSync.add(newMemberId);
    const same = sameProtocols(member, request);
    if (!same || this.#state === "PreparingRebalance") {
      this.#updateMember(member, request, options.now, options.waiter, out);
      return;
    }
    member.sessionDeadline = options.now + member.sessionTimeoutMs;
    out.push({ waiter: options.waiter, kind: "join", response: this.#joinResponse(member) });
  }

  #addMember(
    memberId: string,
    request: ClassicJoinRequest,
    now: number,
    waiter: number,
    out: ClassicReply[],
  ): void {
    const member: Member = {
      memberId,
      instanceId: request.instanceId ?? null,
      clientId: request.clientId,
      clientHost: request.clientHost,
      protocolType: request.protocolType,
      protocols: request.protocols,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      assignment: EMPTY,
      joinWaiter: waiter,
      syncWaiter: null,
      sessionDeadline: now + request.sessionTimeoutMs,
    };
    if (this.#members.size === 0) this.#protocolType = request.protocolType;
    this.#members.set(memberId, member);
    this.#leader ??= memberId;
    if (this.#state === "PreparingRebalance" && this.#joinNotBefore !== null) {
      // Still in the initial delay: a newcomer extends it (up to the rebalance timeout).
      if (this.#joinNotBefore > now) {
        this.#joinNotBefore = Math.min(
          now + this.#limits.initialRebalanceDelayMs,
          this.#joinDeadline ?? now,
        );
      }
      this.#joinDeadline = Math.max(this.#joinDeadline ?? 0, now + member.rebalanceTimeoutMs);
    }
    this.#prepareRebalance(now, out);
    this.#maybeCompleteJoin(now, out);
  }

  #updateMember(
    member: Member,
    request: ClassicJoinRequest,
    now: number,
    waiter: number,
    out: ClassicReply[],
  ): void {
    if (member.joinWaiter !== null) {
      out.push({
        waiter: member.joinWaiter,
        kind: "join",
        response: joinError("REBALANCE_IN_PROGRESS", member.memberId),
      });
    }
    member.protocols = request.protocols;
    member.protocolType = request.protocolType;
    // #supports let a lone member change type; the group's type follows it.
    if (this.#members.size === 1) this.#protocolType = request.protocolType;
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.clientId = request.clientId;
    member.clientHost = request.clientHost;
    member.joinWaiter = waiter;
    member.sessionDeadline = now + member.sessionTimeoutMs;
    this.#prepareRebalance(now, out);
    this.#maybeCompleteJoin(now, out);
  }

  /** Moves Empty, Stable or CompletingRebalance to PreparingRebalance. */
  #prepareRebalance(now: number, out: ClassicReply[]): void {
    if (this.#state === "PreparingRebalance" || this.#state === "Dead") return;
    if (this.#state === "CompletingRebalance") {
      for (const m of this.#members.values()) {
        m.assignment = EMPTY;
        if (m.syncWaiter === null) continue;
        out.push({
          waiter: m.syncWaiter,
          kind: "sync",
          response: {
            error: "REBALANCE_IN_PROGRESS",
            protocolType: null,
            protocolName: null,
            assignment: EMPTY,
          },
        });
        m.syncWaiter = null;
      }
    }
    this.#pendingSync.clear();
    this.#syncDeadline = null;
    const wasEmpty = this.#state === "Empty";
    this.#state = "PreparingRebalance";
    this.#joinDeadline = now + this.#rebalanceTimeout();
    this.#joinNotBefore = wasEmpty
      ? Math.min(now + this.#limits.initialRebalanceDelayMs, this.#joinDeadline)
      : now;
  }

  #allJoined(): boolean {
    if (this.#pending.size > 0) return false;
    for (const m of this.#members.values()) if (m.joinWaiter === null) return false;
    return true;
  }

  #maybeCompleteJoin(now: number, out: ClassicReply[]): void {
    if (this.#state !== "PreparingRebalance" || !this.#allJoined()) return;
    if (this.#joinNotBefore !== null && this.#joinNotBefore > now) return;
    this.#completeJoin(now, out);
  }

  /** Ends PreparingRebalance: drops members that did not rejoin and starts a generation. */
  #completeJoin(now: number, out: ClassicReply[]): void {
    for (const m of [...this.#members.values()]) {
      if (m.joinWaiter === null) this.#drop(m, out);
    }
    this.#joinDeadline = null;
    this.#joinNotBefore = null;
    this.#generation++;
    if (this.#members.size === 0) {
      this.#state = "Empty";
      this.#protocolName = null;
      this.#leader = null;
      return;
    }
    this.#protocolName = this.#selectProtocol();
    this.#state = "CompletingRebalance";
    const timeout = this.#rebalanceTimeout();
    for (const m of this.#members.values()) {
      this.#pendingSync.add(m.memberId);
      const waiter = m.joinWaiter!;
      m.joinWaiter = null;
      m.sessionDeadline = now + m.sessionTimeoutMs;
      out.push({ waiter, kind: "join", response: this.#joinResponse(m) });
    }
    this.#syncDeadline = now + timeout;
  }

  /** Removes a member for good and moves the group on. */
  #remove(member: Member, now: number, out: ClassicReply[]): void {
    this.#drop(member, out);
    if (this.#state === "Stable" || this.#state === "CompletingRebalance") {
      this.#prepareRebalance(now, out);
    }
    this.#maybeCompleteJoin(now, out);
  }

  /** Takes a member out, answering its parked requests `UNKNOWN_MEMBER_ID`. */
  #drop(member: Member, out: ClassicReply[]): void {
    if (member.joinWaiter !== null) {
      out.push({
        waiter: member.joinWaiter,
        kind: "join",
        response: joinError("UNKNOWN_MEMBER_ID", member.memberId),
      });
    }
    if (member.syncWaiter !== null) {
      out.push({
        waiter: member.syncWaiter,
        kind: "sync",
        response: {
          error: "UNKNOWN_MEMBER_ID",
          protocolType: null,
          protocolName: null,
          assignment: EMPTY,
        },
      });
    }
    this.#members.delete(member.memberId);
    this.#pendingSync.delete(member.memberId);
    if (this.#leader === member.memberId) {
      this.#leader = this.#members.keys().next().value ?? null;
    }
  }

  #rebalanceTimeout(): number {
    let max = 0;
    for (const m of this.#members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** Each member votes for its first protocol every member supports; most votes wins. */
  #selectProtocol(): string {
    const members = [...this.#members.values()];
    const candidates = members[0]!.protocols.map((p) => p.name).filter((name) =>
      members.every((m) => m.protocols.some((p) => p.name === name))
    );
    const votes = new Map<string, number>(candidates.map((c) => [c, 0]));
    for (const m of members) {
      const choice = m.protocols.find((p) => votes.has(p.name));
      if (choice !== undefined) votes.set(choice.name, votes.get(choice.name)! + 1);
    }
    let best = candidates[0] ?? members[0]!.protocols[0]!.name;
    for (const c of candidates) if (votes.get(c)! > votes.get(best)!) best = c;
    return best;
  }

  #metadataOf(member: Member): Uint8Array {
    if (this.#protocolName === null) return EMPTY;
    return member.protocols.find((p) => p.name === this.#protocolName)?.metadata ?? EMPTY;
  }

  #joinResponse(member: Member): ClassicJoinResponse {
    const isLeader = member.memberId === this.#leader;
    return {
      error: null,
      generationId: this.#generation,
      protocolType: this.#protocolType,
      protocolName: this.#protocolName,
      leader: this.#leader ?? "",
      memberId: member.memberId,
      members: isLeader
        ? [...this.#members.values()].map((m) => ({
          memberId: m.memberId,
          instanceId: m.instanceId,
          metadata: this.#metadataOf(m),
        }))
        : [],
    };
  }

  #syncResponse(member: Member): ClassicSyncResponse {
    return {
      error: null,
      protocolType: this.#protocolType,
      protocolName: this.#protocolName,
      assignment: member.assignment,
    };
  }
}

function joinError(error: ClassicErrorCode, memberId: string): ClassicJoinResponse {
  return {
    error,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: "",
    memberId,
    members: [],
  };
}

function sameProtocols(member: Member, request: ClassicJoinRequest): boolean {
  if (member.protocolType !== request.protocolType) return false;
  if (member.protocols.length !== request.protocols.length) return false;
  return member.protocols.every((p, i) => {
    const q = request.protocols[i]!;
    return p.name === q.name && bytesEqual(p.metadata, q.metadata);
  });
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
