/**
 * Cluster metadata in the JetStream KV bucket `weir_<cluster>_meta`: one
 * key per topic (`topics.<enc name>` → {@linkcode ClusterTopic} JSON) and
 * `producerIds` (the next producer id). Writes are compare-and-set on the
 * key's revision, so two writers (a controller that lost its lease without
 * noticing yet, and its successor) never overwrite each other blindly.
 *
 * @module
 */
import type { KV } from "@nats-io/kv";
import { WeirError } from "../../client/protocol/mod.ts";
import { type ClusterTopic, topicKey, topicOfKey } from "./cluster_topic.ts";
import { listKeys } from "./kv_keys.ts";

/** A stored topic and the revision it was read at. */
export interface StoredTopic {
  /** The topic. */
  readonly topic: ClusterTopic;
  /** KV revision (for compare-and-set). */
  readonly revision: number;
}

/** A topic key's latest value: the topic, or `null` for a deletion, and its KV revision. */
export interface TopicRevision {
  /** The topic, or `null` when the key's latest entry is a deletion. */
  readonly topic: ClusterTopic | null;
  /** KV revision of that entry (grows with every write to the bucket). */
  readonly revision: number;
}

const PRODUCER_IDS = "producerIds";

function conflict(e: unknown): boolean {
  return /wrong last sequence|10071|key exists/i.test(String(e));
}

/** Reads and writes topics in the metadata bucket. */
export class MetadataStore {
  readonly #kv: KV;

  /** Wraps the metadata bucket. */
  constructor(kv: KV) {
    this.#kv = kv;
  }

  /** Every stored topic, by name. */
  async list(): Promise<Map<string, StoredTopic>> {
    const keys = await listKeys(this.#kv, "topics.>");
    const out = new Map<string, StoredTopic>();
    for (const key of keys) {
      const e = await this.#kv.get(key);
      if (e === null || e.operation !== "PUT") continue;
      const topic = e.json<ClusterTopic>();
      out.set(topic.name, { topic, revision: e.revision });
    }
    return out;
  }

  /**
   * Every topic key's latest entry, deleted topics included (their tombstone's
   * revision, `topic: null`), by name: what a node re-reads to catch up with
   * changes its watch missed.
   */
  async revisions(): Promise<Map<string, TopicRevision>> {
    const keys = await listKeys(this.#kv, "topics.>");
    const out = new Map<string, TopicRevision>();
    for (const key of keys) {
      const name = topicOfKey(key);
      if (name === undefined) continue;
      const e = await this.#kv.get(key);
      if (e === null) continue;
      const topic = e.operation === "PUT" ? e.json<ClusterTopic>() : null;
      out.set(name, { topic, revision: e.revision });
    }
    return out;
  }

  /** One topic, or `null`. */
  async get(name: string): Promise<StoredTopic | null> {
    const e = await this.#kv.get(topicKey(name));
    if (e === null || e.operation !== "PUT") return null;
    return { topic: e.json<ClusterTopic>(), revision: e.revision };
  }

  /**
   * Stores a new topic.
   *
   * @throws {WeirError} `TOPIC_ALREADY_EXISTS` when the key exists
   */
  async create(topic: ClusterTopic): Promise<number> {
    try {
      return await this.#kv.create(topicKey(topic.name), JSON.stringify(topic));
    } catch (e) {
      if (conflict(e)) {
        throw new WeirError(
          "TOPIC_ALREADY_EXISTS",
          `Cannot create topic "${topic.name}": it already exists`,
          { cause: e },
        );
      }
      throw e;
    }
  }

  /**
   * Replaces a topic if it is still at `revision`.
   *
   * @throws {WeirError} `COORDINATOR_NOT_AVAILABLE` (retriable) when someone
   *   else changed it meanwhile
   */
  async update(topic: ClusterTopic, revision: number): Promise<number> {
    try {
      return await this.#kv.update(topicKey(topic.name), JSON.stringify(topic), revision);
    } catch (e) {
      if (conflict(e)) {
        throw new WeirError(
          "COORDINATOR_NOT_AVAILABLE",
          `Cannot update topic "${topic.name}": it changed concurrently (revision ${revision} is stale)`,
          { cause: e },
        );
      }
      throw e;
    }
  }

  /** Deletes a topic if it is still at `revision`. */
  async delete(name: string, revision: number): Promise<void> {
    await this.#kv.delete(topicKey(name), { previousSeq: revision });
  }

  /** Allocates the next producer id (compare-and-set loop). */
  async nextProducerId(): Promise<number> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const e = await this.#kv.get(PRODUCER_IDS);
      const next = e === null || e.operation !== "PUT" ? 0 : e.json<{ next: number }>().next;
      try {
        const body = JSON.stringify({ next: next + 1 });
        if (e === null || e.operation !== "PUT") await this.#kv.create(PRODUCER_IDS, body);
        else await this.#kv.update(PRODUCER_IDS, body, e.revision);
        return next;
      } catch (err) {
        if (!conflict(err)) throw err;
      }
    }
    throw new WeirError("COORDINATOR_NOT_AVAILABLE", "Cannot allocate a producer id: contention");
  }

  /**
   * Watches topic changes (initial values first): `onChange(name, topic,
   * revision)` with `null` for a deleted topic. Stops when the handle is
   * disposed. A watch can miss a change (see `MetadataFollower`).
   */
  async watch(
    onChange: (name: string, topic: ClusterTopic | null, revision: number) => void,
  ): Promise<AsyncDisposable> {
    const iter = await this.#kv.watch({ key: "topics.>" });
    const done = (async () => {
      for await (const e of iter) {
        const name = topicOfKey(e.key);
        if (name === undefined) continue;
        onChange(name, e.operation === "PUT" ? e.json<ClusterTopic>() : null, e.revision);
      }
    })();
    return {
      [Symbol.asyncDispose]: async () => {
        iter.stop();
        await done.catch(() => {});
      },
    };
  }
}
