/**
 * Cluster membership: each node puts `nodes.<id>` into the membership
 * bucket and renews it every heartbeat; the bucket's max age (3× the
 * heartbeat) removes a node that stopped renewing (crash, kill -9, network
 * cut). Live nodes = the keys present. Every node refreshes its view on each
 * heartbeat and reports changes.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { KV } from "@nats-io/kv";
import { type Clock, systemClock } from "../../actors/runtime/mod.ts";
import type { NodeInfo } from "./buckets.ts";
import { Ticker } from "./_ticker.ts";
import { listKeys } from "./kv_keys.ts";

const logger = getLogger(["weir", "cluster", "membership"]);

/** Options of {@linkcode Membership.join}. */
export interface MembershipOptions {
  /** Renewal period, ms. */
  readonly heartbeatMs: number;
  /** Clock of the renewal timer (default: the real one). */
  readonly clock?: Clock;
  /** Called with the live nodes whenever the set of ids changes. */
  readonly onChange?: (live: readonly NodeInfo[]) => void;
}

/** This node's registration plus its view of the live nodes. */
export class Membership implements AsyncDisposable {
  readonly #kv: KV;
  readonly #info: NodeInfo;
  readonly #onChange: ((live: readonly NodeInfo[]) => void) | undefined;
  #ticker: Ticker | undefined;
  #live: NodeInfo[] = [];
  #closed: Promise<void> | undefined;

  private constructor(kv: KV, info: NodeInfo, options: MembershipOptions) {
    this.#kv = kv;
    this.#info = info;
    this.#onChange = options.onChange;
  }

  /**
   * Registers this node, reads the live set, and starts renewing.
   *
   * @param kv the membership bucket
   * @param info this node
   * @param options heartbeat, clock, change listener
   */
  static async join(kv: KV, info: NodeInfo, options: MembershipOptions): Promise<Membership> {
    const m = new Membership(kv, info, options);
    await m.#renew();
    await m.refresh();
    m.#ticker = new Ticker(options.clock ?? systemClock, {
      periodMs: options.heartbeatMs,
      step: async () => {
        try {
          await m.#renew();
        } catch (e) {
          logger.warn("Cannot renew the membership of node {id}: {error}", {
            id: info.id,
            error: String(e),
          });
        }
        await m.refresh();
      },
    });
    return m;
  }

  /** This node. */
  get self(): NodeInfo {
    return this.#info;
  }

  /** Live nodes as last read, sorted by id. */
  get live(): readonly NodeInfo[] {
    return this.#live;
  }

  /** Ids of the live nodes as last read. */
  liveIds(): Set<number> {
    return new Set(this.#live.map((n) => n.id));
  }

  /** Updates this node's advertised address (after binding port 0) and Kafka listener port. */
  async advertise(host: string, port: number, kafkaPort?: number): Promise<void> {
    this.#info.host = host;
    this.#info.port = port;
    if (kafkaPort !== undefined) this.#info.kafkaPort = kafkaPort;
    await this.#renew();
    await this.refresh();
  }

  async #renew(): Promise<void> {
    if (this.#closed !== undefined) return;
    await this.#kv.put(`nodes.${this.#info.id}`, JSON.stringify(this.#info));
  }

  /** Reads the live set now; keeps the last view when NATS cannot be reached. */
  async refresh(): Promise<readonly NodeInfo[]> {
    try {
      // A key renewed while the listing runs can be listed twice: dedupe, or a node would
      // count twice (and placement could put two replicas on it).
      // (`listKeys`, not `kv.keys()`: that listing could hang and with it close(), see kv_keys.ts.)
      const keys = new Set(await listKeys(this.#kv, "nodes.>"));
      const found: NodeInfo[] = [];
      for (const key of keys) {
        const e = await this.#kv.get(key);
        if (e === null || e.operation !== "PUT") continue;
        found.push(e.json<NodeInfo>());
      }
      found.sort((a, b) => a.id - b.id);
      const before = this.#live.map((n) => n.id).join(",");
      this.#live = found;
      if (found.map((n) => n.id).join(",") !== before) this.#onChange?.(found);
    } catch (e) {
      logger.warn("Cannot read the live nodes: {error}", { error: String(e) });
    }
    return this.#live;
  }

  /** Stops renewing and removes this node's key (others see it leave at once); idempotent. */
  close(): Promise<void> {
    return this.#closed ??= (async () => {
      await this.#ticker?.close();
      await this.#kv.delete(`nodes.${this.#info.id}`).catch(() => {});
    })();
  }

  /** Same as {@linkcode Membership.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
