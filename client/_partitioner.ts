/**
 * The producer's partition choice, as Kafka's default partitioner: an
 * explicit partition wins; else a keyed record goes to
 * `toPositive(murmur2(key)) % partitions`; else a keyless record goes to the
 * topic's sticky partition, which changes when a batch for it is sent.
 *
 * @module
 */
import { partitionForKey, WeirError } from "./protocol/mod.ts";

/** Randomness in [0, 1). */
export type Random = () => number;

/** Chooses partitions for one producer; holds a sticky partition per topic. */
export class Partitioner {
  readonly #random: Random;
  readonly #sticky = new Map<string, number>();

  /**
   * Creates a partitioner.
   *
   * @param random Randomness for sticky partitions (default `Math.random`).
   */
  constructor(random: Random = Math.random) {
    this.#random = random;
  }

  /**
   * Picks the partition of one record.
   *
   * @param topic Topic name (for the sticky choice and messages).
   * @param partitions The topic's partition count.
   * @param record Explicit partition and key bytes.
   * @returns A partition index.
   * @throws {WeirError} `INVALID_RECORD` for an explicit partition the topic does not have.
   */
  choose(
    topic: string,
    partitions: number,
    record: { partition?: number | undefined; key: Uint8Array | null },
  ): number {
    if (record.partition !== undefined) {
      const p = record.partition;
      if (!Number.isInteger(p) || p < 0 || p >= partitions) {
        throw new WeirError(
          "INVALID_RECORD",
          `Cannot send to "${topic}": partition ${p} does not exist (the topic has ${partitions})`,
        );
      }
      return p;
    }
    if (record.key !== null) return partitionForKey(record.key, partitions);
    const sticky = this.#sticky.get(topic);
    if (sticky !== undefined && sticky < partitions) return sticky;
    const chosen = this.#pick(partitions, -1);
    this.#sticky.set(topic, chosen);
    return chosen;
  }

  /**
   * Tells the partitioner a batch for `topic`-`partition` was sent: when that
   * is the sticky partition, the next keyless record goes elsewhere.
   *
   * @param topic Topic name.
   * @param partition The partition whose batch was sent.
   * @param partitions The topic's partition count.
   */
  batchSent(topic: string, partition: number, partitions: number): void {
    if (this.#sticky.get(topic) !== partition) return;
    this.#sticky.set(topic, this.#pick(partitions, partition));
  }

  #pick(partitions: number, avoid: number): number {
    if (partitions <= 1) return 0;
    if (avoid < 0) return Math.min(partitions - 1, Math.floor(this.#random() * partitions));
    const offset = 1 + Math.min(partitions - 2, Math.floor(this.#random() * (partitions - 1)));
    return (avoid + offset) % partitions;
  }
}
