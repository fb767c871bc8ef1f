/**
 * {@linkcode MetadataFollower}: a node's view of the metadata bucket, kept
 * current by a KV watch plus a re-list on demand.
 *
 * A KV watch is a push consumer: a node can miss a change (its consumer
 * recreated after a reconnect, a message lost while the server restarted)
 * and would then act on the old value until the next change of that topic.
 * {@linkcode MetadataFollower.resync} re-reads every topic key (tombstones
 * included) and applies what is newer than what was applied; the node calls
 * it every few heartbeats. Every change carries its KV revision (JetStream
 * sequences only grow), so a late watch delivery or a listing read before a
 * newer change is never applied over it, and a deletion is never undone by
 * an older value.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { ClusterTopic } from "./cluster_topic.ts";
import type { MetadataStore } from "./metadata_store.ts";

const logger = getLogger(["weir", "cluster", "metadata"]);

/** Options of {@linkcode MetadataFollower.start}. */
export interface MetadataFollowerOptions {
  /**
   * Applies one change (`null`: the topic was deleted). Called one at a time,
   * in revision order per topic; a change whose `apply` throws is offered
   * again at the next {@linkcode MetadataFollower.resync}.
   */
  apply: (name: string, topic: ClusterTopic | null) => Promise<void>;
  /** Watch the bucket (default `true`; `false` leaves only re-lists, e.g. to test them). */
  watch?: boolean;
}

/** Applies metadata changes seen by a watch or a re-list, each at most once, newest wins. */
export class MetadataFollower implements AsyncDisposable {
  readonly #store: MetadataStore;
  readonly #apply: MetadataFollowerOptions["apply"];
  readonly #revisions = new Map<string, number>();
  #queue: Promise<unknown> = Promise.resolve();
  #watch: AsyncDisposable | undefined;
  #closing: Promise<void> | null = null;

  private constructor(store: MetadataStore, apply: MetadataFollowerOptions["apply"]) {
    this.#store = store;
    this.#apply = apply;
  }

  /**
   * Applies the stored metadata, then follows changes.
   *
   * @param store The metadata bucket.
   * @param options How to apply a change; whether to watch.
   * @returns The follower (close it to stop watching).
   * @throws The KV error when the first listing or the watch cannot start.
   */
  static async start(
    store: MetadataStore,
    options: MetadataFollowerOptions,
  ): Promise<MetadataFollower> {
    const follower = new MetadataFollower(store, options.apply);
    await follower.resync();
    if (options.watch ?? true) {
      follower.#watch = await store.watch((name, topic, revision) => {
        follower.#offer(name, topic, revision).catch((e) =>
          logger.error("Cannot apply the metadata of topic {topic}: {error}", {
            topic: name,
            error: String(e),
          })
        );
      });
    }
    return follower;
  }

  /** The KV revision last applied for topic `name` (a deletion's too), or `undefined`. */
  revision(name: string): number | undefined {
    return this.#revisions.get(name);
  }

  /**
   * Re-reads every topic key and applies each entry newer than the one
   * applied (missed by the watch, or whose `apply` failed).
   *
   * @returns How many changes were applied.
   * @throws The KV error when the listing fails, or the first failed `apply`
   *   (the others are still tried).
   */
  async resync(): Promise<number> {
    const entries = await this.#store.revisions();
    let applied = 0;
    let failure: { error: unknown } | undefined;
    for (const [name, { topic, revision }] of entries) {
      try {
        if (await this.#offer(name, topic, revision)) applied++;
      } catch (e) {
        failure ??= { error: e };
      }
    }
    if (applied > 0) logger.debug("Re-list applied {count} metadata changes", { count: applied });
    if (failure !== undefined) throw failure.error;
    return applied;
  }

  /** Queues one change; resolves `true` once applied, `false` when not newer (or closing). */
  #offer(name: string, topic: ClusterTopic | null, revision: number): Promise<boolean> {
    const run = this.#queue.then(async () => {
      if (this.#closing !== null) return false;
      if (revision <= (this.#revisions.get(name) ?? 0)) return false;
      await this.#apply(name, topic);
      this.#revisions.set(name, revision);
      return true;
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Stops watching and waits for the change being applied; idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.resolve(this.#watch?.[Symbol.asyncDispose]()).catch(() => {});
      await this.#queue;
    })();
    return this.#closing;
  }

  /** Same as {@linkcode MetadataFollower.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
