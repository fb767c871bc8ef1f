/**
 * A broker node: an actor system with the metadata registry and one
 * partition actor per partition, exposed as the {@linkcode EdgeBackend} the
 * HTTP edge serves. Single node for now; cluster mode swaps the transport.
 *
 * Topic changes are serialized on this node (one at a time) so a create and
 * a delete of the same name never interleave. Partition actors are found by
 * name (`partition/<topic>-<n>`); this node keeps a mirror of the registry's
 * topic list (every change goes through it) so a produce does not ask the
 * registry.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
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
} from "../client/protocol/mod.ts";
import { type ActorRef, ActorSystem, type Clock, systemClock } from "../actors/runtime/mod.ts";
import {
  type AppendReply,
  type FetchReply,
  type LogFileSystem,
  type OffsetsReply,
  PARTITION_WORKER_URL,
  PartitionActor,
  type PartitionInit,
  type PartitionRequest,
  type PartitionStatus,
} from "../actors/partition/mod.ts";
import {
  GROUP_COORDINATOR_WORKER_URL,
  GroupCoordinatorActor,
  type GroupCoordinatorInit,
  OFFSETS_TOPIC,
} from "../actors/group_coordinator/mod.ts";
import {
  MetadataRegistryActor,
  REGISTRY_WORKER_URL,
  type RegistryInit,
  type RegistryRequest,
  type TopicMetadata,
} from "../actors/metadata_registry/mod.ts";
import type { BrokerConfig } from "./config.ts";
import { GROUP_KIND, GroupCoordinators } from "./groups.ts";
import {
  type GroupLagSample,
  mapBounded,
  type MetricsSnapshot,
  type MetricsSource,
} from "./metrics/mod.ts";
import type {
  AppendBatchesOptions,
  EdgeBackend,
  FetchBatchesOptions,
  FetchBatchesResult,
} from "./http/backend.ts";

const logger = getLogger(["weir", "broker"]);
const REGISTRY = { kind: "registry", id: "0" } as const;
const PARTITION = "partition";
const SPAWN_CONCURRENCY = 8;
/** Most actor asks in flight while gathering metrics for one scrape. */
const SCRAPE_CONCURRENCY = 16;

/** Options of {@linkcode BrokerNode.start}. */
export interface BrokerNodeOptions {
  /** Clock of the actor system (inline actors use it too). */
  clock?: Clock;
  /** Where this node's HTTP edge is reachable (for `GET /v1/cluster`). */
  advertised?: { host: string; port: number };
  /**
   * File operations of partition logs hosted inline (`actorHost: "inline"`),
   * e.g. a fault-injecting layer in tests; Worker-hosted partitions always
   * use the real file system.
   */
  logFileSystem?: LogFileSystem;
}

/** One broker node: actors plus the backend of the HTTP edge. */
export class BrokerNode implements EdgeBackend, MetricsSource, AsyncDisposable {
  /** Limits the edge enforces. */
  readonly limits: { readonly maxRequestBytes: number; readonly requestTimeoutMs?: number };
  readonly #config: BrokerConfig;
  readonly #system: ActorSystem;
  readonly #registry: ActorRef<RegistryRequest>;
  readonly #topics = new Map<string, TopicMetadata>();
  readonly #clock: Clock;
  readonly #offsetsSpawns = new Map<number, Promise<void>>();
  #groups: GroupCoordinators | null = null;
  #adminQueue: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | null = null;

  private constructor(
    config: BrokerConfig,
    system: ActorSystem,
    registry: ActorRef<RegistryRequest>,
    clock: Clock,
  ) {
    this.#config = config;
    this.#clock = clock;
    this.#system = system;
    this.#registry = registry;
    this.limits = {
      maxRequestBytes: config.maxRequestBytes,
      requestTimeoutMs: config.requestTimeoutMs,
    };
  }

  /** The actor system (for tests and metrics). */
  get system(): ActorSystem {
    return this.#system;
  }

