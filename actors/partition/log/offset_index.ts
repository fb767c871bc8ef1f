/**
 * The sparse offset index of one segment (`.index`), Kafka's format.
 *
 * Format: 8-byte big-endian entries `int32 relativeOffset, int32 position`:
 * the batch whose base offset is `baseOffset + relativeOffset` starts at byte
 * `position` of the `.log`. An entry is added when at least
 * `index.interval.bytes` were appended since the previous one (and for the
 * first batch), so lookups land within ~4 KiB of the target.
 *
 * Invariants: relative offsets and positions strictly increase. The index
 * lives in memory (a growable array) and is written to its file at flush,
 * roll and close; it has no checksum. A crash may leave it short (harmless:
 * lookups scan a little further) or stale/corrupt: {@linkcode OffsetIndex.fromBytes}
 * rejects a malformed file, recovery rebuilds it, and readers verify the
 * batch found at an entry before trusting it.
 *
 * @module
 */
import { EntryBuffer } from "./_entry_buffer.ts";

/** Bytes per entry. */
export const OFFSET_INDEX_ENTRY_SIZE = 8;

/** One index entry with absolute values. */
export interface OffsetPosition {
  /** Absolute base offset of the batch. */
  offset: number;
  /** Byte position of the batch in the segment's `.log`. */
  position: number;
}

/** The in-memory sparse offset → position index of one segment. */
export class OffsetIndex {
  /** Base offset of the segment. */
  readonly baseOffset: number;
  readonly #buf = new EntryBuffer(OFFSET_INDEX_ENTRY_SIZE);

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
   * @param options `logSize`: every position must be below it.
   * @returns The index, or a reason why the bytes cannot be trusted.
   */
  static fromBytes(
    baseOffset: number,
    bytes: Uint8Array,
    options: { logSize: number },
  ): OffsetIndex | string {
    if (bytes.length % OFFSET_INDEX_ENTRY_SIZE !== 0) {
      return `size ${bytes.length} is not a multiple of ${OFFSET_INDEX_ENTRY_SIZE}`;
    }
    const index = new OffsetIndex(baseOffset);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let prevRel = -1;
    let prevPos = -1;
    for (let at = 0; at < bytes.length; at += OFFSET_INDEX_ENTRY_SIZE) {
      const rel = view.getInt32(at);
      const pos = view.getInt32(at + 4);
      if (rel <= prevRel || pos <= prevPos || pos >= options.logSize) {
        return `entry ${
          at / OFFSET_INDEX_ENTRY_SIZE
        } (${rel}, ${pos}) breaks the order or lies past the log`;
      }
      prevRel = rel;
      prevPos = pos;
      index.append(baseOffset + rel, pos);
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

  /** The last entry, or null when empty. */
  get last(): OffsetPosition | null {
    return this.#buf.count === 0 ? null : this.entry(this.#buf.count - 1);
  }

  /**
   * The entry at `i`.
   *
   * @param i Entry number, 0-based.
   * @returns The absolute offset and position.
   */
  entry(i: number): OffsetPosition {
    const at = i * OFFSET_INDEX_ENTRY_SIZE;
    return {
      offset: this.baseOffset + this.#buf.view.getInt32(at),
      position: this.#buf.view.getInt32(at + 4),
    };
  }

  /**
   * Adds an entry; ignored unless both values exceed the last entry's.
   *
   * @param offset Absolute base offset of a batch.
   * @param position Its byte position.
   */
  append(offset: number, position: number): void {
    const last = this.last;
    if (last !== null && (offset <= last.offset || position <= last.position)) return;
    const rel = offset - this.baseOffset;
    if (rel < 0 || rel > 0x7fffffff || position > 0x7fffffff) {
      throw new RangeError(`Cannot index offset ${offset} at ${position}: out of int32 range`);
    }
    const at = this.#buf.push();
    this.#buf.view.setInt32(at, rel);
    this.#buf.view.setInt32(at + 4, position);
  }

  /**
   * The entry with the largest offset <= `offset` (binary search).
   *
   * @param offset Absolute target offset.
   * @returns That entry, or `{ offset: baseOffset, position: 0 }` when none is <= offset.
   *
   * @example Floor lookup
   * ```ts
   * import { OffsetIndex } from "./offset_index.ts";
   * import { assertEquals } from "@std/assert";
   *
   * const index = new OffsetIndex(100);
   * index.append(100, 0);
   * index.append(150, 4096);
   * assertEquals(index.lookup(149), { offset: 100, position: 0 });
   * assertEquals(index.lookup(150), { offset: 150, position: 4096 });
   * ```
   */
  lookup(offset: number): OffsetPosition {
    const rel = offset - this.baseOffset;
    let lo = 0;
    let hi = this.#buf.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#buf.view.getInt32(mid * OFFSET_INDEX_ENTRY_SIZE) <= rel) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(found);
  }

  /**
   * Drops every entry whose position is >= `position` (after a log truncation).
   *
   * @param position First byte cut from the log.
   */
  truncateToPosition(position: number): void {
    while (this.#buf.count > 0 && this.entry(this.#buf.count - 1).position >= position) {
      this.#buf.count--;
    }
  }

  /** Removes every entry. */
  clear(): void {
    this.#buf.count = 0;
  }
}
