/**
 * The controller lease: one node at a time holds key `controller` of the
 * lease bucket. A node takes it with a KV `create` (fails when someone holds
 * it), the holder renews it every heartbeat with `update` on the revision it
 * last wrote (compare-and-set: a failed update means someone else took it),
 * and the bucket's max age (3× the heartbeat) ends a lease nobody renews.
 *
 * The holder stops acting (`onLost`) as soon as a renewal is refused, or when
 * it could not renew for `ttl − heartbeat` (it cannot know the server still
 * keeps its key): it gives up before anyone else can take over. Closing a
 * held lease deletes the key so another node takes over at its next tick.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { KV } from "@nats-io/kv";
import { type Clock, systemClock } from "../../actors/runtime/mod.ts";
import { Ticker } from "./_ticker.ts";

const logger = getLogger(["weir", "cluster", "lease"]);
const KEY = "controller";

/** Options of {@linkcode ControllerLease.start}. */
export interface ControllerLeaseOptions {
  /** Renewal / polling period, ms. */
  readonly heartbeatMs: number;
  /** Lifetime of an unrenewed lease (the bucket's max age), ms; default 3× heartbeat. */
  readonly ttlMs?: number;
  /** Clock (default: the real one). */
  readonly clock?: Clock;
  /** Called when this node took the lease (it is now the controller). */
  readonly onAcquired?: () => void | Promise<void>;
  /** Called when this node lost or gave up the lease (stop acting at once). */
  readonly onLost?: () => void | Promise<void>;
}

/** Contends for, holds and renews the controller lease. */
export class ControllerLease implements AsyncDisposable {
  readonly #kv: KV;
  readonly #nodeId: number;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #heartbeatMs: number;
  readonly #options: ControllerLeaseOptions;
  #ticker: Ticker | undefined;
  #revision = 0;
  #epoch = 0;
  #renewedAt = 0;
  #holder: number | undefined;
  #closed: Promise<void> | undefined;

  private constructor(kv: KV, nodeId: number, options: ControllerLeaseOptions) {
    this.#kv = kv;
    this.#nodeId = nodeId;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#heartbeatMs = options.heartbeatMs;
    this.#ttlMs = options.ttlMs ?? options.heartbeatMs * 3;
  }

  /**
   * Makes a first attempt, then keeps contending / renewing every heartbeat.
   *
   * @param kv the lease bucket
   * @param nodeId this node
   * @param options heartbeat, ttl, clock, callbacks
   */
  static async start(
    kv: KV,
    nodeId: number,
    options: ControllerLeaseOptions,
  ): Promise<ControllerLease> {
    const lease = new ControllerLease(kv, nodeId, options);
    await lease.#step();
    lease.#ticker = new Ticker(lease.#clock, {
      periodMs: options.heartbeatMs,
      step: () => lease.#step(),
    });
    return lease;
  }

  /** Whether this node holds the lease now. */
  get held(): boolean {
    // Also by the local clock: a holder paused past its validity (GC, SIGSTOP, a starved event
    // loop) must not act before its next renewal attempt tells it the lease is gone.
    return this.#revision > 0 &&
      this.#clock.now() - this.#renewedAt < this.#ttlMs - this.#heartbeatMs;
  }

  /**
   * Fencing token of this node's current holding: the lease key's revision
   * when it was taken (JetStream sequences only grow, so a later holder has a
   * larger one); 0 when not held. The controller stamps it into every metadata
   * write and refuses to overwrite a value stamped by a later holder.
   */
  get epoch(): number {
    return this.#revision > 0 ? this.#epoch : 0;
  }

  /** The holder as last seen (this node when held), or `undefined` when nobody holds it. */
  get holder(): number | undefined {
    return this.#revision > 0 ? this.#nodeId : this.#holder;
  }

  /** Runs one contend/renew step now (tests; also used right after a peer left). */
  tick(): Promise<void> {
    return this.#ticker?.now() ?? this.#step();
  }

  async #step(): Promise<void> {
    if (this.#closed !== undefined) return;
    const value = JSON.stringify({ nodeId: this.#nodeId });
    if (this.#revision > 0) {
      const started = this.#clock.now();
      try {
        this.#revision = await this.#kv.update(KEY, value, this.#revision);
        this.#renewedAt = started;
      } catch (e) {
        const refused = /wrong last sequence|10071/i.test(String(e));
        if (refused || this.#clock.now() - this.#renewedAt >= this.#ttlMs - this.#heartbeatMs) {
          logger.warn("Node {nodeId} lost the controller lease: {error}", {
            nodeId: this.#nodeId,
            error: String(e),
          });
          await this.#lose();
        }
      }
      return;
    }
    try {
      const entry = await this.#kv.get(KEY);
      if (entry !== null && entry.operation === "PUT") {
        this.#holder = entry.json<{ nodeId: number }>().nodeId;
        return;
      }
      this.#holder = undefined;
      const started = this.#clock.now();
      this.#revision = await this.#kv.create(KEY, value);
      this.#epoch = this.#revision;
      this.#renewedAt = started;
      this.#holder = this.#nodeId;
      logger.info("Node {nodeId} holds the controller lease", { nodeId: this.#nodeId });
      await this.#options.onAcquired?.();
    } catch (e) {
      if (!/wrong last sequence|exists|10071/i.test(String(e))) {
        logger.debug("Cannot contend for the controller lease: {error}", { error: String(e) });
      }
    }
  }

  async #lose(): Promise<void> {
    if (this.#revision === 0) return;
    this.#revision = 0;
    this.#holder = undefined;
    await this.#options.onLost?.();
  }

  /** Stops contending; a held lease is released (key deleted) and `onLost` runs; idempotent. */
  close(): Promise<void> {
    return this.#closed ??= (async () => {
      await this.#ticker?.close();
      if (this.#revision > 0) {
        const revision = this.#revision;
        await this.#lose();
        await this.#kv.delete(KEY, { previousSeq: revision }).catch(() => {});
      }
    })();
  }

  /** Same as {@linkcode ControllerLease.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