  /**
   * Starts the registry, replays its metadata, and activates a partition
   * actor for every partition of every existing topic (recovering each log).
   */
  static async start(config: BrokerConfig, options: BrokerNodeOptions = {}): Promise<BrokerNode> {
    await Deno.mkdir(config.dataDir, { recursive: true });
    const clock = options.clock ?? systemClock;
    let groups: GroupCoordinators | null = null;
    const system = new ActorSystem({
      clock,
      makeError: (code, message) => new WeirError(code, message),
      kinds: {
        [PARTITION]: {
          worker: PARTITION_WORKER_URL,
          inline: ((init: PartitionInit) =>
            new PartitionActor(
              init,
              options.logFileSystem ? { fs: options.logFileSystem } : {},
            )) as never,
        },
        [REGISTRY.kind]: {
          worker: REGISTRY_WORKER_URL,
          inline: ((init: RegistryInit) => new MetadataRegistryActor(init)) as never,
        },
        [GROUP_KIND]: {
          worker: GROUP_COORDINATOR_WORKER_URL,
          inline: ((init: GroupCoordinatorInit) => new GroupCoordinatorActor(init)) as never,
        },
      },
      onActorRestarted: (e) => {
        logger.warn("Actor {kind}/{id} restarted ({restarts}): {message}", {
          kind: e.kind,
          id: e.id,
          restarts: e.restarts,
          message: e.error.message,
        });
        if (e.kind === GROUP_KIND) groups?.restarted(e.id);
      },
      onActorFailed: (e) =>
        logger.error("Actor {kind}/{id} failed after {restarts} restarts: {message}", {
          kind: e.kind,
          id: e.id,
          restarts: e.restarts,
          message: e.error.message,
        }),
    });
    try {
      const registry = await system.spawn<RegistryInit>({
        kind: REGISTRY.kind,
        id: REGISTRY.id,
        host: config.actorHost,
        init: {
          dir: `${config.dataDir}/__cluster_metadata-0`,
          nodeId: config.nodeId,
          maxPartitionsPerTopic: config.maxPartitionsPerTopic,
          maxTopics: config.maxTopics,
        },
      }) as ActorRef<RegistryRequest>;
      const node = new BrokerNode(config, system, registry, clock);
      await registry.ask({
        type: "registerBroker",
        broker: {
          id: config.nodeId,
          host: options.advertised?.host ?? config.host,
          port: options.advertised?.port ?? config.port,
        },
      });
      const topics = await registry.ask<TopicMetadata[]>({ type: "listTopics" });
      const inits: PartitionInit[] = [];
      for (const topic of topics) {
        node.#topics.set(topic.name, topic);
        if (topic.name === OFFSETS_TOPIC) continue; // spawned on first use by a group
        for (let p = 0; p < topic.partitions; p++) inits.push(node.#partitionInit(topic, p));
      }
      await node.#spawnAll(inits);
      groups = await node.#startGroups();
      logger.info("Broker node {nodeId} started with {topics} topics, {partitions} partitions", {
        nodeId: config.nodeId,
        topics: topics.length,
        partitions: inits.length,
      });
      return node;
    } catch (e) {
      await system.shutdown();
      throw e;
    }
  }

  /**
   * Creates `__consumer_offsets` (compacted, internal) when it does not exist
   * and sets up the group coordinators. The offsets topic's partition actors
   * are spawned when a group first needs one.
   */
  async #startGroups(): Promise<GroupCoordinators> {
    if (!this.#topics.has(OFFSETS_TOPIC)) {
      const topic = await this.#registry.ask<TopicMetadata>({
        type: "createTopic",
        request: {
          name: OFFSETS_TOPIC,
          partitions: this.#config.offsetsTopicPartitions,
          configs: { "cleanup.policy": "compact" },
        },
        internal: true,
      });
      this.#topics.set(topic.name, topic);
    }
    const knownGroups = await this.#registry.ask<string[]>({ type: "listGroups" });
    this.#groups = new GroupCoordinators({
      system: this.#system,
      host: this.#config.actorHost,
      clock: this.#clock,
      idleMs: this.#config.groupIdleMs,
      maxSize: this.#config.groupMaxSize,
      offsetsPartitions: this.#offsetsTopic().partitions,
      knownGroups,
      registerGroup: async (groupId) => {
        await this.#registry.ask({ type: "registerGroup", groupId });
      },
      partitionCounts: () => this.#partitionCounts(),
      ensureOffsetsPartition: (p) => this.#ensureOffsetsPartition(p),
      highWatermark: async (topic, partition) => {
        const meta = this.#topics.get(topic);
        if (meta === undefined || partition >= meta.partitions) return null;
        const status = await this.#partition(topic, partition).ask<PartitionStatus>({
          type: "status",
        });
        return status.highWatermark;
      },
    });
    return this.#groups;
  }

  /** Partition counts of every non-internal topic. */
  #partitionCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const topic of this.#topics.values()) {
      if (!topic.name.startsWith("__")) out[topic.name] = topic.partitions;
    }
    return out;
  }

  #ensureOffsetsPartition(partition: number): Promise<void> {
    const id = partitionId(OFFSETS_TOPIC, partition);
    if (this.#system.has(PARTITION, id)) return Promise.resolve();
    let spawning = this.#offsetsSpawns.get(partition);
    if (spawning === undefined) {
      const init = this.#partitionInit(this.#offsetsTopic(), partition);
      spawning = this.#system.spawn({ kind: PARTITION, id, host: this.#config.actorHost, init })
        .then(() => {}).finally(() => this.#offsetsSpawns.delete(partition));
      this.#offsetsSpawns.set(partition, spawning);
    }
    return spawning;
  }

  get #groupsReady(): GroupCoordinators {
    if (this.#groups === null) {
      throw new WeirError("COORDINATOR_NOT_AVAILABLE", "Cannot use groups: the node is starting");
    }
    return this.#groups;
  }

  /** The group coordinators (for tests and metrics). */
  get groups(): GroupCoordinators {
    return this.#groupsReady;
  }

  /** `GET /v1/groups`. */
  listGroups(): Promise<GroupSummary[]> {
    return this.#groupsReady.listGroups();
  }

  /** `GET /v1/groups/:group`. */
  describeGroup(groupId: string): Promise<GroupDescriptionResponse> {
    return this.#groupsReady.describeGroup(groupId);
  }

  /** `POST /v1/groups/:group/members`. */
  joinGroup(groupId: string, request: JoinGroupRequest): Promise<JoinGroupResponse> {
    return this.#groupsReady.joinGroup(groupId, request);
  }

  /** `POST /v1/groups/:group/members/:memberId/heartbeat`. */
  heartbeat(
    groupId: string,
    request: HeartbeatRequest & { memberId: string },
  ): Promise<HeartbeatResponse> {
    return this.#groupsReady.heartbeat(groupId, request);
  }

  /** `DELETE /v1/groups/:group/members/:memberId`. */
  leaveGroup(groupId: string, memberId: string): Promise<void> {
    return this.#groupsReady.leaveGroup(groupId, memberId);
  }

  /** `POST /v1/groups/:group/offsets`. */
  commitOffsets(groupId: string, request: CommitOffsetsRequest): Promise<GroupOffsetsResponse> {
    return this.#groupsReady.commitOffsets(groupId, request);
  }

  /** `GET /v1/groups/:group/offsets`. */
  fetchOffsets(groupId: string, options: { topic?: string } = {}): Promise<GroupOffsetsResponse> {
    return this.#groupsReady.fetchOffsets(groupId, options);
  }

  /** Tells the registry where this node's HTTP edge listens (after binding port 0). */
  async advertise(host: string, port: number): Promise<void> {
    await this.#registry.ask({
      type: "registerBroker",
      broker: { id: this.#config.nodeId, host, port },
    });
  }

  /** Number of partition actors running (one Worker each in worker mode). */
  get partitionActorCount(): number {
    let n = 0;
    for (const topic of this.#topics.values()) {
      for (let p = 0; p < topic.partitions; p++) {
        if (this.#system.has(PARTITION, partitionId(topic.name, p))) n++;
      }
    }
    return n;
  }

  /** Ready to serve (`/readyz`): started (every partition recovered) and not closing. */
  get ready(): boolean {
    return this.#closing === null;
  }

  /**
   * Gathers the scrape-time metrics: every running partition's status and
   * the lag of every active group (at most {@linkcode SCRAPE_CONCURRENCY}
   * asks in flight), actor restarts and hosts. A partition or group that
   * fails to answer (stopping, restarting) is left out of this scrape.
   */
  async collectMetrics(): Promise<MetricsSnapshot> {
    const running: { topic: string; partition: number }[] = [];
    for (const topic of this.#topics.values()) {
      for (let p = 0; p < topic.partitions; p++) {
        if (this.#system.has(PARTITION, partitionId(topic.name, p))) {
          running.push({ topic: topic.name, partition: p });
        }
      }
    }
    const statuses = await mapBounded(running, async ({ topic, partition }) => {
      try {
        const ref = this.#system.lookup<PartitionRequest>(PARTITION, partitionId(topic, partition));
        const s = await ref.ask<PartitionStatus>({ type: "status" });
        return {
          topic,
          partition,
          logEndOffset: s.logEndOffset,
          size: s.size,
          fsyncs: s.fsyncs,
          fsyncSeconds: s.fsyncSeconds,
        };
      } catch {
        return null;
      }
    }, { limit: SCRAPE_CONCURRENCY });
    const groups = this.#groups;
    const active = groups === null
      ? []
      : (await groups.listGroups()).filter((g) => groups.isActive(g.groupId));
    const lags = await mapBounded(active, async ({ groupId }): Promise<GroupLagSample[]> => {
      try {
        const d = await groups!.describeGroup(groupId);
        return d.offsets.map((o) => ({
          group: groupId,
          topic: o.topic,
          partition: o.partition,
          lag: o.lag,
        }));
      } catch {
        return [];
      }
    }, { limit: SCRAPE_CONCURRENCY });
    return {
      partitions: statuses.filter((s) => s !== null),
      groupLags: lags.flat(),
      restarts: this.#system.restartCounts(),
      hosts: this.#system.hostCounts(),
    };
  }

  #partitionInit(topic: TopicMetadata, partition: number): PartitionInit {
    return {
      topic: topic.name,
      partition,
      dir: `${this.#config.dataDir}/${partitionId(topic.name, partition)}`,
      configs: topic.configs,
      retentionCheckIntervalMs: this.#config.retentionCheckIntervalMs,
    };
  }

  async #spawnAll(inits: PartitionInit[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < inits.length) {
        const init = inits[next++]!;
        await this.#system.spawn({
          kind: PARTITION,
          id: partitionId(init.topic, init.partition),
          host: this.#config.actorHost,
          init,
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(SPAWN_CONCURRENCY, inits.length) }, worker));
  }

  /** Runs topic changes one at a time. */
  #admin<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#adminQueue.then(fn, fn);
    this.#adminQueue = run.catch(() => {});
    return run;
  }

  /** A topic of the public API; internal topics (`__consumer_offsets`) are not reachable by name. */
  #topic(name: string): TopicMetadata {
    const topic = this.#topics.get(name);
    if (!topic || name === OFFSETS_TOPIC) {
      throw new WeirError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `Cannot find topic ${JSON.stringify(name)}: it does not exist`,
      );
    }
    return topic;
  }

  #offsetsTopic(): TopicMetadata {
    const topic = this.#topics.get(OFFSETS_TOPIC);
    if (!topic) {
      throw new WeirError("COORDINATOR_NOT_AVAILABLE", "Cannot use groups: no offsets topic");
    }
    return topic;
  }

  #partition(topic: string, partition: number): ActorRef<PartitionRequest> {
    const meta = this.#topic(topic);
    if (!Number.isSafeInteger(partition) || partition < 0 || partition >= meta.partitions) {
      throw new WeirError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `Cannot find partition ${partition} of topic "${topic}": it has ${meta.partitions} partition(s)`,
      );
    }
    return this.#system.lookup<PartitionRequest>(PARTITION, partitionId(topic, partition));
  }

  async #ensureTopicForProduce(topic: string): Promise<void> {
    if (this.#topics.has(topic) || !this.#config.autoCreateTopics) return;
    await this.createTopic({ name: topic, partitions: this.#config.defaultPartitions }).catch(
      (e) => {
        if (!(e instanceof WeirError && e.code === "TOPIC_ALREADY_EXISTS")) throw e;
      },
    );
  }

  /** `GET /v1/cluster`. */
  async cluster(): Promise<ClusterInfo> {
    return await this.#registry.ask<ClusterInfo>({ type: "cluster" });
  }

  /** `GET /v1/topics`. */
  listTopics(): Promise<TopicSummary[]> {
    return Promise.resolve(
      [...this.#topics.values()]
        .filter((t) => !t.name.startsWith("__"))
        .sort((a, b) => a.name < b.name ? -1 : 1)
        .map((t) => ({
          name: t.name,
          partitions: t.partitions,
          replicationFactor: t.replicationFactor,
        })),
    );
  }

  /** `POST /v1/topics`. */
  createTopic(request: CreateTopicRequest): Promise<TopicDescription> {
    return this.#admin(async () => {
      const topic = await this.#registry.ask<TopicMetadata>({ type: "createTopic", request });
      this.#topics.set(topic.name, topic);
      const inits = Array.from(
        { length: topic.partitions },
        (_, p) => this.#partitionInit(topic, p),
      );
      try {
        await this.#spawnAll(inits);
      } catch (e) {
        logger.error("Cannot start the partitions of new topic {topic}: {error}", {
          topic: topic.name,
          error: String(e),
        });
        throw e;
      }
      await this.#groups?.topicsChanged();
      return await this.#describe(topic);
    });
  }

  /** `GET /v1/topics/:topic`. */
  async describeTopic(name: string): Promise<TopicDescription> {
    return await this.#describe(this.#topic(name));
  }

  async #describe(topic: TopicMetadata): Promise<TopicDescription> {
    const statuses = await Promise.all(
      Array.from(
        { length: topic.partitions },
        (_, p) => this.#partition(topic.name, p).ask<PartitionStatus>({ type: "status" }),
      ),
    );
    const configs: Record<string, number | string> = { ...defaultTopicConfigs(), ...topic.configs };
    return {
      name: topic.name,
      replicationFactor: topic.replicationFactor,
      configs,
      partitions: statuses.map((s, partition) => ({
        partition,
        leader: this.#config.nodeId,
        replicas: [this.#config.nodeId],
        isr: [this.#config.nodeId],
        logStartOffset: s.logStartOffset,
        highWatermark: s.highWatermark,
      })),
    };
  }

  /** `PATCH /v1/topics/:topic/configs`: persists, then reconfigures every partition. */
  alterTopicConfigs(name: string, configs: Record<string, ConfigInput>): Promise<TopicDescription> {
    return this.#admin(async () => {
      this.#topic(name);
      const topic = await this.#registry.ask<TopicMetadata>({
        type: "alterTopicConfigs",
        name,
        configs,
      });
      this.#topics.set(topic.name, topic);
      await Promise.all(
        Array.from(
          { length: topic.partitions },
          (_, p) => this.#partition(name, p).ask({ type: "configure", configs: topic.configs }),
        ),
      );
      return await this.#describe(topic);
    });
  }

  /** `DELETE /v1/topics/:topic`: persists the deletion, then stops the partitions and removes their data. */
  deleteTopic(name: string): Promise<void> {
    return this.#admin(async () => {
      this.#topic(name);
      const topic = await this.#registry.ask<TopicMetadata>({ type: "deleteTopic", name });
      this.#topics.delete(name);
      await Promise.all(Array.from({ length: topic.partitions }, async (_, p) => {
        const id = partitionId(name, p);
        try {
          await this.#system.lookup<PartitionRequest>(PARTITION, id).ask({ type: "delete" });
        } catch (e) {
          logger.warn("Cannot delete the data of {id} through its actor: {error}", {
            id,
            error: String(e),
          });
        }
        await this.#system.stop(PARTITION, id);
        await Deno.remove(`${this.#config.dataDir}/${id}`, { recursive: true }).catch(() => {});
      }));
      await this.#groups?.topicsChanged();
    });
  }

  /** Partition count and `max.message.bytes`; with `--auto-create-topics` an unknown topic is created first. */
  async produceInfo(
    topic: string,
  ): Promise<{ partitions: number; maxMessageBytes: number; requireKeys: boolean }> {
    await this.#ensureTopicForProduce(topic);
    const meta = this.#topic(topic);
    return {
      partitions: meta.partitions,
      maxMessageBytes: meta.configs["max.message.bytes"] ??
        defaultTopicConfigs()["max.message.bytes"],
      // Compacted topics need keys; checked at the edge so no partition of the request is written.
      requireKeys: (meta.configs["cleanup.policy"] ?? "delete") !== "delete",
    };
  }

  /** Appends batches to a partition; the buffer is transferred to the partition's Worker. */
  async appendBatches(
    topic: string,
    partition: number,
    batches: Uint8Array,
    options: AppendBatchesOptions,
  ): Promise<BatchProduceResponse> {
    await this.#ensureTopicForProduce(topic);
    const ref = this.#partition(topic, partition);
    const owned = batches.byteOffset === 0 && batches.byteLength === batches.buffer.byteLength
      ? batches
      : batches.slice();
    const message: PartitionRequest = { type: "append", batches: owned, acks: options.acks };
    const transfer = [owned.buffer as ArrayBuffer];
    if (options.acks === 0) {
      ref.tell(message, { transfer });
      return { baseOffset: -1, lastOffset: -1 };
    }
    const reply = await ref.ask<AppendReply>(message, { transfer });
    const out: BatchProduceResponse = {
      baseOffset: reply.baseOffset,
      lastOffset: reply.lastOffset,
    };
    if (reply.logAppendTime !== undefined) out.logAppendTime = reply.logAppendTime;
    return out;
  }

  /** Reads whole batches; a long-poll is cancelled at once when `signal` aborts. */
  async fetchBatches(
    topic: string,
    partition: number,
    options: FetchBatchesOptions,
  ): Promise<FetchBatchesResult> {
    const ref = this.#partition(topic, partition);
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
      maxBytes: options.maxBytes,
      maxRecords: options.maxRecords,
      waitMs: options.waitMs,
    };
    if (fetchId) message.fetchId = fetchId;
    const onAbort = () => fetchId && ref.tell({ type: "cancelFetch", fetchId });
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const reply = await ref.ask<FetchReply>(message, { timeoutMs: options.waitMs + 30_000 });
      if (options.signal?.aborted) throw aborted();
      return reply;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Earliest, latest and optionally the offset for a timestamp. */
  async listOffsets(
    topic: string,
    partition: number,
    options: { timestamp?: number } = {},
  ): Promise<OffsetsResponse> {
    const message: PartitionRequest = options.timestamp === undefined
      ? { type: "listOffsets" }
      : { type: "listOffsets", timestamp: options.timestamp };
    return await this.#partition(topic, partition).ask<OffsetsReply>(message);
  }

  /** A new producer id (persisted by the registry). */
  async initProducer(): Promise<InitProducerResponse> {
    return await this.#registry.ask<InitProducerResponse>({ type: "initProducer" });
  }

  /** Asks every partition to run its retention and compaction step now. */
  async maintain(): Promise<void> {
    const asks: Promise<unknown>[] = [];
    for (const topic of this.#topics.values()) {
      for (let p = 0; p < topic.partitions; p++) {
        if (!this.#system.has(PARTITION, partitionId(topic.name, p))) continue; // offsets, unused
        asks.push(this.#partition(topic.name, p).ask({ type: "maintain" }));
      }
    }
    await Promise.all(asks);
  }

  /** Flushes and stops every actor (partitions fsync their logs). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#adminQueue.catch(() => {});
      await this.#groups?.close();
      await this.#system.shutdown();
    })();
    return this.#closing;
  }

  /** Same as {@linkcode BrokerNode.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Actor id (and directory name) of a partition: `<topic>-<partition>`. */
export function partitionId(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
