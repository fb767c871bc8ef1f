/**
 * {@linkcode NodeGroups}: a cluster node's share of the consumer groups.
 *
 * - Placement: the coordinator of a group runs on
 *   `coordinatorNode(groupId, live nodes)` (`group_placement.ts`).
 * - Serving: the node's own coordinators (`GroupCoordinators`, offsets in KV)
 *   behind `groups/node@<me>`, which answers `NOT_COORDINATOR` for a group
 *   placed elsewhere (after re-reading the live nodes once).
 * - Forwarding: {@linkcode NodeGroups.ask} sends a call to the group's node
 *   and, on `NOT_COORDINATOR` or an unreachable node, re-reads the live nodes
 *   and tries again, within `8 × heartbeat` (a killed node leaves the view
 *   after 3 heartbeats, and placement keeps a node that went missing from the
 *   view for 2 more, so one membership read missing a node moves nothing).
 * - Moving: every heartbeat, coordinators of groups no longer placed here are
 *   stopped (their members get `UNKNOWN_MEMBER_ID` from the new node and
 *   join again; committed offsets are in KV).
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { ActorSystem, Clock, TimerHandle } from "../../actors/runtime/mod.ts";
import { type GroupSummary, WeirError } from "../../client/protocol/mod.ts";
import { GroupCoordinators } from "../groups.ts";
import { Ticker } from "./_ticker.ts";
import {
  groupOfRequest,
  groupsActor,
  groupsAddress,
  type GroupsMethod,
  type GroupsRequest,
} from "./cluster_groups.ts";
import { coordinatorNode } from "./group_placement.ts";
import type { KvOffsetStore } from "./kv_offset_store.ts";

const logger = getLogger(["weir", "broker", "cluster", "groups"]);

/** Codes after which a forwarded group call is tried again (nothing was done). */
const RETRY = new Set([
  "NOT_COORDINATOR",
  "COORDINATOR_NOT_AVAILABLE",
  "ACTOR_STOPPED",
  "ACTOR_RESTARTED",
  "NETWORK_EXCEPTION",
]);
/** A node missing from the membership view still gets its groups for this many heartbeats. */
const SEEN_GRACE_HEARTBEATS = 2;
/** Forwarded calls retry for this many heartbeats (a killed node leaves the view after 3, + grace). */
const RETRY_HEARTBEATS = 8;
/** Deadline of one forwarded call (ms). */
const ASK_TIMEOUT_MS = 30_000;

/** What {@linkcode NodeGroups} needs from its node. */
export interface NodeGroupsOptions {
  /** The node's actor system (kind `group` defined, NATS transport). */
  readonly system: ActorSystem;
  /** This node's id. */
  readonly nodeId: number;
  /** Timers (moves, retry backoff, passivation). */
  readonly clock: Clock;
  /** Cluster heartbeat (ms): how often moved groups are released; retries last 8 of them. */
  readonly heartbeatMs: number;
  /** Passivate a coordinator idle this long (ms). */
  readonly idleMs: number;
  /** `group.max.size`. */
  readonly maxSize: number;
  /** Committed offsets and known group ids (KV). */
  readonly offsets: KvOffsetStore;
  /** Live node ids as last read. */
  readonly liveNodes: () => Iterable<number>;
  /** Re-reads the live nodes. */
  readonly refreshLiveNodes: () => Promise<unknown>;
  /** Partition counts of the (non-internal) topics that exist now. */
  readonly partitionCounts: () => Record<string, number>;
  /** High watermark of a partition, or null when it does not exist. */
  readonly highWatermark: (topic: string, partition: number) => Promise<number | null>;
}

/** A node's group coordinators, the forwarding of group calls, and the moves. */
export class NodeGroups implements AsyncDisposable {
  readonly #o: NodeGroupsOptions;
  readonly #coordinators: GroupCoordinators;
  readonly #learned = new Set<string>();
  /** Node id → when it was last seen live (ms). */
  readonly #seen = new Map<number, number>();
  readonly #sleeps = new Set<{ timer: TimerHandle; wake: () => void }>();
  #ticker: Ticker | undefined;
  #closing: Promise<void> | null = null;

