/**
 * Placement of group coordinators in cluster mode: rendezvous (highest
 * random weight) hashing of the group id over the live node ids. Every node
 * computes the same owner from the same live set, without coordination; when
 * a node leaves, only the groups it owned move (each to the node with its
 * next highest weight), and when one joins, only the groups it now wins move
 * to it. Pure.
 *
 * @module
 */

const encoder = new TextEncoder();

/** FNV-1a over bytes, 32 bits. */
function fnv1a(bytes: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** MurmurHash3's finaliser: spreads every input bit over the output. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The weight of a node for a group: a 32-bit hash of the group id's UTF-8
 * bytes and the node id. Stable across processes and versions of Deno.
 *
 * @param groupId the group id
 * @param nodeId a node id
 * @returns an unsigned 32-bit weight
 */
export function coordinatorWeight(groupId: string, nodeId: number): number {
  const h = fnv1a(encoder.encode(groupId), 0x811c9dc5);
  return fmix32(h ^ fmix32(Math.imul(nodeId | 0, 0x9e3779b1) ^ 0x5bd1e995));
}

/**
 * The node that coordinates `groupId`: the live node with the highest
 * {@linkcode coordinatorWeight} (ties, practically never, go to the larger id).
 *
 * @param groupId the group id
 * @param liveNodes ids of the live nodes (any order; duplicates are harmless)
 * @returns the coordinator's node id, or null when no node is live
 *
 * @example Only the groups of a lost node move
 * ```ts
 * import { coordinatorNode } from "./group_placement.ts";
 * import { assert } from "@std/assert";
 *
 * const before = coordinatorNode("billing", [1, 2, 3]);
 * const after = coordinatorNode("billing", [1, 2, 3].filter((n) => n !== 3));
 * assert(before === 3 || after === before);
 * ```
 */
export function coordinatorNode(groupId: string, liveNodes: Iterable<number>): number | null {
  let best: number | null = null;
  let bestWeight = -1;
  for (const node of liveNodes) {
    const w = coordinatorWeight(groupId, node);
    if (w > bestWeight || (w === bestWeight && best !== null && node > best)) {
      best = node;
      bestWeight = w;
    }
  }
  return best;
}
