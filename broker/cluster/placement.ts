/**
 * Replica placement of a new topic: rack-unaware round robin over the live
 * nodes, each partition's replica list starting one node further so leaders
 * (the first replica) spread evenly. Pure: the controller applies the plan.
 *
 * @module
 */
import { WeirError } from "../../client/protocol/mod.ts";
import type { PartitionAssignment } from "./cluster_topic.ts";

/** Options of {@linkcode placeReplicas}. */
export interface PlacementOptions {
  /** Partition count. */
  readonly partitions: number;
  /** Replicas per partition. */
  readonly replicationFactor: number;
  /** Where to start the round robin (e.g. the topic count, so topics do not all start on one node). */
  readonly offset?: number;
}

/**
 * Assigns replicas to the live nodes: partition `p` gets nodes
 * `sorted[(offset + p + i) % n]` for `i < replicationFactor`, leader first,
 * ISR = all replicas, leader epoch 0.
 *
 * @param liveNodes ids of the live nodes (any order, no duplicates)
 * @param options partitions, replication factor, round-robin offset
 * @returns one assignment per partition
 * @throws {WeirError} `INVALID_REPLICATION_FACTOR` when there are fewer live nodes than replicas
 *
 * @example Three partitions, RF 2, three nodes
 * ```ts
 * import { placeReplicas } from "./placement.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const plan = placeReplicas([3, 1, 2], { partitions: 3, replicationFactor: 2 });
 * assertEquals(plan.map((a) => a.replicas), [[1, 2], [2, 3], [3, 1]]);
 * ```
 */
export function placeReplicas(
  liveNodes: readonly number[],
  options: PlacementOptions,
): PartitionAssignment[] {
  const nodes = [...new Set(liveNodes)].sort((a, b) => a - b);
  const { partitions, replicationFactor } = options;
  if (replicationFactor > nodes.length) {
    throw new WeirError(
      "INVALID_REPLICATION_FACTOR",
      `Cannot place replicas: replicationFactor ${replicationFactor} is larger than the ${nodes.length} live node(s)`,
    );
  }
  const offset = options.offset ?? 0;
  return Array.from({ length: partitions }, (_, p) => {
    const replicas = Array.from(
      { length: replicationFactor },
      (_, i) => nodes[(offset + p + i) % nodes.length]!,
    );
    return { replicas, leader: replicas[0]!, leaderEpoch: 0, isr: [...replicas] };
  });
}
