/**
 * Committed offsets of consumer groups in cluster mode, in the JetStream KV
 * bucket `weir_<cluster>_groups`: key `groups.<enc group id>` holds the
 * group's whole offset map as JSON (`[{ topic, partition, value }]`), so a
 * commit of several partitions is one atomic compare-and-set write. NATS
 * replicates it, so a coordinator that moves to another node picks up the
 * committed offsets where the old one left them.
 *
 * @module
 */
import type { KV } from "@nats-io/kv";
import {
  type OffsetEntry,
  offsetKey,
  type OffsetMap,
  type OffsetStore,
  type OffsetValue,
} from "../../actors/group_coordinator/mod.ts";
import { WeirError } from "../../client/protocol/mod.ts";
import { decodeKeyToken, encodeKeyToken } from "./cluster_topic.ts";
import { listKeys } from "./kv_keys.ts";

const PREFIX = "groups.";

type Stored = { topic: string; partition: number; value: OffsetValue }[];

/** An {@linkcode OffsetStore} over a KV bucket, plus the list of known groups. */
export class KvOffsetStore implements OffsetStore {
  readonly #kv: KV;

  /** Wraps the groups bucket. */
  constructor(kv: KV) {
    this.#kv = kv;
  }

  /** Every committed offset of `groupId`. */
  async load(groupId: string): Promise<OffsetMap> {
    const e = await this.#kv.get(PREFIX + encodeKeyToken(groupId));
    const out: OffsetMap = new Map();
    if (e === null || e.operation !== "PUT") return out;
    for (const o of e.json<Stored>()) out.set(offsetKey(o.topic, o.partition), o);
    return out;
  }

  /** Applies entries (null value = delete) in one compare-and-set write. */
  async append(groupId: string, entries: readonly OffsetEntry[]): Promise<void> {
    const key = PREFIX + encodeKeyToken(groupId);
    for (let attempt = 0; attempt < 10; attempt++) {
      const e = await this.#kv.get(key);
      const current: OffsetMap = new Map();
      const exists = e !== null && e.operation === "PUT";
      if (exists) {
        for (const o of e.json<Stored>()) current.set(offsetKey(o.topic, o.partition), o);
      }
      for (const entry of entries) {
        const k = offsetKey(entry.topic, entry.partition);
        if (entry.value === null) current.delete(k);
        else current.set(k, { topic: entry.topic, partition: entry.partition, value: entry.value });
      }
      const body = JSON.stringify([...current.values()]);
      try {
        if (exists) await this.#kv.update(key, body, e.revision);
        else await this.#kv.create(key, body);
        return;
      } catch (err) {
        if (!/wrong last sequence|10071|exists/i.test(String(err))) throw err;
      }
    }
    throw new WeirError(
      "COORDINATOR_NOT_AVAILABLE",
      `Cannot commit offsets of group "${groupId}": concurrent writers`,
    );
  }

  /** Whether a group id was recorded (by any node). */
  async exists(groupId: string): Promise<boolean> {
    const e = await this.#kv.get(PREFIX + encodeKeyToken(groupId));
    return e !== null && e.operation === "PUT";
  }

  /** Records a group id (an empty offset map) unless it is known. */
  async register(groupId: string): Promise<void> {
    await this.#kv.create(PREFIX + encodeKeyToken(groupId), "[]").catch(() => {});
  }

  /** Every known group id. */
  async groups(): Promise<string[]> {
    const out = new Set<string>(); // a key updated during the listing can come twice
    // Group keys are never deleted, so no tombstone is listed (`listKeys`: kv.keys() could hang).
    for (const k of await listKeys(this.#kv, `${PREFIX}>`)) {
      out.add(decodeKeyToken(k.slice(PREFIX.length)));
    }
    return [...out].sort();
  }
}
