/**
 * The segments of one log ordered by base offset (Kafka's `LogSegments`):
 * floor and higher lookups by binary search. Holds no files itself.
 *
 * @module
 */
import type { Segment } from "./segment.ts";

/** Ordered segments; the last one is the active segment. */
export class Segments {
  #list: Segment[] = [];

  /** Number of segments. */
  get count(): number {
    return this.#list.length;
  }

  /** All segments, oldest first (a copy). */
  all(): Segment[] {
    return [...this.#list];
  }

  /** The oldest segment, if any. */
  get first(): Segment | undefined {
    return this.#list[0];
  }

  /** The newest (active) segment, if any. */
  get last(): Segment | undefined {
    return this.#list[this.#list.length - 1];
  }

  /**
   * Adds a segment, keeping the order; replaces one with the same base.
   *
   * @param segment The segment.
   */
  add(segment: Segment): void {
    const i = this.#floorIndex(segment.baseOffset);
    if (i >= 0 && this.#list[i]!.baseOffset === segment.baseOffset) this.#list[i] = segment;
    else this.#list.splice(i + 1, 0, segment);
  }

  /**
   * Removes the segment with this base offset (does not close it).
   *
   * @param baseOffset Its base offset.
   * @returns The removed segment, if it was there.
   */
  remove(baseOffset: number): Segment | undefined {
    const i = this.#floorIndex(baseOffset);
    if (i < 0 || this.#list[i]!.baseOffset !== baseOffset) return undefined;
    return this.#list.splice(i, 1)[0];
  }

  /**
   * The segment with the largest base offset <= `offset`.
   *
   * @param offset Absolute offset.
   * @returns The segment or undefined.
   *
   * @example Floor and higher
   * ```ts
   * import { Segments } from "./segments.ts";
   * import type { Segment } from "./segment.ts";
   * import { assertEquals } from "@std/assert";
   *
   * const segments = new Segments();
   * for (const baseOffset of [0, 100, 200]) segments.add({ baseOffset } as Segment);
   * assertEquals(segments.floor(150)?.baseOffset, 100);
   * assertEquals(segments.higher(150)?.baseOffset, 200);
   * assertEquals(segments.higher(200), undefined);
   * ```
   */
  floor(offset: number): Segment | undefined {
    const i = this.#floorIndex(offset);
    return i < 0 ? undefined : this.#list[i];
  }

  /**
   * The segment with the smallest base offset > `offset`.
   *
   * @param offset Absolute offset.
   * @returns The segment or undefined.
   */
  higher(offset: number): Segment | undefined {
    return this.#list[this.#floorIndex(offset) + 1];
  }

  /** Index of the last segment with base <= offset, or -1. */
  #floorIndex(offset: number): number {
    let lo = 0;
    let hi = this.#list.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#list[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