  private constructor(options: NodeGroupsOptions, coordinators: GroupCoordinators) {
    this.#o = options;
    this.#coordinators = coordinators;
  }

  /**
   * Creates the coordinators, spawns `groups/node@<me>` and starts releasing
   * groups that move away.
   *
   * @param options the node's parts this needs
   * @returns the running share
   */
  static async start(options: NodeGroupsOptions): Promise<NodeGroups> {
    const { offsets } = options;
    const coordinators = new GroupCoordinators({
      system: options.system,
      host: "inline",
      clock: options.clock,
      idleMs: options.idleMs,
      maxSize: options.maxSize,
      offsetsPartitions: 1,
      knownGroups: await offsets.groups(),
      registerGroup: (groupId) => offsets.register(groupId),
      partitionCounts: options.partitionCounts,
      ensureOffsetsPartition: () => Promise.resolve(),
      highWatermark: options.highWatermark,
    });
    const groups = new NodeGroups(options, coordinators);
    const address = groupsAddress(options.nodeId);
    await options.system.spawn({
      ...address,
      host: { inline: groupsActor(coordinators, (request) => groups.#admit(request)) },
      init: undefined,
    });
    groups.#ticker = new Ticker(options.clock, {
      periodMs: options.heartbeatMs,
      step: () => groups.releaseMoved(),
    });
    return groups;
  }

  /** This node's coordinators. */
  get coordinators(): GroupCoordinators {
    return this.#coordinators;
  }

