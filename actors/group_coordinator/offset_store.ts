/**
 * Where a coordinator keeps committed offsets: {@linkcode OffsetStore}, with
 * the real {@linkcode PartitionOffsetStore} over a partition actor of the
 * compacted internal topic `__consumer_offsets`, and
 * {@linkcode MemoryOffsetStore} for unit tests.
 *
 * The partition actor's message shapes are declared here on purpose (an actor
 * kind does not import another kind's files); they are the partition's
 * `append` and `fetch` requests.
 *
 * Loading replays the whole offsets partition and keeps the records of one
 * group (Kafka loads a partition for all its groups at once; here each group's
 * coordinator loads on activation, so the cost is one scan of a compacted
 * partition per activation).
 *
 * @module
 */
import { decodeRecordsAsync, iterateBatches } from "../../client/protocol/mod.ts";
import type { ActorRef } from "../runtime/mod.ts";
import {
  applyOffsetEntries,
  decodeOffsetRecord,
  encodeOffsetEntries,
  type OffsetEntry,
  type OffsetMap,
} from "./offsets_codec.ts";

/** Durable committed offsets of groups. */
export interface OffsetStore {
  /** Every committed offset of `groupId` (last write wins, tombstones removed). */
  load(groupId: string): Promise<OffsetMap>;
  /** Appends entries atomically and durably (acks=all); resolves once they are durable. */
  append(groupId: string, entries: readonly OffsetEntry[]): Promise<void>;
}

/** The partition actor's requests used here (its `append` and `fetch`). */
export type OffsetsPartitionRequest =
  | { type: "append"; batches: Uint8Array; acks: -1 }
  | {
    type: "fetch";
    offset: number | "earliest";
    maxBytes: number;
    maxRecords: number;
    waitMs: 0;
  };

/** The partition actor's answer to `fetch`. */
export interface OffsetsFetchReply {
  /** Whole batches, concatenated. */
  batches: Uint8Array;
  /** Offset to fetch next. */
  nextOffset: number;
  /** High watermark. */
  highWatermark: number;
}

/** Options of {@linkcode PartitionOffsetStore}. */
export interface PartitionOffsetStoreOptions {
  /** Time stamped on appended batches (ms). */
  now: () => number;
  /** Bytes per fetch while loading (default 1 MiB). */
  fetchBytes?: number;
  /** Deadline of each ask (ms, default 30 000). */
  timeoutMs?: number;
}

/** Committed offsets in a partition of `__consumer_offsets`, through its actor. */
export class PartitionOffsetStore implements OffsetStore {
  readonly #ref: ActorRef<OffsetsPartitionRequest>;
  readonly #options: PartitionOffsetStoreOptions;

  /**
   * Creates a store over one offsets partition.
   *
   * @param ref The offsets partition's actor.
   * @param options Clock and limits.
   */
  constructor(ref: ActorRef<OffsetsPartitionRequest>, options: PartitionOffsetStoreOptions) {
    this.#ref = ref;
    this.#options = options;
  }

  /** Replays the partition from its start and keeps `groupId`'s records. */
  async load(groupId: string): Promise<OffsetMap> {
    const out: OffsetMap = new Map();
    let offset: number | "earliest" = "earliest";
    const timeoutMs = this.#options.timeoutMs ?? 30_000;
    while (true) {
      const reply: OffsetsFetchReply = await this.#ref.ask<OffsetsFetchReply>({
        type: "fetch",
        offset,
        maxBytes: this.#options.fetchBytes ?? 1024 * 1024,
        maxRecords: 100_000,
        waitMs: 0,
      }, { timeoutMs });
      for (const { pos } of iterateBatches(reply.batches)) {
        const entries: OffsetEntry[] = [];
        for (const record of await decodeRecordsAsync(reply.batches, pos)) {
          const decoded = decodeOffsetRecord(record.key, record.value);
          if (decoded.groupId === groupId) entries.push(decoded);
        }
        applyOffsetEntries(out, entries);
      }
      if (reply.batches.length === 0 || reply.nextOffset >= reply.highWatermark) return out;
      offset = reply.nextOffset;
    }
  }

  /** One batch with every entry, appended with acks=all (fsynced before this resolves). */
  async append(groupId: string, entries: readonly OffsetEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const batches = encodeOffsetEntries(groupId, entries, { now: this.#options.now() });
    await this.#ref.ask({ type: "append", batches, acks: -1 }, {
      transfer: [batches.buffer as ArrayBuffer],
      timeoutMs: this.#options.timeoutMs ?? 30_000,
    });
  }
}

/**
 * Offsets in memory, for unit tests: shared by every coordinator given the
 * same instance (so a "restarted" coordinator sees earlier commits).
 * `failNext` makes the next append fail, to test that nothing is applied.
 */
export class MemoryOffsetStore implements OffsetStore {
  readonly #log: { groupId: string; entries: OffsetEntry[] }[] = [];
  #failNext: Error | null = null;

  /** Appends made so far (a copy), in order. */
  get appends(): { groupId: string; entries: OffsetEntry[] }[] {
    return structuredClone(this.#log);
  }

  /** The next `append` rejects with `error`. */
  failNext(error: Error): void {
    this.#failNext = error;
  }

  /** Replays the appends of `groupId`. */
  load(groupId: string): Promise<OffsetMap> {
    const out: OffsetMap = new Map();
    for (const a of this.#log) if (a.groupId === groupId) applyOffsetEntries(out, a.entries);
    return Promise.resolve(out);
  }

  /** Records the entries (or fails once after `failNext`). */
  append(groupId: string, entries: readonly OffsetEntry[]): Promise<void> {
    const error = this.#failNext;
    if (error !== null) {
      this.#failNext = null;
      return Promise.reject(error);
    }
    this.#log.push({ groupId, entries: structuredClone([...entries]) });
    return Promise.resolve();
  }
}
