/**
 * The cluster controller: runs on the node that holds the controller lease,
 * served as the inline actor `controller/0` (a cluster singleton on subject
 * `weir.<cluster>.controller.0`). It is the only writer of the metadata
 * bucket: topic create / delete / config changes (validated with the
 * single-node registry's rules), replica placement (`placement.ts`), ISR
 * changes from leaders (`alter_isr.ts`), and failover when a node leaves the
 * membership bucket (`failover.ts`). Its state lives in KV only, so a new
 * controller picks up exactly where the old one left off.
 *
 * Operations run one at a time. Every write is compare-and-set on the
 * topic's revision; before each write the controller checks it still holds
 * the lease (`isActive`), and a lost lease makes it refuse with the
 * retriable `COORDINATOR_NOT_AVAILABLE`.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { ActorFactory, Clock } from "../../actors/runtime/mod.ts";
import { MetadataState } from "../../actors/metadata_registry/mod.ts";
import type { AlterIsrReply, AlterIsrRequest } from "../../actors/partition/mod.ts";
import { type ConfigInput, type CreateTopicRequest, WeirError } from "../../client/protocol/mod.ts";
import { planAlterIsr } from "./alter_isr.ts";
import type { ClusterTopic } from "./cluster_topic.ts";
import type { ControllerRequest, RejoinRequest } from "./controller_messages.ts";
import { planFailover, planRejoin } from "./failover.ts";
import type { MetadataStore } from "./metadata_store.ts";
import { placeReplicas } from "./placement.ts";

const logger = getLogger(["weir", "cluster", "controller"]);

/** Options of {@linkcode Controller}. */
export interface ControllerOptions {
  /** The metadata bucket. */
  readonly store: MetadataStore;
  /** Ids of the live nodes now. */
  readonly liveNodes: () => ReadonlySet<number>;
  /** Re-reads the live nodes (before placement and failover); default: nothing. */
  readonly refreshLiveNodes?: () => Promise<unknown>;
  /** Whether this node still holds the lease. */
  readonly isActive: () => boolean;
  /** Fencing token of the lease holding (`ControllerLease.epoch`); default: always 0 (no fencing). */
  readonly epoch?: () => number;
  /** Clock (creation times). */
  readonly clock: Clock;
  /** Most partitions per topic. */
  readonly maxPartitionsPerTopic: number;
  /** Most topics. */
  readonly maxTopics: number;
}

/** The controller's logic (main thread; wrapped as an inline actor by {@linkcode controllerActor}). */
export class Controller {
  readonly #o: ControllerOptions;
  #queue: Promise<unknown> = Promise.resolve();

  /** Builds a controller; it acts only while `isActive()`. */
  constructor(options: ControllerOptions) {
    this.#o = options;
  }

  /** Handles one request (serialized with failover runs). */
  handle(request: ControllerRequest): Promise<unknown> {
    return this.#serial(() => this.#handle(request));
  }

