/**
 * The GroupCoordinatorActor: one consumer group's members, heartbeats,
 * session timeouts, incremental assignment (all in {@linkcode GroupState},
 * which is pure) and its committed offsets, kept durable in the compacted
 * internal topic `__consumer_offsets` through an {@linkcode OffsetStore}.
 *
 * - `start()` replays the group's committed offsets from its offsets
 *   partition (last write wins, tombstones delete). Members are soft state: a
 *   restarted coordinator has none and members rejoin (their heartbeats get
 *   `UNKNOWN_MEMBER_ID`).
 * - Session expiry runs on one `ctx.clock` timer, re-armed from
 *   `GroupState.nextExpiry()` after every message and every expiry.
 * - A commit is validated completely (fencing through `checkCommit`, offsets
 *   integers ≥ 0, metadata ≤ 4096 characters, every partition exists) before
 *   anything is written; then one batch is appended with acks=all; only after
 *   it is durable are the offsets applied and the commit answered. The
 *   mailbox waits for the append, so commits are applied in log order.
 * - When a topic disappears (`setTopics`), its committed offsets are deleted
 *   with tombstones, so a topic re-created under the same name starts fresh.
 *
 * @module
 */
import { getLogger } from "../runtime/mod.ts";
import { WeirError } from "../../client/protocol/mod.ts";
import type { ActorContext, ActorLogic, Deferred, TimerHandle } from "../runtime/mod.ts";
import { GroupState } from "./group_state.ts";
import { ClassicGroupState, type ClassicReply } from "./classic_group_state.ts";
import { decodeAssignment, decodeSubscriptionTopics } from "./classic_consumer_protocol.ts";
import type {
  ClassicCommitReply,
  ClassicDescribeReply,
  CommitEntry,
  CommittedEntry,
  GroupCoordinatorDescription,
  GroupCoordinatorInit,
  GroupRequest,
  IdleReply,
} from "./messages.ts";
import {
  type OffsetsPartitionRequest,
  type OffsetStore,
  PartitionOffsetStore,
} from "./offset_store.ts";
import {
  applyOffsetEntries,
  type OffsetEntry,
  type OffsetMap,
  OFFSETS_TOPIC,
} from "./offsets_codec.ts";

const logger = getLogger(["weir", "group"]);

/** Longest commit metadata (Kafka's `offset.metadata.max.bytes` default). */
export const MAX_OFFSET_METADATA = 4096;

/** Options of {@linkcode GroupCoordinatorActor}. */
export interface GroupCoordinatorOptions {
  /** Where offsets live (default: the group's `__consumer_offsets` partition actor). */
  offsetStore?: OffsetStore;
}

/** Logic of one consumer group's coordinator. */
export class GroupCoordinatorActor implements ActorLogic {
  readonly #init: GroupCoordinatorInit;
  readonly #state: GroupState;
  /** Kafka-client members (JoinGroup/SyncGroup); a group has members of one kind at a time. */
  readonly #classic: ClassicGroupState;
  /** Parked classic joins and syncs by waiter number. */
  readonly #waiters = new Map<number, Deferred<unknown>>();
  #nextWaiter = 1;
  #store: OffsetStore | undefined;
  #offsets: OffsetMap = new Map();
  #partitionCounts: Record<string, number>;
  #timer: TimerHandle | undefined;
  #timerDue: number | null = null;

  /**
   * Creates the logic; offsets are loaded in `start`.
   *
   * @param init The group and its offsets partition.
   * @param options An offset store for tests.
   */
  constructor(init: GroupCoordinatorInit, options: GroupCoordinatorOptions = {}) {
    this.#init = init;
    this.#state = new GroupState(init.groupId, init.limits);
    this.#classic = new ClassicGroupState(init.groupId, init.limits);
    this.#store = options.offsetStore;
    this.#partitionCounts = { ...init.partitionCounts };
  }

