/**
 * Injected id sources: {@linkcode sequentialIds} for tests (predictable) and
 * {@linkcode randomIds} for production (UUID v4).
 *
 * @module
 */

/** Something that hands out unique string ids. */
export interface IdSource {
  /** Returns a new id, never returned before by this source. */
  next(): string;
}

/**
 * Ids `<prefix>1`, `<prefix>2`, ... — deterministic, for tests.
 *
 * @param prefix text before the counter (default `"id-"`)
 * @returns a fresh source starting at 1
 *
 * @example Predictable ids
 * ```ts
 * import { sequentialIds } from "./ids.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const ids = sequentialIds("m-");
 * assertEquals([ids.next(), ids.next()], ["m-1", "m-2"]);
 * ```
 */
export function sequentialIds(prefix = "id-"): IdSource {
  let n = 0;
  return { next: (): string => `${prefix}${++n}` };
}

/**
 * Random UUID v4 ids from the platform's CSPRNG, for production.
 *
 * @returns a source of random UUIDs
 *
 * @example Unique ids
 * ```ts
 * import { randomIds } from "./ids.ts";
 * import { assertNotEquals } from "@std/assert";
 *
 * const ids = randomIds();
 * assertNotEquals(ids.next(), ids.next());
 * ```
 */
export function randomIds(): IdSource {
  return { next: (): string => crypto.randomUUID() };
}
