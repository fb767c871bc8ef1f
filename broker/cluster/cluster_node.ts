/**
 * A broker node in cluster mode (`--nats` set): the {@linkcode EdgeBackend}
 * the HTTP edge serves, over an actor system whose transport is NATS.
 *
 * - Membership: `nodes.<id>` in the membership bucket, renewed every
 *   heartbeat (`membership.ts`).
 * - Controller: whoever holds the lease (`controller_lease.ts`) runs the
 *   {@linkcode Controller} as the inline actor `controller/0` and serves it
 *   on its singleton subject; it also runs failover every heartbeat.
 * - Reconcile: every node watches the metadata bucket and, for each
 *   partition it holds a replica of, spawns the actor
 *   `partition/<topic>-<p>@<me>` (data in `<data-dir>/<topic>-<p>`), sends
 *   `becomeLeader` / `becomeFollower` when the leader or its epoch changes,
 *   `configure` when configs change, and stops (and on deletion removes) the
 *   replicas of deleted topics.
 * - Requests: topic admin asks the controller (over NATS unless local);
 *   produce / fetch / list offsets ask the partition leader's replica (local
 *   or over NATS). `NOT_LEADER_OR_FOLLOWER` and `ACTOR_STOPPED` (a leader
 *   not there yet or gone) are retried a bounded number of times, each after
 *   the next metadata change or one heartbeat. Reads also retry the other
 *   retriable codes; appends do not (they may have been applied).
 * - Restart: before joining the membership a node notes the partitions the
 *   metadata says it leads (its previous incarnation's), never leads them at
 *   those epochs, and asks the controller to `rejoin` (new epoch, usually
 *   another ISR member leads; see `planRejoin`).
 * - Consumer groups: a group's coordinator runs on the node its id hashes to
 *   over the live nodes and moves when that node leaves; committed offsets
 *   live in KV (`node_groups.ts`). Any node forwards a group request to
 *   `groups/node@<owner>`.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { NatsConnection } from "@nats-io/transport-node";
import { type ActorRef, ActorSystem, type Clock, systemClock } from "../../actors/runtime/mod.ts";
import {
  type AppendReply,
  type FetchReply,
  type OffsetsReply,
  PARTITION_WORKER_URL,
  PartitionActor,
  type PartitionInit,
  type PartitionRequest,
  type PartitionStatus,
} from "../../actors/partition/mod.ts";
import {
  type BatchProduceResponse,
  type ClusterInfo,
  type CommitOffsetsRequest,
  type ConfigInput,
  type CreateTopicRequest,
  defaultTopicConfigs,
  type GroupDescriptionResponse,
  type GroupOffsetsResponse,
  type GroupSummary,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type InitProducerResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type OffsetsResponse,
  type TopicDescription,
  type TopicSummary,
  WeirError,
} from "../../client/protocol/mod.ts";
import {
  GroupCoordinatorActor,
  type GroupCoordinatorInit,
} from "../../actors/group_coordinator/mod.ts";
import type { BrokerConfig } from "../config.ts";
import { GROUP_KIND, GroupCoordinators } from "../groups.ts";
import type {
  AppendBatchesOptions,
  EdgeBackend,
  FetchBatchesOptions,
  FetchBatchesResult,
} from "../http/backend.ts";
import type { MetricsSnapshot, MetricsSource } from "../metrics/mod.ts";
import { NatsTransport } from "../transport/nats.ts";
import { type ClusterBuckets, type NodeInfo, openClusterBuckets } from "./buckets.ts";
import { type ClusterTopic, NO_LEADER } from "./cluster_topic.ts";
import { connectToCluster } from "./connection.ts";
import { Controller, controllerActor } from "./controller.ts";
import { ControllerLease } from "./controller_lease.ts";
import { CONTROLLER, type ControllerRequest, type RejoinRequest } from "./controller_messages.ts";
import { Membership } from "./membership.ts";
import { RemoteGroups } from "./remote_groups.ts";
import { MetadataStore } from "./metadata_store.ts";
import { MetadataFollower } from "./metadata_follower.ts";
import { Ticker } from "./_ticker.ts";
import type { GroupsMethod } from "./cluster_groups.ts";
import { NodeGroups } from "./node_groups.ts";
import { KvOffsetStore } from "./kv_offset_store.ts";

const logger = getLogger(["weir", "cluster", "node"]);
const PARTITION = "partition";
/** Attempts of a request that meets a missing or moved leader. */
const MAX_ATTEMPTS = 8;
/** Every this many heartbeats a node re-lists the metadata (a change its watch missed is applied). */
const RELIST_EVERY_HEARTBEATS = 5;
/** Codes after which an append may be retried: the append surely did not happen. */
const APPEND_RETRY = new Set(["NOT_LEADER_OR_FOLLOWER", "ACTOR_STOPPED"]);
/** Codes after which a read or an admin request is retried. */
const READ_RETRY = new Set([
  "NOT_LEADER_OR_FOLLOWER",
  "ACTOR_STOPPED",
  "ACTOR_RESTARTED",
  "NETWORK_EXCEPTION",
  "COORDINATOR_NOT_AVAILABLE",
  "FENCED_LEADER_EPOCH",
]);