  /**
   * Moves leadership off nodes that are not live (see `planFailover`).
   *
   * @returns the partitions changed, as `"<topic>-<p>"`
   */
  failover(): Promise<string[]> {
    return this.#serial(async () => {
      this.#checkActive("run failover");
      await this.#o.refreshLiveNodes?.();
      const live = this.#o.liveNodes();
      const changed: string[] = [];
      for (const { topic, revision } of (await this.#o.store.list()).values()) {
        let dirty = false;
        const assignments = topic.assignments.map((a, p) => {
          const next = planFailover(a, live);
          if (next === null) return a;
          dirty = true;
          changed.push(`${topic.name}-${p}`);
          logger.info(
            "Partition {topic}-{partition}: leader {from} → {to}, epoch {epoch}, ISR {isr}",
            {
              topic: topic.name,
              partition: p,
              from: a.leader,
              to: next.leader,
              epoch: next.leaderEpoch,
              isr: next.isr.join(","),
            },
          );
          return next;
        });
        if (!dirty) continue;
        this.#checkActive("run failover");
        await this.#update(topic, { ...topic, assignments }, revision);
      }
      return changed;
    });
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  get #epoch(): number {
    return this.#o.epoch?.() ?? 0;
  }

  /**
   * Refuses to overwrite a value written by a later controller (a larger
   * fencing token): this one lost the lease, whatever its clock says.
   */
  #checkFence(stored: ClusterTopic, what: string): void {
    const theirs = stored.controllerEpoch ?? 0;
    if (theirs > this.#epoch) {
      throw new WeirError(
        "COORDINATOR_NOT_AVAILABLE",
        `Cannot ${what}: a newer controller (lease epoch ${theirs}, this one ${this.#epoch}) wrote topic "${stored.name}"`,
      );
    }
  }

  /**
   * The only way the controller replaces a topic: fenced against later
   * controllers, stamped with this one's token, compare-and-set on the
   * revision `stored` was read at (a later write in between fails it).
   */
  async #update(stored: ClusterTopic, next: ClusterTopic, revision: number): Promise<void> {
    this.#checkFence(stored, `update topic "${stored.name}"`);
    await this.#o.store.update({ ...next, controllerEpoch: this.#epoch }, revision);
  }

  #checkActive(what: string): void {
    if (!this.#o.isActive()) {
      throw new WeirError(
        "COORDINATOR_NOT_AVAILABLE",
        `Cannot ${what}: this node no longer holds the controller lease`,
      );
    }
  }

  async #handle(request: ControllerRequest): Promise<unknown> {
    switch (request.type) {
      case "createTopic":
        return await this.#create(request.request, request.internal ?? false);
      case "deleteTopic":
        return await this.#delete(request.name);
      case "alterTopicConfigs":
        return await this.#alterConfigs(request.name, request.configs);
      case "alterIsr":
        return await this.#alterIsr(request);
      case "rejoin":
        return await this.#rejoin(request);
      case "initProducer":
        this.#checkActive("allocate a producer id");
        return { producerId: await this.#o.store.nextProducerId(), producerEpoch: 0 };
      default:
        throw new WeirError(
          "INVALID_REQUEST",
          `Cannot handle controller request ${
            JSON.stringify((request as { type?: unknown }).type)
          }: unknown type`,
        );
    }
  }

  async #state(): Promise<{ state: MetadataState; stored: Map<string, ClusterTopic> }> {
    const listed = await this.#o.store.list();
    const state = new MetadataState();
    const stored = new Map<string, ClusterTopic>();
    for (const { topic } of listed.values()) {
      state.apply({ type: "topic", topic });
      stored.set(topic.name, topic);
    }
    return { state, stored };
  }

  async #create(request: CreateTopicRequest, internal: boolean): Promise<ClusterTopic> {
    this.#checkActive("create a topic");
    await this.#o.refreshLiveNodes?.();
    const live = [...this.#o.liveNodes()];
    const { state, stored } = await this.#state();
    const record = state.planCreate(
      request,
      {
        maxPartitionsPerTopic: this.#o.maxPartitionsPerTopic,
        maxTopics: this.#o.maxTopics,
        brokerCount: live.length,
      },
      this.#o.clock.now(),
      crypto.randomUUID(),
      { internal },
    );
    if (record.type !== "topic") throw new Error("planCreate returned no topic record");
    const topic = record.topic;
    const configs = { ...topic.configs };
    if (topic.replicationFactor >= 3 && configs["min.insync.replicas"] === undefined) {
      configs["min.insync.replicas"] = 2;
    }
    const assignments = placeReplicas(live, {
      partitions: topic.partitions,
      replicationFactor: topic.replicationFactor,
      offset: stored.size,
    });
    const out: ClusterTopic = { ...topic, configs, assignments };
    if (internal) out.internal = true;
    this.#checkActive("create a topic");
    out.controllerEpoch = this.#epoch;
    await this.#o.store.create(out);
    logger.info("Created topic {topic}: {partitions} partition(s), RF {rf}", {
      topic: topic.name,
      partitions: topic.partitions,
      rf: topic.replicationFactor,
    });
    return out;
  }

  async #existing(name: string): Promise<{ topic: ClusterTopic; revision: number }> {
    const found = await this.#o.store.get(name);
    if (found === null) {
      throw new WeirError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `Cannot find topic ${JSON.stringify(name)}: it does not exist`,
      );
    }
    return found;
  }

  async #delete(name: string): Promise<ClusterTopic> {
    this.#checkActive("delete a topic");
    const { topic, revision } = await this.#existing(name);
    this.#checkFence(topic, "delete a topic");
    await this.#o.store.delete(name, revision);
    return topic;
  }

  async #alterConfigs(name: string, configs: Record<string, ConfigInput>): Promise<ClusterTopic> {
    this.#checkActive("alter topic configs");
    const { topic, revision } = await this.#existing(name);
    const state = new MetadataState();
    state.apply({ type: "topic", topic });
    const record = state.planAlterConfigs(name, configs);
    if (record.type !== "topicConfigs") throw new Error("planAlterConfigs returned no configs");
    const next = { ...topic, configs: record.configs };
    await this.#update(topic, next, revision);
    return next;
  }

  /**
   * A node restarted (a new incarnation): every partition it names that it
   * still leads at the epoch it named gets a new leader from the other live
   * ISR members, or keeps it with a new epoch (`planRejoin`). Returns the
   * partitions changed (`<topic>-<p>`).
   */
  async #rejoin(request: RejoinRequest): Promise<string[]> {
    this.#checkActive("take a node back");
    const { nodeId } = request;
    if (!Number.isSafeInteger(nodeId) || !Array.isArray(request.stale)) {
      throw new WeirError("INVALID_REQUEST", "Cannot take a node back: malformed rejoin request");
    }
    await this.#o.refreshLiveNodes?.();
    const live = this.#o.liveNodes();
    const changed: string[] = [];
    const names = new Set(request.stale.map((s) => s.name));
    for (const name of names) {
      const found = await this.#o.store.get(name);
      if (found === null) continue;
      const { topic, revision } = found;
      let dirty = false;
      const assignments = topic.assignments.map((a, p) => {
        const named = request.stale.some((s) =>
          s.topicId === topic.topicId && s.partition === p && s.leaderEpoch === a.leaderEpoch
        );
        const next = named ? planRejoin(a, nodeId, live) : null;
        if (next === null) return a;
        dirty = true;
        changed.push(`${topic.name}-${p}`);
        logger.info(
          "Partition {topic}-{partition}: leader {from} restarted → leader {to}, epoch {epoch}",
          {
            topic: topic.name,
            partition: p,
            from: nodeId,
            to: next.leader,
            epoch: next.leaderEpoch,
          },
        );
        return next;
      });
      if (!dirty) continue;
      this.#checkActive("take a node back");
      await this.#update(topic, { ...topic, assignments }, revision);
    }
    return changed;
  }

  async #alterIsr(request: AlterIsrRequest): Promise<AlterIsrReply> {
    this.#checkActive("alter an ISR");
    const { topic, revision } = await this.#existing(request.topic);
    const current = topic.assignments[request.partition];
    if (current === undefined) {
      throw new WeirError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `Cannot alter the ISR of "${request.topic}-${request.partition}": no such partition`,
      );
    }
    const next = planAlterIsr(current, request);
    if (next.isr.join() !== current.isr.join()) {
      const assignments = topic.assignments.map((a, p) => p === request.partition ? next : a);
      await this.#update(topic, { ...topic, assignments }, revision);
    }
    return { isr: next.isr };
  }
}

/** The controller as an inline actor factory (its logic stays on this thread). */
export function controllerActor(controller: Controller): ActorFactory<undefined> {
  return () => ({
    receive: (message: unknown) => controller.handle(message as ControllerRequest),
  });
}
