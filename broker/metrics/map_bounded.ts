/**
 * {@linkcode mapBounded}: `Promise.all` over a list with at most N calls in
 * flight, so a scrape of thousands of partitions does not flood the actors.
 *
 * @module
 */

/**
 * Maps `items` through `fn` with at most `limit` calls in flight; results
 * keep the input order. The first rejection rejects the whole call (calls
 * already started still run to their end).
 *
 * @param items The inputs.
 * @param fn The async mapping.
 * @param options `limit`: most calls in flight (at least 1).
 * @returns The results in input order.
 *
 * @example Square with two in flight
 * ```ts
 * import { mapBounded } from "./map_bounded.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const out = await mapBounded([1, 2, 3], (n) => Promise.resolve(n * n), { limit: 2 });
 * assertEquals(out, [1, 4, 9]);
 * ```
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => Promise<R>,
  options: { limit: number },
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  const lanes = Math.max(1, Math.min(Math.floor(options.limit), items.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  return out;
}
