/**
 * The sparse time index of one segment (`.timeindex`), Kafka's format.
 *
 * Format: 12-byte big-endian entries `int64 timestamp, int32 relativeOffset`.
 * An entry `(T, O)` means: T is the largest timestamp of every batch up to
 * and including the one whose last offset is `baseOffset + O`. Entries are
 * added alongside offset-index entries when the running maximum grew, and
 * once more when the segment is closed, so the last entry holds the
 * segment's largest timestamp (used by time-based retention).
 *
 * Invariants: timestamps and offsets strictly increase. No checksum: a file
 * that breaks the invariants is rebuilt by recovery; a short one only makes
 * lookups scan further.
 *
 * @module
 */
import { EntryBuffer } from "./_entry_buffer.ts";

/** Bytes per entry. */
export const TIME_INDEX_ENTRY_SIZE = 12;

const TWO_32 = 4294967296;

/** One entry with absolute values. */
export interface TimestampOffset {
  /** Largest timestamp up to `offset`. */
  timestamp: number;
  /** Absolute offset (last offset of the batch that was indexed). */
  offset: number;
}

/** The in-memory sparse timestamp → offset index of one segment. */
export class TimeIndex {
  /** Base offset of the segment. */
  readonly baseOffset: number;
  readonly #buf = new EntryBuffer(TIME_INDEX_ENTRY_SIZE);

  /**
   * Creates an empty index.
   *
   * @param baseOffset The segment's base offset.
   */
  constructor(baseOffset: number) {
    this.baseOffset = baseOffset;
  }

  /**
   * Loads an index from its file bytes, checking the invariants.
   *
   * @param baseOffset The segment's base offset.
   * @param bytes The file contents.
   * @param options `maxOffset`: every offset must be <= it.
   * @returns The index, or a reason why it cannot be trusted.
   */
  static fromBytes(
    baseOffset: number,
    bytes: Uint8Array,
    options: { maxOffset: number },
  ): TimeIndex | string {
    if (bytes.length % TIME_INDEX_ENTRY_SIZE !== 0) {
      return `size ${bytes.length} is not a multiple of ${TIME_INDEX_ENTRY_SIZE}`;
    }
    const index = new TimeIndex(baseOffset);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 0; at < bytes.length; at += TIME_INDEX_ENTRY_SIZE) {
      const ts = view.getInt32(at) * TWO_32 + view.getUint32(at + 4);
      const offset = baseOffset + view.getInt32(at + 8);
      const last = index.last;
      if (
        offset < baseOffset || offset > options.maxOffset ||
        (last !== null && (ts <= last.timestamp || offset <= last.offset))
      ) {
        return `entry ${at / TIME_INDEX_ENTRY_SIZE} (${ts}, ${offset}) breaks the order or range`;
      }
      index.append(ts, offset);
    }
    return index;
  }

  /** Number of entries. */
  get entries(): number {
    return this.#buf.count;
  }

  /** Bytes of the entries (a view; valid until the next change). */
  get bytes(): Uint8Array {
    return this.#buf.bytes;
  }

  /** The last entry, or null. */
  get last(): TimestampOffset | null {
    return this.#buf.count === 0 ? null : this.entry(this.#buf.count - 1);
  }

  /**
   * The entry at `i`.
   *
   * @param i Entry number.
   * @returns Absolute timestamp and offset.
   */
  entry(i: number): TimestampOffset {
    const at = i * TIME_INDEX_ENTRY_SIZE;
    return {
      timestamp: this.#buf.view.getInt32(at) * TWO_32 + this.#buf.view.getUint32(at + 4),
      offset: this.baseOffset + this.#buf.view.getInt32(at + 8),
    };
  }

  /**
   * Adds an entry when both values exceed the last entry's; ignored otherwise.
   *
   * @param timestamp The running maximum timestamp.
   * @param offset The last offset of the batch that was indexed.
   */
  append(timestamp: number, offset: number): void {
    const last = this.last;
    if (last !== null && (timestamp <= last.timestamp || offset <= last.offset)) return;
    const rel = offset - this.baseOffset;
    if (rel < 0 || rel > 0x7fffffff) {
      throw new RangeError(`Cannot index offset ${offset}: out of int32 range`);
    }
    const at = this.#buf.push();
    this.#buf.view.setInt32(at, Math.floor(timestamp / TWO_32));
    this.#buf.view.setUint32(at + 4, timestamp >>> 0);
    this.#buf.view.setInt32(at + 8, rel);
  }

  /**
   * The offset to start scanning from for the first record with a timestamp
   * >= `timestamp`: one past the last entry whose timestamp is below it
   * (every record up to that entry is older), or the base offset.
   *
   * @param timestamp Target timestamp.
   * @returns An absolute offset to scan from.
   *
   * @example Start of a scan
   * ```ts
   * import { TimeIndex } from "./time_index.ts";
   * import { assertEquals } from "@std/assert";
   *
   * const index = new TimeIndex(0);
   * index.append(1000, 9);
   * index.append(2000, 19);
   * assertEquals(index.scanStart(1500), 10);
   * assertEquals(index.scanStart(500), 0);
   * ```
   */
  scanStart(timestamp: number): number {
    let lo = 0;
    let hi = this.#buf.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entry(mid).timestamp < timestamp) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? this.baseOffset : this.entry(found).offset + 1;
  }

  /**
   * Drops every entry whose offset is >= `offset`.
   *
   * @param offset First offset cut from the log.
   */
  truncateToOffset(offset: number): void {
    while (this.#buf.count > 0 && this.entry(this.#buf.count - 1).offset >= offset) {
      this.#buf.count--;
    }
  }

  /** Removes every entry. */
  clear(): void {
    this.#buf.count = 0;
  }
}
