/**
 * The node's side of consumer groups: {@linkcode GroupCoordinators} finds,
 * activates and passivates one GroupCoordinatorActor per group, keeps the
 * persisted list of known groups, and adds lag to descriptions.
 *
 * - Activation is on demand and transparent: the first request for a group
 *   spawns its coordinator (`group/<groupId>`), which replays the group's
 *   committed offsets from its `__consumer_offsets` partition
 *   (`toPositive(murmur2(utf8(groupId))) % partitions`, Kafka's idea with
 *   Weir's hash). That offsets partition's actor is itself spawned on first
 *   use, so a node without groups runs no Worker for it.
 * - Passivation (virtual-actor style): a coordinator that has had no request
 *   for `groupIdleMs` is asked `isIdle`; with no members and still no request
 *   since, it is stopped. A request arriving meanwhile waits for the stop and
 *   activates a fresh coordinator. So an idle group costs no Worker.
 * - Known groups: a group is registered in the metadata registry (a `group`
 *   record in the metadata log) the first time a join or commit succeeds, so
 *   `GET /v1/groups` lists groups whose coordinator is passivated and groups
 *   from before a restart. (Deriving the list from `__consumer_offsets` would
 *   need a scan of every offsets partition and miss groups that never
 *   committed.)
 * - Requests that cannot create a group (heartbeat, leave, describe, offsets
 *   read) do not activate an unknown group: they answer `UNKNOWN_MEMBER_ID`,
 *   `GROUP_ID_NOT_FOUND` or no offsets at once.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import {
  type CommitOffsetsRequest,
  type GroupDescriptionResponse,
  type GroupOffsetsResponse,
  type GroupSummary,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  partitionForKey,
  validateGroupId,
  WeirError,
} from "../client/protocol/mod.ts";
import type { ActorRef, ActorSystem, Clock, TimerHandle } from "../actors/runtime/mod.ts";
import type {
  ClassicCommitReply,
  ClassicDescribeReply,
  ClassicHeartbeatRequest,
  ClassicJoinRequest,
  ClassicJoinResponse,
  ClassicSyncRequest,
  ClassicSyncResponse,
  CommitEntry,
  GroupCoordinatorDescription,
  GroupCoordinatorInit,
  GroupRequest,
  IdleReply,
  JoinRequest,
  MemberReply,
} from "../actors/group_coordinator/mod.ts";

const logger = getLogger(["weir", "broker", "groups"]);
const encoder = new TextEncoder();

/** Extra deadline of a parked classic join beyond the member's timeouts (ms). */
const CLASSIC_ASK_MARGIN_MS = 10_000;
/** Deadline of a parked classic sync (Kafka's largest default rebalance timeout plus margin). */
const CLASSIC_SYNC_TIMEOUT_MS = 310_000;

/** Actor kind of group coordinators. */
export const GROUP_KIND = "group";

/** What {@linkcode GroupCoordinators} needs from its node. */
export interface GroupCoordinatorsOptions {
  /** The node's actor system (kind `group` must be defined). */
  system: ActorSystem;
  /** Worker or inline coordinators. */
  host: "worker" | "inline";
  /** Timers for passivation. */
  clock: Clock;
  /** Passivate a coordinator idle this long (ms). */
  idleMs: number;
  /** `group.max.size`. */
  maxSize: number;
  /** Partitions of `__consumer_offsets`. */
  offsetsPartitions: number;
  /** Groups known from the registry. */
  knownGroups: readonly string[];
  /** Persists a newly seen group id. */
  registerGroup: (groupId: string) => Promise<void>;
  /** Partition counts of the (non-internal) topics that exist now. */
  partitionCounts: () => Record<string, number>;
  /** Spawns the offsets partition's actor if it does not run yet. */
  ensureOffsetsPartition: (partition: number) => Promise<void>;
  /** High watermark of a partition, or null when it does not exist. */
  highWatermark: (topic: string, partition: number) => Promise<number | null>;
}

interface Entry {
  readonly ready: Promise<ActorRef<GroupRequest>>;
  ref: ActorRef<GroupRequest> | undefined;
  inflight: number;
  activity: number;
  timer: TimerHandle | undefined;
}

/** The offsets partition of a group: `toPositive(murmur2(utf8(groupId))) % partitions`. */
export function offsetsPartitionFor(groupId: string, partitions: number): number {
  return partitionForKey(encoder.encode(groupId), partitions);
}