/** Options of {@linkcode ClusterNode.start}. */
export interface ClusterNodeOptions {
  /** Clock of the actor system and the cluster timers. */
  readonly clock?: Clock;
  /**
   * Follow metadata changes with a KV watch (default `true`). With `false`
   * only the re-list every few heartbeats applies them (tests of that path).
   */
  readonly watchMetadata?: boolean;
}

/** Actor id of this node's replica of a partition. */
export function replicaId(topic: string, partition: number, nodeId: number): string {
  return `${topic}-${partition}@${nodeId}`;
}

/** One broker node of a cluster. */
export class ClusterNode implements EdgeBackend, MetricsSource, AsyncDisposable {
  /** Limits the edge enforces. */
  readonly limits: { readonly maxRequestBytes: number };
  readonly #config: BrokerConfig;
  readonly #clock: Clock;
  readonly #nc: NatsConnection;
  readonly #buckets: ClusterBuckets;
  readonly #store: MetadataStore;
  readonly #offsets: KvOffsetStore;
  #groups: GroupCoordinators | undefined;
  #nodeGroups: NodeGroups | undefined;
  readonly #topics = new Map<string, ClusterTopic>();
  /** Last `leader:epoch` told to each local replica. */
  readonly #applied = new Map<string, string>();
  readonly #changeWaiters = new Set<() => void>();
  #system!: ActorSystem;
  #transport!: NatsTransport;
  #membership!: Membership;
  #remoteGroups: RemoteGroups | undefined;
  #lease: ControllerLease | undefined;
  #metadata: MetadataFollower | undefined;
  #resync: Ticker | undefined;
  #resyncSteps = 0;
  #controllerTicker: Ticker | undefined;
  #controllerServed: AsyncDisposable | undefined;
  #reconciling: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | null = null;
  /**
   * Leaderships of a previous incarnation: `<topicId>/<p>` → the epoch this
   * node led at when it started (read before it joined the membership, so
   * nothing newer can be in it). This incarnation never leads those
   * partitions at that epoch or below; the controller's `rejoin` moves them on.
   */
  readonly #staleLeads = new Map<string, number>();
  #rejoining: Promise<void> = Promise.resolve();

  private constructor(
    config: BrokerConfig,
    nc: NatsConnection,
    buckets: ClusterBuckets,
    clock: Clock,
  ) {
    this.#config = config;
    this.#nc = nc;
    this.#buckets = buckets;
    this.#store = new MetadataStore(buckets.meta);
    this.#offsets = new KvOffsetStore(buckets.groups);
    this.#clock = clock;
    this.limits = { maxRequestBytes: config.maxRequestBytes };
  }

  /**
   * Connects to NATS, joins the membership, contends for the controller
   * lease, and reconciles this node's replicas with the stored metadata.
   *
   * @throws {WeirError} `INVALID_CONFIG` without `nats`, `NETWORK_EXCEPTION` when NATS is unreachable
   */
  static async start(config: BrokerConfig, options: ClusterNodeOptions = {}): Promise<ClusterNode> {
    await Deno.mkdir(config.dataDir, { recursive: true });
    const clock = options.clock ?? systemClock;
    const nc = await connectToCluster(config);
    let node: ClusterNode | undefined;
    try {
      const buckets = await openClusterBuckets(nc, {
        clusterId: config.clusterId,
        heartbeatMs: config.clusterHeartbeatMs,
      });
      node = new ClusterNode(config, nc, buckets, clock);
      await node.#init(options.watchMetadata ?? true);
      return node;
    } catch (e) {
      if (node !== undefined) await node.close().catch(() => {});
      else await nc.close().catch(() => {});
      throw e;
    }
  }