  /** Loads the group's committed offsets. */
  async start(ctx: ActorContext): Promise<void> {
    this.#store ??= new PartitionOffsetStore(
      ctx.lookup<OffsetsPartitionRequest>(
        "partition",
        `${OFFSETS_TOPIC}-${this.#init.offsetsPartition}`,
      ),
      { now: () => ctx.clock.now() },
    );
    this.#offsets = await this.#store.load(this.#init.groupId);
    this.#state.setTopics(this.#partitionCounts, ctx.clock.now());
  }

  /** Cancels the expiry timer. */
  stop(ctx: ActorContext): void {
    this.#settle(this.#classic.shutdown());
    if (this.#timer !== undefined) ctx.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = null;
  }

  /** Handles one request. */
  receive(message: unknown, ctx: ActorContext): unknown {
    const request = message as GroupRequest;
    const now = ctx.clock.now();
    try {
      switch (request.type) {
        case "join":
          if (this.#classic.size > 0) {
            throw new WeirError(
              "INCONSISTENT_GROUP_PROTOCOL",
              `Cannot join group ${
                JSON.stringify(this.#init.groupId)
              }: it has Kafka-client (classic protocol) members; use another group id`,
            );
          }
          return this.#state.join(request.request, now, ctx.ids.next());
        case "classicJoin":
          return this.#classicJoin(request.request, ctx);
        case "classicSync": {
          const waiter = this.#nextWaiter++;
          return this.#park(waiter, this.#classic.sync(request.request, { now, waiter }), ctx);
        }
        case "classicHeartbeat":
          return { error: this.#classic.heartbeat(request.request, now) };
        case "classicLeave": {
          const { errors, replies } = this.#classic.leave(request.memberIds, now);
          this.#settle(replies);
          return { errors };
        }
        case "classicCommit":
          return this.#classicCommit(request, ctx);
        case "classicDescribe":
          return this.#classicDescribe();
        case "heartbeat":
          return this.#state.heartbeat(request.memberId, request.request, now);
        case "leave":
          this.#state.leave(request.memberId, now);
          return null;
        case "commitOffsets":
          return this.#commit(request, ctx);
        case "fetchOffsets":
          return { offsets: this.#committed(request.topic) };
        case "describe":
          return this.#describe();
        case "setTopics":
          return this.#setTopics(request.partitionCounts, ctx);
        case "isIdle":
          return this.#idle();
        default:
          throw new WeirError(
            "INVALID_REQUEST",
            `Cannot handle group message: unknown type ${
              JSON.stringify((request as { type?: unknown }).type)
            }`,
          );
      }
    } finally {
      this.#arm(ctx);
    }
  }

  #describe(): GroupCoordinatorDescription {
    if (this.#classic.size > 0) {
      const d = this.#classic.describe();
      const consumer = d.protocolType === "consumer";
      return {
        groupId: this.#init.groupId,
        state: d.state,
        epoch: d.generationId,
        members: d.members.map((m) => ({
          memberId: m.memberId,
          ...(m.instanceId === null ? {} : { instanceId: m.instanceId }),
          memberEpoch: d.generationId,
          topics: consumer ? decodeSubscriptionTopics(m.metadata) : [],
          assignment: consumer ? decodeAssignment(m.assignment) : [],
        })),
        offsets: this.#committed(undefined),
      };
    }
    return { ...this.#state.describe(), offsets: this.#committed(undefined) };
  }

  #idle(): IdleReply {
    if (this.#classic.size > 0) {
      const members = this.#classic.describe().members.length;
      return { idle: false, members, state: this.#classic.state, kind: "classic" };
    }
    const { state, members } = this.#state.describe();
    return { idle: members.length === 0, members: members.length, state };
  }

  #classicJoin(
    request: Extract<GroupRequest, { type: "classicJoin" }>["request"],
    ctx: ActorContext,
  ): unknown {
    const waiter = this.#nextWaiter++;
    if (this.#state.size > 0) {
      return {
        error: "INCONSISTENT_GROUP_PROTOCOL",
        generationId: -1,
        protocolType: null,
        protocolName: null,
        leader: "",
        memberId: request.memberId,
        members: [],
      };
    }
    const newMemberId = `${request.clientId || "member"}-${ctx.ids.next()}`;
    const replies = this.#classic.join(request, { now: ctx.clock.now(), waiter, newMemberId });
    return this.#park(waiter, replies, ctx);
  }

  /** Answers due replies; returns this request's own reply, or parks it. */
  #park(waiter: number, replies: ClassicReply[], ctx: ActorContext): unknown {
    const own = replies.find((r) => r.waiter === waiter);
    this.#settle(replies.filter((r) => r.waiter !== waiter));
    if (own !== undefined) return own.response;
    const deferred = ctx.defer<unknown>();
    this.#waiters.set(waiter, deferred);
    return deferred;
  }

  #settle(replies: ClassicReply[]): void {
    for (const r of replies) {
      const deferred = this.#waiters.get(r.waiter);
      if (deferred === undefined) continue;
      this.#waiters.delete(r.waiter);
      deferred.resolve(r.response);
    }
  }

  async #classicCommit(
    request: Extract<GroupRequest, { type: "classicCommit" }>,
    ctx: ActorContext,
  ): Promise<ClassicCommitReply> {
    const now = ctx.clock.now();
    const refuse = (error: string): ClassicCommitReply => ({
      error,
      results: request.offsets.map((o) => ({ topic: o.topic, partition: o.partition, error })),
    });
    if (this.#state.size > 0) {
      return refuse(request.memberId === "" ? "REBALANCE_IN_PROGRESS" : "UNKNOWN_MEMBER_ID");
    }
    const fenced = this.#classic.checkCommit(request, now);
    if (fenced !== null) return refuse(fenced);
    const results: ClassicCommitReply["results"] = [];
    const entries: OffsetEntry[] = [];
    for (const o of request.offsets) {
      try {
        entries.push(this.#validateCommit(o, now));
        results.push({ topic: o.topic, partition: o.partition, error: null });
      } catch (e) {
        const code = e instanceof WeirError ? e.code : "UNKNOWN_SERVER_ERROR";
        results.push({ topic: o.topic, partition: o.partition, error: code });
      }
    }
    if (entries.length > 0) {
      try {
        await this.#store!.append(this.#init.groupId, entries);
      } catch (e) {
        const code = e instanceof WeirError ? e.code : "UNKNOWN_SERVER_ERROR";
        return refuse(code);
      }
      applyOffsetEntries(this.#offsets, entries);
    }
    return { error: null, results };
  }

  #classicDescribe(): ClassicDescribeReply {
    return {
      ...this.#classic.describe(),
      kind: this.#state.size > 0 ? "consumer" : "classic",
    };
  }

  #committed(topic: string | undefined): CommittedEntry[] {
    const out: CommittedEntry[] = [];
    for (const { topic: t, partition, value } of this.#offsets.values()) {
      if (topic !== undefined && t !== topic) continue;
      out.push({ topic: t, partition, offset: value.offset, metadata: value.metadata });
    }
    return out.sort((a, b) =>
      a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition
    );
  }

  async #commit(
    request: Extract<GroupRequest, { type: "commitOffsets" }>,
    ctx: ActorContext,
  ): Promise<{ offsets: CommittedEntry[] }> {
    if (this.#classic.size > 0) {
      throw new WeirError(
        request.memberId === undefined ? "REBALANCE_IN_PROGRESS" : "UNKNOWN_MEMBER_ID",
        `Cannot commit offsets to group ${
          JSON.stringify(this.#init.groupId)
        }: it has Kafka-client (classic protocol) members`,
      );
    }
    this.#state.checkCommit(request.memberId, request.memberEpoch);
    const now = ctx.clock.now();
    const entries = request.offsets.map((o) => this.#validateCommit(o, now));
    if (entries.length === 0) return { offsets: [] };
    await this.#store!.append(this.#init.groupId, entries);
    applyOffsetEntries(this.#offsets, entries);
    return {
      offsets: entries.map((e) => ({
        topic: e.topic,
        partition: e.partition,
        offset: e.value!.offset,
        metadata: e.value!.metadata,
      })),
    };
  }

  #validateCommit(o: CommitEntry, now: number): OffsetEntry {
    const where = `${JSON.stringify(o.topic)} partition ${o.partition}`;
    if (!Number.isSafeInteger(o.offset) || o.offset < 0) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot commit offset ${o.offset} for ${where}: offsets are integers ≥ 0`,
      );
    }
    const metadata = o.metadata ?? "";
    if (metadata.length > MAX_OFFSET_METADATA) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot commit an offset for ${where}: metadata is longer than ${MAX_OFFSET_METADATA} characters`,
      );
    }
    const count = Object.hasOwn(this.#partitionCounts, o.topic)
      ? this.#partitionCounts[o.topic]
      : undefined;
    if (count === undefined) {
      throw new WeirError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `Cannot commit an offset for ${where}: the topic does not exist`,
      );
    }
    if (!Number.isSafeInteger(o.partition) || o.partition < 0 || o.partition >= count) {
      throw new WeirError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `Cannot commit an offset for ${where}: the topic has ${count} partition(s)`,
      );
    }
    return {
      topic: o.topic,
      partition: o.partition,
      value: { offset: o.offset, metadata, commitTimestamp: now },
    };
  }

  async #setTopics(counts: Record<string, number>, ctx: ActorContext): Promise<null> {
    const previous = this.#partitionCounts;
    this.#partitionCounts = { ...counts };
    this.#state.setTopics(this.#partitionCounts, ctx.clock.now());
    const gone: OffsetEntry[] = [];
    for (const { topic, partition, value } of this.#offsets.values()) {
      const stillThere = Object.hasOwn(counts, topic) && partition < counts[topic]!;
      if (!stillThere && Object.hasOwn(previous, topic)) gone.push({ topic, partition, value });
    }
    if (gone.length === 0) return null;
    const tombstones = gone.map((e) => ({ topic: e.topic, partition: e.partition, value: null }));
    try {
      await this.#store!.append(this.#init.groupId, tombstones);
      applyOffsetEntries(this.#offsets, tombstones);
    } catch (error) {
      logger.warn("Cannot delete the offsets of removed topics of group {group}: {error}", {
        group: this.#init.groupId,
        error: String(error),
      });
    }
    return null;
  }

  /** Re-arms the session-expiry timer at the earliest expiry. */
  #arm(ctx: ActorContext): void {
    const consumerDue = this.#state.nextExpiry();
    const classicDue = this.#classic.nextDeadline();
    const due = consumerDue === null
      ? classicDue
      : classicDue === null
      ? consumerDue
      : Math.min(consumerDue, classicDue);
    if (due === this.#timerDue) return;
    if (this.#timer !== undefined) ctx.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = due;
    if (due === null) return;
    this.#timer = ctx.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerDue = null;
      this.#settle(this.#classic.tick(ctx.clock.now()));
      const expired = this.#state.expire(ctx.clock.now());
      if (expired.length > 0) {
        logger.info("Group {group}: sessions of {members} expired", {
          group: this.#init.groupId,
          members: expired.join(", "),
        });
      }
      this.#arm(ctx);
    }, Math.max(0, due - ctx.clock.now()));
  }
}