/** Activation, passivation and lookup of a node's group coordinators. */
export class GroupCoordinators implements AsyncDisposable {
  readonly #o: GroupCoordinatorsOptions;
  readonly #known: Set<string>;
  readonly #entries = new Map<string, Entry>();
  readonly #stopping = new Map<string, Promise<void>>();
  #closed = false;

  /**
   * Creates the directory; nothing is activated until a request needs it.
   *
   * @param options The node's parts this needs.
   */
  constructor(options: GroupCoordinatorsOptions) {
    this.#o = options;
    this.#known = new Set(options.knownGroups);
  }

  /** Coordinators currently active (for tests and metrics). */
  get activeCount(): number {
    return this.#entries.size;
  }

  /** Whether a group's coordinator is active. */
  isActive(groupId: string): boolean {
    return this.#entries.has(groupId);
  }

  /** `GET /v1/groups`: every known group; passivated ones are `Empty` with 0 members. */
  async listGroups(): Promise<GroupSummary[]> {
    const out = await Promise.all(
      [...this.#known].sort().map(async (groupId) => {
        const entry = this.#entries.get(groupId);
        if (entry?.ref !== undefined) {
          try {
            const idle = await entry.ref.ask<IdleReply>({ type: "isIdle" });
            return { groupId, state: idle.state, members: idle.members };
          } catch (e) {
            logger.warn("Cannot ask group {group} for its state: {error}", {
              group: groupId,
              error: String(e),
            });
          }
        }
        return { groupId, state: "Empty" as const, members: 0 };
      }),
    );
    return out;
  }

  /**
   * `GET /v1/groups/:group`, with lag per committed partition.
   *
   * @throws {WeirError} INVALID_GROUP_ID; GROUP_ID_NOT_FOUND for a group never seen.
   */
  async describeGroup(groupId: string): Promise<GroupDescriptionResponse> {
    validateGroupId(groupId);
    if (!this.#known.has(groupId)) {
      throw new WeirError(
        "GROUP_ID_NOT_FOUND",
        `Cannot describe group ${JSON.stringify(groupId)}: it does not exist`,
      );
    }
    const d = await this.#use(
      groupId,
      (ref) => ref.ask<GroupCoordinatorDescription>({ type: "describe" }),
    );
    const offsets = [];
    for (const o of d.offsets) {
      const highWatermark = await this.#o.highWatermark(o.topic, o.partition);
      if (highWatermark === null) continue;
      offsets.push({
        topic: o.topic,
        partition: o.partition,
        committed: o.offset,
        highWatermark,
        lag: Math.max(0, highWatermark - o.offset),
      });
    }
    return {
      groupId: d.groupId,
      state: d.state,
      epoch: d.epoch,
      members: d.members.map((m) => ({
        memberId: m.memberId,
        ...(m.instanceId === undefined ? {} : { instanceId: m.instanceId }),
        memberEpoch: m.memberEpoch,
        topics: [...m.topics],
        assignment: m.assignment,
      })),
      offsets,
    };
  }

  /**
   * `POST /v1/groups/:group/members`.
   *
   * @throws {WeirError} INVALID_GROUP_ID, INVALID_REQUEST, INVALID_SESSION_TIMEOUT, GROUP_MAX_SIZE_REACHED.
   */
  async joinGroup(groupId: string, request: JoinGroupRequest): Promise<JoinGroupResponse> {
    validateGroupId(groupId);
    const join: JoinRequest = { topics: [...request.topics] };
    if (request.instanceId !== undefined) join.instanceId = request.instanceId;
    if (request.sessionTimeoutMs !== undefined) join.sessionTimeoutMs = request.sessionTimeoutMs;
    if (request.rebalanceTimeoutMs !== undefined) {
      join.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    }
    const reply = await this.#use(
      groupId,
      (ref) => ref.ask<MemberReply>({ type: "join", request: join }),
    );
    await this.#register(groupId);
    return toMemberResponse(reply);
  }

  /**
   * `POST /v1/groups/:group/members/:memberId/heartbeat`.
   *
   * @throws {WeirError} INVALID_GROUP_ID, UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH.
   */
  async heartbeat(
    groupId: string,
    request: HeartbeatRequest & { memberId: string },
  ): Promise<HeartbeatResponse> {
    this.#checkKnown(groupId, "heartbeat");
    const reply = await this.#use(groupId, (ref) =>
      ref.ask<MemberReply>({
        type: "heartbeat",
        memberId: request.memberId,
        request: { memberEpoch: request.memberEpoch, ownedPartitions: request.ownedPartitions },
      }));
    return toMemberResponse(reply);
  }

  /**
   * `DELETE /v1/groups/:group/members/:memberId`.
   *
   * @throws {WeirError} INVALID_GROUP_ID, UNKNOWN_MEMBER_ID.
   */
  async leaveGroup(groupId: string, memberId: string): Promise<void> {
    this.#checkKnown(groupId, "leave");
    await this.#use(groupId, (ref) => ref.ask({ type: "leave", memberId }));
  }

  /**
   * `POST /v1/groups/:group/offsets`: validated, written durably, then applied.
   *
   * @throws {WeirError} INVALID_GROUP_ID, INVALID_REQUEST, UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH,
   *   REBALANCE_IN_PROGRESS, UNKNOWN_TOPIC_OR_PARTITION.
   */
  async commitOffsets(
    groupId: string,
    request: CommitOffsetsRequest,
  ): Promise<GroupOffsetsResponse> {
    if (request.memberId !== undefined) this.#checkKnown(groupId, "commit");
    else validateGroupId(groupId);
    const message: GroupRequest = {
      type: "commitOffsets",
      offsets: request.offsets.map((o) => {
        const entry: CommitEntry = { topic: o.topic, partition: o.partition, offset: o.offset };
        if (o.metadata !== undefined) entry.metadata = o.metadata;
        return entry;
      }),
    };
    if (request.memberId !== undefined) message.memberId = request.memberId;
    if (request.memberEpoch !== undefined) message.memberEpoch = request.memberEpoch;
    const reply = await this.#use(
      groupId,
      (ref) => ref.ask<GroupOffsetsResponse>(message),
    );
    await this.#register(groupId);
    return reply;
  }

  /**
   * `GET /v1/groups/:group/offsets`; an unknown group has none.
   *
   * @throws {WeirError} INVALID_GROUP_ID.
   */
  async fetchOffsets(
    groupId: string,
    options: { topic?: string } = {},
  ): Promise<GroupOffsetsResponse> {
    validateGroupId(groupId);
    if (!this.#known.has(groupId) && !this.#entries.has(groupId)) return { offsets: [] };
    const message: GroupRequest = options.topic === undefined
      ? { type: "fetchOffsets" }
      : { type: "fetchOffsets", topic: options.topic };
    return await this.#use(groupId, (ref) => ref.ask<GroupOffsetsResponse>(message));
  }

  /**
   * Kafka JoinGroup (classic protocol): answered when the rebalance completes
   * (at most the members' rebalance timeout later). Errors come back in the
   * answer (`error`), as Kafka clients expect; a group with HTTP/SDK members
   * answers `INCONSISTENT_GROUP_PROTOCOL`.
   *
   * @throws {WeirError} INVALID_GROUP_ID; COORDINATOR_NOT_AVAILABLE while closing.
   */
  async classicJoin(groupId: string, request: ClassicJoinRequest): Promise<ClassicJoinResponse> {
    validateGroupId(groupId);
    const reply = await this.#use(
      groupId,
      (ref) =>
        ref.ask<ClassicJoinResponse>({ type: "classicJoin", request }, {
          timeoutMs: Math.max(request.rebalanceTimeoutMs, request.sessionTimeoutMs) +
            CLASSIC_ASK_MARGIN_MS,
        }),
    );
    if (reply.error === null) await this.#register(groupId);
    return reply;
  }

  /** Kafka SyncGroup: followers are answered when the leader's assignment arrives. */
  async classicSync(groupId: string, request: ClassicSyncRequest): Promise<ClassicSyncResponse> {
    if (!this.#isKnown(groupId)) {
      return {
        error: "UNKNOWN_MEMBER_ID",
        protocolType: null,
        protocolName: null,
        assignment: new Uint8Array(0),
      };
    }
    return await this.#use(
      groupId,
      (ref) =>
        ref.ask<ClassicSyncResponse>({ type: "classicSync", request }, {
          timeoutMs: CLASSIC_SYNC_TIMEOUT_MS,
        }),
    );
  }

  /** Kafka Heartbeat: the error to answer, or null. */
  async classicHeartbeat(
    groupId: string,
    request: ClassicHeartbeatRequest,
  ): Promise<string | null> {
    if (!this.#isKnown(groupId)) return "UNKNOWN_MEMBER_ID";
    const reply = await this.#use(
      groupId,
      (ref) => ref.ask<{ error: string | null }>({ type: "classicHeartbeat", request }),
    );
    return reply.error;
  }

  /** Kafka LeaveGroup: one error (or null) per member. */
  async classicLeave(groupId: string, memberIds: string[]): Promise<(string | null)[]> {
    if (!this.#isKnown(groupId)) return memberIds.map(() => "UNKNOWN_MEMBER_ID");
    const reply = await this.#use(
      groupId,
      (ref) => ref.ask<{ errors: (string | null)[] }>({ type: "classicLeave", memberIds }),
    );
    return reply.errors;
  }

  /**
   * Kafka OffsetCommit: checks member and generation (generation -1 with no
   * member only while the group has no members), then commits the valid
   * offsets durably, answering per offset.
   *
   * @throws {WeirError} INVALID_GROUP_ID.
   */
  async classicCommit(
    groupId: string,
    request: { memberId: string; generationId: number; offsets: CommitEntry[] },
  ): Promise<ClassicCommitReply> {
    validateGroupId(groupId);
    if (request.memberId !== "" && !this.#isKnown(groupId)) {
      return {
        error: "UNKNOWN_MEMBER_ID",
        results: request.offsets.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          error: "UNKNOWN_MEMBER_ID",
        })),
      };
    }
    const reply = await this.#use(
      groupId,
      (ref) => ref.ask<ClassicCommitReply>({ type: "classicCommit", ...request }),
    );
    if (reply.results.some((r) => r.error === null)) await this.#register(groupId);
    return reply;
  }

  /** Kafka DescribeGroups: the classic view of a group, or null for a group never seen. */
  async classicDescribe(groupId: string): Promise<ClassicDescribeReply | null> {
    if (!this.#isKnown(groupId)) return null;
    return await this.#use(
      groupId,
      (ref) => ref.ask<ClassicDescribeReply>({ type: "classicDescribe" }),
    );
  }

  #isKnown(groupId: string): boolean {
    return this.#known.has(groupId) || this.#entries.has(groupId);
  }

  /** Marks a group as known (cluster mode: its id was registered through another node). */
  know(groupId: string): void {
    this.#known.add(groupId);
  }

  /** Ids of the groups whose coordinator is active here. */
  activeGroups(): string[] {
    return [...this.#entries.keys()];
  }

  /**
   * Stops a group's coordinator now, idle or not (cluster mode: the group
   * moved to another node). Its members must join again; committed offsets
   * stay in the offset store. No-op when it is not active.
   */
  async release(groupId: string): Promise<void> {
    const entry = this.#entries.get(groupId);
    if (entry === undefined) return;
    this.#entries.delete(groupId);
    if (entry.timer !== undefined) this.#o.clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    await entry.ready.catch(() => {});
    const stopping = this.#o.system.stop(GROUP_KIND, groupId).finally(() => {
      if (this.#stopping.get(groupId) === stopping) this.#stopping.delete(groupId);
    });
    this.#stopping.set(groupId, stopping);
    await stopping;
    logger.debug("Released group {group}", { group: groupId });
  }

  /** Tells every active coordinator the topics now (after a create, delete or new partitions). */
  async topicsChanged(): Promise<void> {
    const partitionCounts = this.#o.partitionCounts();
    await Promise.allSettled([...this.#entries.entries()].map(async ([groupId, entry]) => {
      try {
        const ref = await entry.ready;
        await ref.ask({ type: "setTopics", partitionCounts });
      } catch (e) {
        logger.warn("Cannot tell group {group} about topic changes: {error}", {
          group: groupId,
          error: String(e),
        });
      }
    }));
  }

  /** A restarted coordinator came back from its (older) init: tell it the topics now. */
  restarted(groupId: string): void {
    const entry = this.#entries.get(groupId);
    entry?.ref?.tell({ type: "setTopics", partitionCounts: this.#o.partitionCounts() });
  }

  /** Cancels passivation timers (the actor system stops the coordinators). Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    for (const entry of this.#entries.values()) {
      if (entry.timer !== undefined) this.#o.clock.clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    return Promise.resolve();
  }

  /** Same as {@linkcode GroupCoordinators.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Throws UNKNOWN_MEMBER_ID for a group never seen (without activating it). */
  #checkKnown(groupId: string, what: string): void {
    validateGroupId(groupId);
    if (this.#known.has(groupId) || this.#entries.has(groupId)) return;
    throw new WeirError(
      "UNKNOWN_MEMBER_ID",
      `Cannot ${what} in group ${JSON.stringify(groupId)}: the group has no such member`,
    );
  }

  async #register(groupId: string): Promise<void> {
    if (this.#known.has(groupId)) return;
    this.#known.add(groupId);
    try {
      await this.#o.registerGroup(groupId);
    } catch (e) {
      this.#known.delete(groupId);
      throw e;
    }
  }

  async #use<T>(groupId: string, fn: (ref: ActorRef<GroupRequest>) => Promise<T>): Promise<T> {
    if (this.#closed) {
      throw new WeirError(
        "COORDINATOR_NOT_AVAILABLE",
        `Cannot reach the coordinator of group ${JSON.stringify(groupId)}: the node is closing`,
      );
    }
    const entry = this.#activate(groupId);
    entry.inflight++;
    entry.activity++;
    try {
      return await fn(await entry.ready);
    } catch (e) {
      if (e instanceof WeirError && e.code === "ACTOR_STOPPED" && !this.#closed) {
        // Given up after a crash loop, or stopped under us: activate afresh next time.
        if (this.#entries.get(groupId) === entry) this.#entries.delete(groupId);
      }
      throw e;
    } finally {
      entry.inflight--;
      if (this.#entries.get(groupId) === entry) this.#armIdle(groupId, entry);
    }
  }

  #activate(groupId: string): Entry {
    const existing = this.#entries.get(groupId);
    if (existing !== undefined) return existing;
    const ready = (async () => {
      await this.#stopping.get(groupId);
      const counts = Object.keys(this.#o.partitionCounts()).length;
      const offsetsPartition = offsetsPartitionFor(groupId, this.#o.offsetsPartitions);
      await this.#o.ensureOffsetsPartition(offsetsPartition);
      const init: GroupCoordinatorInit = {
        groupId,
        offsetsPartition,
        partitionCounts: this.#o.partitionCounts(),
        limits: { maxSize: this.#o.maxSize },
      };
      await this.#o.system.spawn({ kind: GROUP_KIND, id: groupId, host: this.#o.host, init });
      logger.debug("Activated group {group} ({topics} topics)", { group: groupId, topics: counts });
      return this.#o.system.lookup<GroupRequest>(GROUP_KIND, groupId);
    })();
    const entry: Entry = { ready, ref: undefined, inflight: 0, activity: 0, timer: undefined };
    this.#entries.set(groupId, entry);
    ready.then(
      (ref) => entry.ref = ref,
      () => {
        if (this.#entries.get(groupId) === entry) this.#entries.delete(groupId);
      },
    );
    return entry;
  }

  #armIdle(groupId: string, entry: Entry): void {
    if (this.#closed) return;
    if (entry.timer !== undefined) this.#o.clock.clearTimeout(entry.timer);
    entry.timer = this.#o.clock.setTimeout(() => {
      entry.timer = undefined;
      this.#maybePassivate(groupId, entry).catch((e) =>
        logger.warn("Cannot passivate group {group}: {error}", { group: groupId, error: String(e) })
      );
    }, this.#o.idleMs);
  }

  async #maybePassivate(groupId: string, entry: Entry): Promise<void> {
    if (this.#closed || this.#entries.get(groupId) !== entry) return;
    if (entry.inflight > 0 || entry.ref === undefined) return this.#armIdle(groupId, entry);
    const activity = entry.activity;
    const idle = await entry.ref.ask<IdleReply>({ type: "isIdle" });
    if (this.#closed || this.#entries.get(groupId) !== entry) return;
    if (!idle.idle || entry.inflight > 0 || entry.activity !== activity) {
      return this.#armIdle(groupId, entry);
    }
    this.#entries.delete(groupId);
    const stopping = this.#o.system.stop(GROUP_KIND, groupId).finally(() => {
      if (this.#stopping.get(groupId) === stopping) this.#stopping.delete(groupId);
    });
    this.#stopping.set(groupId, stopping);
    await stopping;
    logger.debug("Passivated idle group {group}", { group: groupId });
  }
}

function toMemberResponse(reply: MemberReply): JoinGroupResponse {
  return {
    memberId: reply.memberId,
    memberEpoch: reply.memberEpoch,
    heartbeatIntervalMs: reply.heartbeatIntervalMs,
    assignment: reply.assignment.map((a) => ({ topic: a.topic, partitions: [...a.partitions] })),
  };
}