  async #init(watchMetadata: boolean): Promise<void> {
    const config = this.#config;
    const makeError = (code: string, message: string) => new WeirError(code, message);
    const system: ActorSystem = new ActorSystem({
      clock: this.#clock,
      makeError,
      kinds: {
        [PARTITION]: {
          worker: PARTITION_WORKER_URL,
          inline: ((init: PartitionInit) => new PartitionActor(init)) as never,
        },
        [GROUP_KIND]: {
          inline: ((init: GroupCoordinatorInit) =>
            new GroupCoordinatorActor(init, { offsetStore: this.#offsets })) as never,
        },
      },
      transport: (local) =>
        this.#transport = new NatsTransport(local, {
          connection: this.#nc,
          clusterId: config.clusterId,
          nodeId: config.nodeId,
          makeError,
          isLocal: (a) =>
            system.has(a.kind, a.id),
        }),
      onActorRestarted: (e) => {
        logger.warn("Actor {kind}/{id} restarted: {message}", {
          kind: e.kind,
          id: e.id,
          message: e.error.message,
        });
        if (e.kind === GROUP_KIND) {
          this.#groups?.restarted(e.id);
          return;
        }
        // A restarted replica lost its role: tell it again at the next reconcile.
        this.#applied.delete(e.id);
        void this.#reconcileAll();
      },
    });
    this.#system = system;
    await this.#transport.ready();
    // Before joining: what this node led as a previous incarnation (no live node is elected).
    const stale: RejoinRequest["stale"] = [];
    for (const { topic } of (await this.#store.list()).values()) {
      for (const [p, a] of topic.assignments.entries()) {
        if (a.leader !== config.nodeId) continue;
        this.#staleLeads.set(`${topic.topicId}/${p}`, a.leaderEpoch);
        stale.push({
          topicId: topic.topicId,
          name: topic.name,
          partition: p,
          leaderEpoch: a.leaderEpoch,
        });
      }
    }
    this.#membership = await Membership.join(this.#buckets.nodes, {
      id: config.nodeId,
      host: config.host,
      port: config.port,
      ...(config.kafkaPort === undefined ? {} : { kafkaPort: config.kafkaPort }),
      startedAt: this.#clock.now(),
    }, { heartbeatMs: config.clusterHeartbeatMs, clock: this.#clock });
    this.#nodeGroups = await this.#startGroups();
    this.#groups = this.#nodeGroups.coordinators;
    // Initial metadata, then follow changes (watch, and a re-list every few heartbeats).
    this.#metadata = await MetadataFollower.start(this.#store, {
      apply: (name, topic) => {
        const run = this.#reconciling.then(() => this.#reconcile(name, topic));
        this.#reconciling = run.catch(() => {});
        return run;
      },
      watch: watchMetadata,
    });
    this.#resync = new Ticker(this.#clock, {
      periodMs: config.clusterHeartbeatMs,
      step: () => this.#resyncStep(),
    });
    this.#lease = await ControllerLease.start(this.#buckets.lease, config.nodeId, {
      heartbeatMs: config.clusterHeartbeatMs,
      clock: this.#clock,
      onAcquired: () => this.#becomeController(),
      onLost: () => this.#stopController(),
    });
    if (stale.length > 0) this.#rejoining = this.#rejoin(stale);
    logger.info("Cluster node {nodeId} joined cluster {cluster} ({topics} topics)", {
      nodeId: config.nodeId,
      cluster: config.clusterId,
      topics: this.#topics.size,
    });
  }

  /** The actor system (tests, metrics). */
  get system(): ActorSystem {
    return this.#system;
  }

  /** This node's id. */
  get nodeId(): number {
    return this.#config.nodeId;
  }

  /** Whether this node is the controller now. */
  get isController(): boolean {
    return this.#lease?.held ?? false;
  }

  /** Ready while not closing. */
  get ready(): boolean {
    return this.#closing === null;
  }

  /** Live nodes as this node last read them (Kafka Metadata brokers), sorted by id. */
  get liveNodes(): readonly NodeInfo[] {
    return this.#membership.live;
  }

  /** The Kafka group calls, answered by each group's coordinator node. */
  get groups(): RemoteGroups {
    return this.#remoteGroups ??= new RemoteGroups((method, args) => this.#askGroups(method, args));
  }

  /** The metadata of a topic as this node last saw it (tests). */
  topicMetadata(name: string): ClusterTopic | undefined {
    return this.#topics.get(name);
  }

  // ---- controller ----------------------------------------------------------------------------

  async #becomeController(): Promise<void> {
    const controller = new Controller({
      store: this.#store,
      liveNodes: () => this.#membership.liveIds(),
      refreshLiveNodes: () => this.#membership.refresh(),
      isActive: () => this.#lease?.held ?? false,
      epoch: () => this.#lease?.epoch ?? 0,
      clock: this.#clock,
      maxPartitionsPerTopic: this.#config.maxPartitionsPerTopic,
      maxTopics: this.#config.maxTopics,
    });
    await this.#system.spawn({
      kind: CONTROLLER.kind,
      id: CONTROLLER.id,
      host: { inline: controllerActor(controller) },
      init: undefined,
    });
    this.#controllerServed = await this.#transport.serve(CONTROLLER);
    this.#controllerTicker = new Ticker(this.#clock, {
      periodMs: this.#config.clusterHeartbeatMs,
      step: async () => {
        try {
          await controller.failover();
        } catch (e) {
          logger.warn("Cannot run failover: {error}", { error: String(e) });
        }
      },
    });
    void this.#controllerTicker.now();
  }

  async #stopController(): Promise<void> {
    const ticker = this.#controllerTicker;
    const served = this.#controllerServed;
    this.#controllerTicker = undefined;
    this.#controllerServed = undefined;
    await served?.[Symbol.asyncDispose]();
    await ticker?.close();
    await this.#system.stop(CONTROLLER.kind, CONTROLLER.id);
  }

  /** Partition counts of every non-internal topic. */
  #partitionCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const topic of this.#topics.values()) {
      if (!topic.internal && !topic.name.startsWith("__")) out[topic.name] = topic.partitions;
    }
    return out;
  }

  /** This node's group coordinators, the forwarding and the moves (`node_groups.ts`). */
  #startGroups(): Promise<NodeGroups> {
    return NodeGroups.start({
      system: this.#system,
      nodeId: this.#config.nodeId,
      clock: this.#clock,
      heartbeatMs: this.#config.clusterHeartbeatMs,
      idleMs: this.#config.groupIdleMs,
      maxSize: this.#config.groupMaxSize,
      offsets: this.#offsets,
      liveNodes: () => this.#membership.liveIds(),
      refreshLiveNodes: () => this.#membership.refresh(),
      partitionCounts: () => this.#partitionCounts(),
      highWatermark: async (topic, partition) => {
        const meta = this.#topics.get(topic);
        if (meta === undefined || partition >= meta.partitions) return null;
        const s = await this.#leader(topic, partition).ask<PartitionStatus>({ type: "status" });
        return s.highWatermark;
      },
    });
  }

  /** The node that coordinates `groupId` in this node's view (Kafka FindCoordinator). */
  groupCoordinatorNode(groupId: string): Promise<number | null> {
    return Promise.resolve(this.#nodeGroups?.coordinatorOf(groupId) ?? null);
  }

  async #askGroups<T>(method: GroupsMethod, args: unknown[]): Promise<T> {
    if (this.#nodeGroups === undefined) {
      throw new WeirError("COORDINATOR_NOT_AVAILABLE", `Cannot ${method}: the node is starting`);
    }
    return await this.#nodeGroups.ask<T>(method, args);
  }

  async #askController<T>(request: ControllerRequest): Promise<T> {
    return await this.#retrying(
      "ask the controller",
      READ_RETRY,
      () =>
        this.#system.lookup(CONTROLLER.kind, CONTROLLER.id).ask<T>(request, {
          timeoutMs: 30_000,
        }),
    );
  }

  // ---- reconcile -----------------------------------------------------------------------------

  /** Every heartbeat: re-tell the replicas their roles; every few, re-list the metadata first. */
  async #resyncStep(): Promise<void> {
    this.#resyncSteps++;
    if (this.#resyncSteps % RELIST_EVERY_HEARTBEATS === 0) {
      await this.#metadata?.resync().catch((e) =>
        logger.warn("Cannot re-list the cluster metadata: {error}", { error: String(e) })
      );
    }
    await this.#reconcileAll();
  }

  #reconcileAll(): Promise<void> {
    const run = this.#reconciling.then(async () => {
      for (const topic of [...this.#topics.values()]) await this.#reconcile(topic.name, topic);
    });
    this.#reconciling = run.catch(() => {});
    return run;
  }

  #partitionInit(topic: ClusterTopic, partition: number): PartitionInit {
    return {
      topic: topic.name,
      partition,
      dir: `${this.#config.dataDir}/${topic.name}-${partition}`,
      configs: topic.configs,
      retentionCheckIntervalMs: this.#config.retentionCheckIntervalMs,
      nodeId: this.#config.nodeId,
      replicaLagTimeMaxMs: this.#config.replicaLagTimeMaxMs,
      // Stay below NATS's default 1 MiB max_payload with the envelope.
      replicaFetchMaxBytes: 512 * 1024,
    };
  }

  async #reconcile(name: string, topic: ClusterTopic | null): Promise<void> {
    if (this.#closing !== null) return;
    const me = this.#config.nodeId;
    const previous = this.#topics.get(name);
    if (topic === null || (previous !== undefined && previous.topicId !== topic.topicId)) {
      if (previous !== undefined) await this.#removeReplicas(previous);
      if (topic === null) {
        this.#topics.delete(name);
        this.#notifyChange();
        void this.#groups?.topicsChanged().catch(() => {});
        return;
      }
    }
    this.#topics.set(name, topic);
    this.#notifyChange();
    if (previous === undefined || previous.partitions !== topic.partitions) {
      void this.#groups?.topicsChanged().catch(() => {});
    }
    const configsChanged = previous !== undefined &&
      JSON.stringify(previous.configs) !== JSON.stringify(topic.configs);
    for (const [p, a] of topic.assignments.entries()) {
      const id = replicaId(name, p, me);
      if (!a.replicas.includes(me)) {
        if (this.#system.has(PARTITION, id)) await this.#system.stop(PARTITION, id);
        continue;
      }
      try {
        if (!this.#system.has(PARTITION, id)) {
          this.#applied.delete(id);
          await this.#system.spawn({
            kind: PARTITION,
            id,
            host: this.#config.actorHost,
            init: this.#partitionInit(topic, p),
          });
        } else if (configsChanged) {
          await this.#system.lookup(PARTITION, id).ask({
            type: "configure",
            configs: topic.configs,
          });
        }
        const key = `${a.leader}:${a.leaderEpoch}`;
        if (this.#applied.get(id) === key || a.leader === NO_LEADER) continue;
        if (a.leader === me && !this.#mayLead(topic.topicId, p, a.leaderEpoch)) continue;
        const ref = this.#system.lookup<PartitionRequest>(PARTITION, id);
        if (a.leader === me) {
          await ref.ask({
            type: "becomeLeader",
            leaderEpoch: a.leaderEpoch,
            replicas: a.replicas,
            isr: a.isr,
          });
        } else {
          await ref.ask({ type: "becomeFollower", leaderEpoch: a.leaderEpoch, leader: a.leader });
        }
        this.#applied.set(id, key);
      } catch (e) {
        logger.warn("Cannot reconcile replica {id}: {error}", { id, error: String(e) });
      }
    }
  }

  /** Whether this incarnation may lead partition `p` of topic `topicId` at `epoch` (see `#staleLeads`). */
  #mayLead(topicId: string, p: number, epoch: number): boolean {
    const stale = this.#staleLeads.get(`${topicId}/${p}`);
    return stale === undefined || epoch > stale;
  }

  /**
   * Asks the controller to take this new incarnation back (`rejoin`): the
   * partitions it led before a restart get a new leader or a new epoch, so a
   * restarted leader never resumes an epoch whose tail it may have lost.
   * Retried at every metadata change or heartbeat until a controller answers.
   */
  async #rejoin(stale: RejoinRequest["stale"]): Promise<void> {
    while (this.#closing === null) {
      try {
        await this.#system.lookup(CONTROLLER.kind, CONTROLLER.id).ask(
          { type: "rejoin", nodeId: this.#config.nodeId, stale } satisfies ControllerRequest,
          { timeoutMs: 10_000 },
        );
        return;
      } catch (e) {
        logger.debug("Cannot rejoin yet: {error}", { error: String(e) });
        await this.#nextChange();
      }
    }
  }

  async #removeReplicas(topic: ClusterTopic): Promise<void> {
    const me = this.#config.nodeId;
    for (let p = 0; p < topic.partitions; p++) {
      const id = replicaId(topic.name, p, me);
      this.#applied.delete(id);
      if (!this.#system.has(PARTITION, id)) continue;
      try {
        await this.#system.lookup(PARTITION, id).ask({ type: "delete" });
      } catch (e) {
        logger.warn("Cannot delete the data of {id}: {error}", { id, error: String(e) });
      }
      await this.#system.stop(PARTITION, id);
      await Deno.remove(`${this.#config.dataDir}/${topic.name}-${p}`, { recursive: true })
        .catch(() => {});
    }
  }

  #notifyChange(): void {
    const waiters = [...this.#changeWaiters];
    this.#changeWaiters.clear();
    for (const w of waiters) w();
  }

  /** Resolves at the next metadata change seen here, or after one heartbeat. */
  #nextChange(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#clock.clearTimeout(timer);
        this.#changeWaiters.delete(done);
        resolve();
      };
      const timer = this.#clock.setTimeout(done, this.#config.clusterHeartbeatMs);
      this.#changeWaiters.add(done);
    });
  }

  async #until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = this.#clock.now() + timeoutMs;
    while (!check()) {
      if (this.#clock.now() > deadline) {
        throw new WeirError("REQUEST_TIMED_OUT", `Cannot ${what}: not seen within ${timeoutMs} ms`);
      }
      await this.#nextChange();
    }
  }

  async #retrying<T>(what: string, retry: ReadonlySet<string>, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1;; attempt++) {
      try {
        return await fn();
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (attempt >= MAX_ATTEMPTS || typeof code !== "string" || !retry.has(code)) throw e;
        if (this.#closing !== null) throw e;
        logger.debug("Retrying {what} after {code} (attempt {attempt})", { what, code, attempt });
        await this.#nextChange();
      }
    }
  }

  // ---- topics --------------------------------------------------------------------------------

  #topic(name: string): ClusterTopic {
    const topic = this.#topics.get(name);
    if (!topic) {
      throw new WeirError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `Cannot find topic ${JSON.stringify(name)}: it does not exist`,
      );
    }
    return topic;
  }

  #leader(topic: string, partition: number): ActorRef<PartitionRequest> {
    const meta = this.#topic(topic);
    const a = Number.isSafeInteger(partition) ? meta.assignments[partition] : undefined;
    if (a === undefined) {
      throw new WeirError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `Cannot find partition ${partition} of topic "${topic}": it has ${meta.partitions} partition(s)`,
      );
    }
    if (a.leader === NO_LEADER) {
      throw new WeirError(
        "NOT_LEADER_OR_FOLLOWER",
        `Cannot reach "${topic}-${partition}": it has no leader (no in-sync replica is alive)`,
      );
    }
    return this.#system.lookup<PartitionRequest>(PARTITION, replicaId(topic, partition, a.leader));
  }

  /** `GET /v1/cluster`: live nodes (membership bucket) and the controller. */
  async cluster(): Promise<ClusterInfo> {
    await this.#membership.refresh();
    return {
      clusterId: this.#config.clusterId,
      controller: this.#lease?.holder ?? -1,
      brokers: this.#membership.live.map((n) => ({ id: n.id, host: n.host, port: n.port })),
    };
  }

  /** `GET /v1/topics`. */
  listTopics(): Promise<TopicSummary[]> {
    return Promise.resolve(
      [...this.#topics.values()]
        .filter((t) => !t.internal && !t.name.startsWith("__"))
        .sort((a, b) => a.name < b.name ? -1 : 1)
        .map((t) => ({
          name: t.name,
          partitions: t.partitions,
          replicationFactor: t.replicationFactor,
        })),
    );
  }

  /** `POST /v1/topics`: the controller creates it; answers once this node sees it and its leaders answer. */
  async createTopic(request: CreateTopicRequest): Promise<TopicDescription> {
    const created = await this.#askController<ClusterTopic>({ type: "createTopic", request });
    await this.#until(
      `see topic "${created.name}"`,
      () => this.#topics.get(created.name)?.topicId === created.topicId,
    );
    return await this.#describe(this.#topic(created.name), { waitForLeaders: true });
  }

  /** `GET /v1/topics/:topic` with leader, replicas and ISR per partition. */
  async describeTopic(name: string): Promise<TopicDescription> {
    return await this.#describe(this.#topic(name), { waitForLeaders: false });
  }

  async #describe(
    topic: ClusterTopic,
    options: { waitForLeaders: boolean },
  ): Promise<TopicDescription> {
    const statuses = await Promise.all(topic.assignments.map(async (_, p) => {
      const ask = () =>
        this.#leader(topic.name, p).ask<PartitionStatus>({ type: "status" }, { timeoutMs: 5_000 });
      try {
        return options.waitForLeaders
          ? await this.#retrying("describe a partition", READ_RETRY, ask)
          : await ask();
      } catch {
        return null;
      }
    }));
    const current = this.#topics.get(topic.name) ?? topic;
    return {
      name: topic.name,
      replicationFactor: topic.replicationFactor,
      configs: { ...defaultTopicConfigs(), ...topic.configs },
      partitions: current.assignments.map((a, partition) => ({
        partition,
        leader: a.leader,
        replicas: [...a.replicas],
        isr: [...a.isr],
        logStartOffset: statuses[partition]?.logStartOffset ?? 0,
        highWatermark: statuses[partition]?.highWatermark ?? 0,
      })),
    };
  }

  /** `PATCH /v1/topics/:topic/configs`. */
  async alterTopicConfigs(
    name: string,
    configs: Record<string, ConfigInput>,
  ): Promise<TopicDescription> {
    this.#topic(name);
    const next = await this.#askController<ClusterTopic>({
      type: "alterTopicConfigs",
      name,
      configs,
    });
    await this.#until(
      `see the configs of "${name}"`,
      () => JSON.stringify(this.#topics.get(name)?.configs) === JSON.stringify(next.configs),
    );
    return await this.#describe(this.#topic(name), { waitForLeaders: false });
  }

  /** `DELETE /v1/topics/:topic`. */
  async deleteTopic(name: string): Promise<void> {
    this.#topic(name);
    await this.#askController({ type: "deleteTopic", name });
    await this.#until(`see topic "${name}" deleted`, () => !this.#topics.has(name));
  }

  /** Partition count and `max.message.bytes`. */
  async produceInfo(
    topic: string,
  ): Promise<{ partitions: number; maxMessageBytes: number; requireKeys: boolean }> {
    if (!this.#topics.has(topic) && this.#config.autoCreateTopics) {
      await this.createTopic({ name: topic, partitions: this.#config.defaultPartitions })
        .catch((e) => {
          if (!(e instanceof WeirError && e.code === "TOPIC_ALREADY_EXISTS")) throw e;
        });
    }
    const meta = this.#topic(topic);
    return {
      partitions: meta.partitions,
      maxMessageBytes: meta.configs["max.message.bytes"] ??
        defaultTopicConfigs()["max.message.bytes"],
      // Compacted topics need keys; checked at the edge so no partition of the request is written.
      requireKeys: (meta.configs["cleanup.policy"] ?? "delete") !== "delete",
    };
  }

  /** Appends to the partition leader (retried on a moved or missing leader). */
  async appendBatches(
    topic: string,
    partition: number,
    batches: Uint8Array,
    options: AppendBatchesOptions,
  ): Promise<BatchProduceResponse> {
    await this.produceInfo(topic);
    const message: PartitionRequest = { type: "append", batches, acks: options.acks };
    if (options.acks === 0) {
      this.#leader(topic, partition).tell(message);
      return { baseOffset: -1, lastOffset: -1 };
    }
    const reply = await this.#retrying(
      `append to "${topic}-${partition}"`,
      APPEND_RETRY,
      () => this.#leader(topic, partition).ask<AppendReply>(message),
    );
    const out: BatchProduceResponse = {
      baseOffset: reply.baseOffset,
      lastOffset: reply.lastOffset,
    };
    if (reply.logAppendTime !== undefined) out.logAppendTime = reply.logAppendTime;
    return out;
  }

  /** Reads from the partition leader; a long-poll is cancelled when `signal` aborts. */
  async fetchBatches(
    topic: string,
    partition: number,
    options: FetchBatchesOptions,
  ): Promise<FetchBatchesResult> {
    this.#leader(topic, partition);
    const aborted = () =>
      new WeirError(
        "REQUEST_ABORTED",
        `Cannot fetch from "${topic}-${partition}": the client went away`,
      );
    if (options.signal?.aborted) throw aborted();
    const fetchId = options.waitMs > 0 ? crypto.randomUUID() : undefined;
    const message: PartitionRequest = {
      type: "fetch",
      offset: options.offset,
      maxBytes: Math.min(options.maxBytes, 768 * 1024),
      maxRecords: options.maxRecords,
      waitMs: options.waitMs,
    };
    if (fetchId) message.fetchId = fetchId;
    let target: ActorRef<PartitionRequest> | undefined;
    const onAbort = () => fetchId && target?.tell({ type: "cancelFetch", fetchId });
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const reply = await this.#retrying(`fetch from "${topic}-${partition}"`, READ_RETRY, () => {
        target = this.#leader(topic, partition);
        return target.ask<FetchReply>(message, { timeoutMs: options.waitMs + 30_000 });
      });
      if (options.signal?.aborted) throw aborted();
      return reply;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Earliest, latest and optionally the offset for a timestamp, from the leader. */
  async listOffsets(
    topic: string,
    partition: number,
    options: { timestamp?: number } = {},
  ): Promise<OffsetsResponse> {
    const message: PartitionRequest = options.timestamp === undefined
      ? { type: "listOffsets" }
      : { type: "listOffsets", timestamp: options.timestamp };
    return await this.#retrying(
      `list offsets of "${topic}-${partition}"`,
      READ_RETRY,
      () => this.#leader(topic, partition).ask<OffsetsReply>(message),
    );
  }

  /** A new producer id (allocated by the controller in KV). */
  async initProducer(): Promise<InitProducerResponse> {
    return await this.#askController<InitProducerResponse>({ type: "initProducer" });
  }

  /** `GET /v1/groups` (from every node's coordinators). */
  listGroups(): Promise<GroupSummary[]> {
    return this.#askGroups("listGroups", []);
  }

  /** `GET /v1/groups/:group`. */
  describeGroup(groupId: string): Promise<GroupDescriptionResponse> {
    return this.#askGroups("describeGroup", [groupId]);
  }

  /** `POST /v1/groups/:group/members`. */
  joinGroup(groupId: string, request: JoinGroupRequest): Promise<JoinGroupResponse> {
    return this.#askGroups("joinGroup", [groupId, request]);
  }

  /** `POST /v1/groups/:group/members/:memberId/heartbeat`. */
  heartbeat(
    groupId: string,
    request: HeartbeatRequest & { memberId: string },
  ): Promise<HeartbeatResponse> {
    return this.#askGroups("heartbeat", [groupId, request]);
  }

  /** `DELETE /v1/groups/:group/members/:memberId`. */
  async leaveGroup(groupId: string, memberId: string): Promise<void> {
    await this.#askGroups("leaveGroup", [groupId, memberId]);
  }

  /** `POST /v1/groups/:group/offsets`. */
  commitOffsets(groupId: string, request: CommitOffsetsRequest): Promise<GroupOffsetsResponse> {
    return this.#askGroups("commitOffsets", [groupId, request]);
  }

  /** `GET /v1/groups/:group/offsets`. */
  fetchOffsets(groupId: string, options: { topic?: string } = {}): Promise<GroupOffsetsResponse> {
    return this.#askGroups("fetchOffsets", [groupId, options]);
  }

  /** Advertises where this node's HTTP edge (and Kafka listener, if any) listens (membership bucket). */
  async advertise(host: string, port: number, kafkaPort?: number): Promise<void> {
    await this.#membership.advertise(host, port, kafkaPort);
  }

  /** Statuses of this node's replicas, restarts and hosts. */
  async collectMetrics(): Promise<MetricsSnapshot> {
    const me = this.#config.nodeId;
    const partitions = [];
    for (const topic of this.#topics.values()) {
      for (let p = 0; p < topic.partitions; p++) {
        const id = replicaId(topic.name, p, me);
        if (!this.#system.has(PARTITION, id)) continue;
        try {
          const s = await this.#system.lookup(PARTITION, id).ask<PartitionStatus>({
            type: "status",
          });
          partitions.push({
            topic: topic.name,
            partition: p,
            logEndOffset: s.logEndOffset,
            size: s.size,
            fsyncs: s.fsyncs,
            fsyncSeconds: s.fsyncSeconds,
          });
        } catch { /* stopping or restarting: left out of this scrape */ }
      }
    }
    return {
      partitions,
      groupLags: [],
      restarts: this.#system.restartCounts(),
      hosts: this.#system.hostCounts(),
    };
  }

  /**
   * Leaves the cluster cleanly: releases the lease (another node takes over
   * at its next heartbeat), stops watching, removes this node from the
   * membership, stops every actor (logs fsynced), closes the connection. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#lease?.close().catch(() => {});
      await this.#resync?.close();
      await this.#metadata?.close().catch(() => {});
      await this.#reconciling.catch(() => {});
      await this.#membership?.close().catch(() => {});
      await this.#nodeGroups?.close();
      await this.#system?.shutdown();
      await this.#nc.close().catch(() => {});
      this.#notifyChange();
      await this.#rejoining;
    })();
    return this.#closing;
  }

  /** Same as {@linkcode ClusterNode.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
