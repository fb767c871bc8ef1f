/**
 * {@linkcode LeaderEpochCache}: the in-memory list of (leader epoch, start
 * offset) entries of one replica's log (Kafka's `LeaderEpochFileCache`,
 * KIP-101/279). Entry `(e, s)` says: the batches from offset `s` up to the
 * next entry's start were written by the leader of epoch `e`.
 *
 * A leader adds `(epoch, logEndOffset)` when it takes over; a follower adds
 * an entry whenever a replicated batch carries a newer `partitionLeaderEpoch`.
 * The cache is cut together with the log (truncation from the end, retention
 * from the start). It holds no file; the partition persists
 * {@linkcode LeaderEpochCache.entries} with `leader_epoch_checkpoint.ts`
 * whenever {@linkcode LeaderEpochCache.version} changed.
 *
 * @module
 */

/** One leader epoch and the first offset written in it. */
export interface EpochEntry {
  /** Leader epoch. */
  epoch: number;
  /** First offset of the epoch. */
  startOffset: number;
}

/** Answer of {@linkcode LeaderEpochCache.endOffsetFor}; both -1 when undefined. */
export interface EpochEndOffset {
  /** The largest known epoch at or below the one asked for. */
  epoch: number;
  /** The offset after that epoch's last record (the next epoch's start, or the log end). */
  endOffset: number;
}

/** Epoch value meaning "none" (Kafka's `UNDEFINED_EPOCH`). */
export const UNDEFINED_EPOCH = -1;

/**
 * Leader epochs of one log, ascending by epoch and start offset.
 *
 * @example Ask where an epoch ended
 * ```ts
 * import { LeaderEpochCache } from "./leader_epoch_cache.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const cache = new LeaderEpochCache([{ epoch: 1, startOffset: 0 }]);
 * cache.assign(3, 10);
 * assertEquals(cache.endOffsetFor(1, 15), { epoch: 1, endOffset: 10 });
 * assertEquals(cache.endOffsetFor(2, 15), { epoch: 1, endOffset: 10 });
 * assertEquals(cache.endOffsetFor(3, 15), { epoch: 3, endOffset: 15 });
 * ```
 */
export class LeaderEpochCache {
  #entries: EpochEntry[];
  #version = 0;

  /** Starts from entries (e.g. read from the checkpoint), which must be ascending. */
  constructor(entries: readonly EpochEntry[] = []) {
    this.#entries = entries.map((e) => ({ ...e }));
  }

  /** A copy of the entries, ascending. */
  get entries(): EpochEntry[] {
    return this.#entries.map((e) => ({ ...e }));
  }

  /** Bumped on every change, so the owner knows when to write the checkpoint. */
  get version(): number {
    return this.#version;
  }

  /** The newest epoch, or -1 when there is none. */
  get latestEpoch(): number {
    return this.#entries[this.#entries.length - 1]?.epoch ?? UNDEFINED_EPOCH;
  }

  /** The start offset of the newest epoch, or -1 when there is none. */
  get latestStartOffset(): number {
    return this.#entries[this.#entries.length - 1]?.startOffset ?? -1;
  }

  /**
   * Records that `epoch` starts at `startOffset`. Ignored when `epoch` is not
   * newer than the latest one (an older or repeated epoch changes nothing).
   * A newer epoch starting below the latest entries' starts replaces them
   * (they held no records).
   *
   * @returns whether the cache changed
   */
  assign(epoch: number, startOffset: number): boolean {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || !Number.isSafeInteger(startOffset)) {
      throw new RangeError(
        `Cannot assign leader epoch ${epoch} at offset ${startOffset}: both must be non-negative integers`,
      );
    }
    if (epoch <= this.latestEpoch) return false;
    while (this.#entries.length > 0 && this.latestStartOffset >= startOffset) {
      this.#entries.pop();
    }
    this.#entries.push({ epoch, startOffset });
    this.#version++;
    return true;
  }

  /**
   * Where `epoch` ended in this log (Kafka's `endOffsetFor`): the largest
   * known epoch `<= epoch` and the start offset of the first epoch above it,
   * or `logEndOffset` when `epoch` is the latest. `{-1, -1}` when `epoch` is
   * newer than every known epoch but not the latest, or when the cache is
   * empty or `epoch` is -1.
   *
   * @param epoch The epoch asked about.
   * @param logEndOffset This log's end offset.
   */
  endOffsetFor(epoch: number, logEndOffset: number): EpochEndOffset {
    const undefinedAnswer = { epoch: UNDEFINED_EPOCH, endOffset: -1 };
    if (epoch === UNDEFINED_EPOCH || this.#entries.length === 0) return undefinedAnswer;
    if (epoch === this.latestEpoch) return { epoch, endOffset: logEndOffset };
    const higher = this.#entries.findIndex((e) => e.epoch > epoch);
    if (higher < 0) return undefinedAnswer;
    const next = this.#entries[higher]!;
    const floor = this.#entries[higher - 1];
    return { epoch: floor ? floor.epoch : epoch, endOffset: next.startOffset };
  }

  /** The epoch of the record at `offset`, or -1 when it is before every entry. */
  epochAt(offset: number): number {
    let epoch = UNDEFINED_EPOCH;
    for (const e of this.#entries) {
      if (e.startOffset > offset) break;
      epoch = e.epoch;
    }
    return epoch;
  }

  /** Drops the entries starting at or after `endOffset` (the log was cut there). */
  truncateFromEnd(endOffset: number): void {
    const before = this.#entries.length;
    this.#entries = this.#entries.filter((e) => e.startOffset < endOffset);
    if (this.#entries.length !== before) this.#version++;
  }

  /**
   * Drops the entries wholly below `startOffset` (retention advanced the log
   * start); the epoch that holds `startOffset` now starts there.
   */
  truncateFromStart(startOffset: number): void {
    let changed = false;
    while (this.#entries.length > 1 && this.#entries[1]!.startOffset <= startOffset) {
      this.#entries.shift();
      changed = true;
    }
    const first = this.#entries[0];
    if (first && first.startOffset < startOffset) {
      first.startOffset = startOffset;
      changed = true;
    }
    if (changed) this.#version++;
  }
}