  /**
   * The node that coordinates `groupId` in this node's view of the live nodes.
   *
   * @param groupId the group id
   * @returns its node id, or null when no node is live
   */
  coordinatorOf(groupId: string): number | null {
    return coordinatorNode(groupId, this.#placementNodes());
  }

  /**
   * Sends one group call to the group's node (this one included) and returns
   * its answer; `listGroups` asks every live node and merges. Retries
   * `NOT_COORDINATOR` and unreachable nodes with a fresh view, for at most
   * 8 heartbeats.
   *
   * @param method the `GroupCoordinators` method
   * @param args its arguments
   * @returns the method's answer
   * @throws {WeirError} the coordinator's error, or the last retriable one when time is up
   */
  async ask<T>(method: GroupsMethod, args: unknown[]): Promise<T> {
    const request: GroupsRequest = { method, args };
    if (method === "listGroups") return await this.#listGroups() as T;
    const groupId = groupOfRequest(request)!;
    const deadline = this.#o.clock.now() + RETRY_HEARTBEATS * this.#o.heartbeatMs;
    for (let attempt = 1;; attempt++) {
      const owner = this.coordinatorOf(groupId);
      try {
        if (owner === null) {
          throw new WeirError(
            "COORDINATOR_NOT_AVAILABLE",
            `Cannot reach the coordinator of group ${JSON.stringify(groupId)}: no live node`,
          );
        }
        return await this.#o.system.lookup(groupsAddress(owner).kind, groupsAddress(owner).id)
          .ask<T>(request, { timeoutMs: ASK_TIMEOUT_MS });
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (
          typeof code !== "string" || !RETRY.has(code) || this.#closing !== null ||
          this.#o.clock.now() >= deadline
        ) throw e;
        logger.debug("Retrying {method} of group {group} after {code} from node {owner}", {
          method,
          group: groupId,
          code,
          owner,
        });
        await this.#o.refreshLiveNodes();
        if (this.coordinatorOf(groupId) === owner) {
          await this.#sleep(Math.min(this.#o.heartbeatMs / 2, 25 * 2 ** attempt));
        }
      }
    }
  }

  /**
   * Stops the coordinators of groups no longer placed on this node (runs
   * every heartbeat; tests may call it).
   */
  async releaseMoved(): Promise<void> {
    const live = this.#placementNodes();
    for (const groupId of this.#coordinators.activeGroups()) {
      const owner = coordinatorNode(groupId, live);
      if (owner === this.#o.nodeId) continue;
      logger.info("Group {group} moved to node {owner}: stopping its coordinator here", {
        group: groupId,
        owner,
      });
      try {
        await this.#coordinators.release(groupId);
      } catch (e) {
        logger.warn("Cannot stop the coordinator of group {group}: {error}", {
          group: groupId,
          error: String(e),
        });
      }
    }
  }

  /** Stops moving groups, wakes retries (they fail), stops the front door. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const s of this.#sleeps) {
        this.#o.clock.clearTimeout(s.timer);
        s.wake();
      }
      this.#sleeps.clear();
      await this.#ticker?.close();
      const address = groupsAddress(this.#o.nodeId);
      await this.#o.system.stop(address.kind, address.id).catch(() => {});
      await this.#coordinators.close();
    })();
    return this.#closing;
  }

  /** Same as {@linkcode NodeGroups.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Lets a request in when its group is placed here (view re-read once), else NOT_COORDINATOR. */
  async #admit(request: GroupsRequest): Promise<void> {
    const groupId = groupOfRequest(request);
    if (groupId === null) return;
    let owner = this.coordinatorOf(groupId);
    if (owner !== this.#o.nodeId) {
      await this.#o.refreshLiveNodes();
      owner = this.coordinatorOf(groupId);
    }
    if (owner !== this.#o.nodeId) {
      throw new WeirError(
        "NOT_COORDINATOR",
        `Cannot serve group ${JSON.stringify(groupId)} on node ${this.#o.nodeId}: ` +
          `it is placed on node ${owner ?? "none"}`,
      );
    }
    // A group registered through another node (before it moved here) is known from KV.
    if (!this.#learned.has(groupId) && !this.#coordinators.isActive(groupId)) {
      if (await this.#o.offsets.exists(groupId)) {
        this.#learned.add(groupId);
        this.#coordinators.know(groupId);
      }
    }
  }

  /** Every known group (KV), with the state its coordinator's node reports. */
  async #listGroups(): Promise<GroupSummary[]> {
    const live = this.#placementNodes();
    const [known, answers] = await Promise.all([
      this.#o.offsets.groups(),
      Promise.all(live.map(async (node) => {
        const address = groupsAddress(node);
        try {
          return await this.#o.system.lookup(address.kind, address.id).ask<GroupSummary[]>(
            { method: "listGroups", args: [] } satisfies GroupsRequest,
            { timeoutMs: ASK_TIMEOUT_MS },
          );
        } catch (e) {
          logger.warn("Cannot list the groups of node {node}: {error}", {
            node,
            error: String(e),
          });
          return [];
        }
      })),
    ]);
    const reported = new Map<string, GroupSummary>();
    live.forEach((node, i) => {
      for (const s of answers[i]!) {
        if (coordinatorNode(s.groupId, live) === node) reported.set(s.groupId, s);
      }
    });
    const ids = [...new Set([...known, ...reported.keys()])].sort();
    return ids.map((groupId) => reported.get(groupId) ?? { groupId, state: "Empty", members: 0 });
  }

  /**
   * The nodes groups are placed on: this node (while it serves) plus every
   * node seen live within the last {@linkcode SEEN_GRACE_HEARTBEATS}
   * heartbeats, so one membership read that misses a node (a key renewed
   * while it was listed) does not move that node's groups back and forth.
   */
  #placementNodes(): number[] {
    const now = this.#o.clock.now();
    for (const id of this.#o.liveNodes()) this.#seen.set(id, now);
    if (this.#closing === null) this.#seen.set(this.#o.nodeId, now);
    const graceMs = SEEN_GRACE_HEARTBEATS * this.#o.heartbeatMs;
    const out: number[] = [];
    for (const [id, at] of this.#seen) {
      if (now - at <= graceMs) out.push(id);
      else this.#seen.delete(id);
    }
    return out.sort((a, b) => a - b);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const s = {
        timer: this.#o.clock.setTimeout(() => {
          this.#sleeps.delete(s);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.#sleeps.add(s);
    });
  }
}
