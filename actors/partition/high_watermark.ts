/**
 * The high watermark rule of a leader (Kafka's `maybeIncrementLeaderHW`):
 * the smallest log end offset over the in-sync replicas, counting the ISR
 * being proposed too while an ISR change is in flight, and never moving
 * backwards. A follower whose log end is not known yet (no fetch since this
 * leader took over) holds the high watermark where it is.
 *
 * @module
 */

/** What {@linkcode nextHighWatermark} reads. */
export interface HighWatermarkInput {
  /** The high watermark so far. */
  highWatermark: number;
  /** The leader's node id. */
  leaderId: number;
  /** The leader's log end offset. */
  leaderLogEndOffset: number;
  /** Replicas that count: the committed ISR plus any being added (Kafka's maximal ISR). */
  isr: readonly number[];
  /** Each follower's known log end offset; absent or -1 = not known yet. */
  followerLogEndOffsets: ReadonlyMap<number, number>;
}

/**
 * Computes the next high watermark.
 *
 * @param input The current high watermark, the leader's log end, the ISR and follower offsets.
 * @returns The new high watermark: `max(old, min LEO over the ISR)`, at most the leader's log end.
 *
 * @example Two followers, one behind
 * ```ts
 * import { nextHighWatermark } from "./high_watermark.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const hw = nextHighWatermark({
 *   highWatermark: 3,
 *   leaderId: 1,
 *   leaderLogEndOffset: 10,
 *   isr: [1, 2, 3],
 *   followerLogEndOffsets: new Map([[2, 10], [3, 7]]),
 * });
 * assertEquals(hw, 7);
 * ```
 */
export function nextHighWatermark(input: HighWatermarkInput): number {
  let candidate = input.leaderLogEndOffset;
  for (const id of input.isr) {
    if (id === input.leaderId) continue;
    const leo = input.followerLogEndOffsets.get(id) ?? -1;
    if (leo < 0) return input.highWatermark;
    candidate = Math.min(candidate, leo);
  }
  return Math.max(input.highWatermark, candidate);
}
