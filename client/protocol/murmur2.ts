/**
 * Kafka's default partitioner hash: murmur2 with seed `0x9747b28c`, exactly
 * as `org.apache.kafka.common.utils.Utils.murmur2`, so a keyed record lands
 * on the partition a Kafka producer would choose.
 *
 * @module
 */
import { WeirError } from "./errors.ts";

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's murmur2 hash of `data`.
 *
 * @param data The key bytes.
 * @returns A signed 32-bit integer, as Kafka's Java `int`.
 *
 * @example Kafka's test vector
 * ```ts
 * import { murmur2 } from "weir/client";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(murmur2(new TextEncoder().encode("foobar")), -790332482);
 * ```
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const tail = length & ~3;
  for (let i = 0; i < tail; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[tail + 2]! << 16;
    if (rest >= 2) h ^= data[tail + 1]! << 8;
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * Kafka's `Utils.toPositive`: clears the sign bit (not `Math.abs`).
 *
 * @param n A signed 32-bit integer.
 * @returns `n & 0x7fffffff`.
 */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/**
 * The partition Kafka's default partitioner picks for a key:
 * `toPositive(murmur2(key)) % numPartitions`.
 *
 * @param key The key bytes.
 * @param numPartitions Partition count, a positive integer.
 * @returns A partition index in `[0, numPartitions)`.
 * @throws {WeirError} `INVALID_PARTITIONS` when `numPartitions` is not a positive integer.
 *
 * @example Stable placement
 * ```ts
 * import { partitionForKey } from "weir/client";
 * import { assertEquals } from "@std/assert";
 *
 * const key = new TextEncoder().encode("foobar");
 * assertEquals(partitionForKey(key, 4), (-790332482 & 0x7fffffff) % 4);
 * ```
 */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  if (!(Number.isInteger(numPartitions) && numPartitions > 0 && numPartitions <= 0x7fffffff)) {
    throw new WeirError(
      "INVALID_PARTITIONS",
      `Cannot choose a partition: partition count ${numPartitions} is not a positive integer`,
    );
  }
  return toPositive(murmur2(key)) % numPartitions;
}
