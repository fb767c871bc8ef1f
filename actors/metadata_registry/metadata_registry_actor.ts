/**
 * The MetadataRegistryActor: topics, their configs, broker identity, cluster
 * id and producer ids, persisted in its own Kafka-format metadata log (see
 * {@linkcode MetadataJournal}) so a restart restores every topic and config.
 *
 * Every change is validated first (nothing is written for a bad request),
 * then appended and fsynced, then applied and answered. On a single node the
 * registry knows one broker; partition → actor mapping is by name
 * (`<topic>-<partition>`), so the broker can spawn and find partitions from
 * the topic list alone.
 *
 * @module
 */
import { WeirError } from "../../client/protocol/mod.ts";
import type { ActorContext, ActorLogic } from "../runtime/mod.ts";
import { MetadataJournal } from "./metadata_journal.ts";
import { type MetadataLimits, type MetadataRecord, MetadataState } from "./metadata_state.ts";
import type { ClusterMetadata, RegistryInit, RegistryRequest, TopicMetadata } from "./messages.ts";

/** Logic of the metadata registry. */
export class MetadataRegistryActor implements ActorLogic {
  readonly #init: RegistryInit;
  readonly #state = new MetadataState();
  #journal: MetadataJournal | null = null;
  readonly #brokers = new Map<number, { id: number; host: string; port: number }>();

  /** Creates the logic; the journal is opened in `start`. */
  constructor(init: RegistryInit) {
    this.#init = init;
  }

  /** Replays the metadata log; on first start, writes a fresh cluster id. */
  start(ctx: ActorContext): void {
    const { journal, records } = MetadataJournal.open(this.#init.dir, {
      now: () => ctx.clock.now(),
    });
    this.#journal = journal;
    for (const record of records) this.#state.apply(record);
    if (this.#state.clusterId === "") {
      this.#persist({ type: "cluster", clusterId: ctx.ids.next() });
    }
  }

  /** Closes the journal. */
  stop(): void {
    this.#journal?.close();
    this.#journal = null;
  }

  /** Handles one request. */
  receive(message: unknown, ctx: ActorContext): unknown {
    const request = message as RegistryRequest;
    switch (request.type) {
      case "createTopic": {
        const record = this.#state.planCreate(
          request.request,
          this.#limits(),
          ctx.clock.now(),
          ctx.ids.next(),
          { internal: request.internal === true },
        );
        this.#persist(record);
        return this.#state.topic(request.request.name);
      }
      case "deleteTopic": {
        const topic: TopicMetadata = this.#state.topic(request.name);
        this.#persist(this.#state.planDelete(request.name));
        return topic;
      }
      case "alterTopicConfigs":
        this.#persist(this.#state.planAlterConfigs(request.name, request.configs));
        return this.#state.topic(request.name);
      case "getTopic":
        return this.#state.topic(request.name);
      case "listTopics":
        return this.#state.topics();
      case "cluster":
        return this.#cluster();
      case "registerBroker":
        this.#brokers.set(request.broker.id, { ...request.broker });
        return this.#cluster();
      case "initProducer": {
        const producerId = this.#state.nextProducerId;
        this.#persist({ type: "producerId", next: producerId + 1 });
        return { producerId, producerEpoch: 0 };
      }
      case "registerGroup":
        if (!this.#state.hasGroup(request.groupId)) {
          this.#persist({ type: "group", groupId: request.groupId });
        }
        return null;
      case "listGroups":
        return this.#state.groups();
      default:
        throw new WeirError(
          "INVALID_REQUEST",
          `Cannot handle registry message: unknown type ${
            JSON.stringify((request as { type?: unknown }).type)
          }`,
        );
    }
  }

  #limits(): MetadataLimits {
    return {
      maxPartitionsPerTopic: this.#init.maxPartitionsPerTopic ?? 1000,
      maxTopics: this.#init.maxTopics ?? 10_000,
      brokerCount: Math.max(1, this.#brokers.size),
    };
  }

  #cluster(): ClusterMetadata {
    return {
      clusterId: this.#state.clusterId,
      controller: this.#init.nodeId,
      brokers: [...this.#brokers.values()].sort((a, b) => a.id - b.id),
    };
  }

  #persist(record: MetadataRecord): void {
    if (this.#journal === null) {
      throw new WeirError("ACTOR_STOPPED", "Cannot change metadata: the registry is stopped");
    }
    this.#journal.append(record);
    this.#state.apply(record);
  }
}
