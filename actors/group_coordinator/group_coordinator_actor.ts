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
import { getLogger } from "@logtape/logtape";
import { WeirError } from "../../client/protocol/mod.ts";
import type { ActorContext, ActorLogic, TimerHandle } from "../runtime/mod.ts";
import { GroupState } from "./group_state.ts";
import type {
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
          return this.#state.join(request.request, now, ctx.ids.next());
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
    return { ...this.#state.describe(), offsets: this.#committed(undefined) };
  }

  #idle(): IdleReply {
    const { state, members } = this.#state.describe();
    return { idle: members.length === 0, members: members.length, state };
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
    const due = this.#state.nextExpiry();
    if (due === this.#timerDue) return;
    if (this.#timer !== undefined) ctx.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = due;
    if (due === null) return;
    this.#timer = ctx.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerDue = null;
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
