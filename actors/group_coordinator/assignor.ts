/**
 * The target assignment of a consumer group: which member should own which
 * partition. Pure and deterministic; the group state applies the result
 * incrementally (see `group_state.ts`).
 *
 * The algorithm, in three passes over members sorted by id:
 *
 * 1. **Keep** (sticky): every member keeps the partitions of its previous
 *    target that still exist and that it still subscribes to. A partition
 *    claimed by two members stays with the first by id.
 * 2. **Fill**: every partition that has a subscriber but no owner (topics by
 *    name, partitions ascending) goes to the subscriber that has the fewest
 *    partitions so far, ties broken by member id.
 * 3. **Balance**: while some member Y could take a partition from a member X
 *    that has at least two more partitions than Y, move one (Y the least
 *    loaded first; the partition from the topic where X leads Y the most, the
 *    highest number of it). Each move lowers the sum of squared counts, so
 *    this ends; at the end members with the same subscriptions differ by at
 *    most one partition.
 *
 * The result is a fixed point: fed back as `current`, it comes back
 * unchanged, so nothing moves while nothing changes.
 *
 * @module
 */
import { compareStrings, type TopicPartitions } from "./_topic_partitions.ts";

export type { TopicPartitions } from "./_topic_partitions.ts";

/** One member as the assignor sees it. */
export interface AssignorMember {
  /** Member id (unique within the group). */
  memberId: string;
  /** Subscribed topics. */
  topics: string[];
  /** The member's previous target (what stickiness preserves). */
  current: TopicPartitions[];
}

/** What {@linkcode computeTargetAssignment} needs. */
export interface AssignorInput {
  /** Every member of the group. */
  members: AssignorMember[];
  /** Partition count of each existing topic; a missing topic (or 0) has no partitions. */
  partitionCounts: Record<string, number>;
}

interface Slot {
  readonly memberId: string;
  readonly topics: ReadonlySet<string>;
  /** topic → owned partitions. */
  readonly owned: Map<string, Set<number>>;
  count: number;
}

/**
 * Computes a sticky, balanced, deterministic target assignment.
 *
 * @param input The members (with their previous targets) and the partition counts.
 * @returns memberId → target partitions (canonical order) for every member, empty lists included.
 *
 * @example A second member takes half of the partitions
 * ```ts
 * import { computeTargetAssignment } from "./assignor.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const target = computeTargetAssignment({
 *   members: [
 *     { memberId: "c1", topics: ["orders"], current: [{ topic: "orders", partitions: [0, 1, 2, 3] }] },
 *     { memberId: "c2", topics: ["orders"], current: [] },
 *   ],
 *   partitionCounts: { orders: 4 },
 * });
 * assertEquals(target.get("c1"), [{ topic: "orders", partitions: [0, 1] }]);
 * assertEquals(target.get("c2"), [{ topic: "orders", partitions: [2, 3] }]);
 * ```
 */
export function computeTargetAssignment(input: AssignorInput): Map<string, TopicPartitions[]> {
  const counts = input.partitionCounts;
  const exists = (topic: string, partition: number): boolean => {
    const count = Object.hasOwn(counts, topic) ? counts[topic] ?? 0 : 0;
    return Number.isInteger(partition) && partition >= 0 && partition < count;
  };
  const slots = [...input.members]
    .sort((a, b) => compareStrings(a.memberId, b.memberId))
    .map((m): Slot => ({
      memberId: m.memberId,
      topics: new Set(m.topics),
      owned: new Map(),
      count: 0,
    }));
  const bySorted = new Map(slots.map((slot) => [slot.memberId, slot]));
  // 1. Keep (in member-id order, so a partition claimed twice stays with the first id).
  const byId = new Map(input.members.map((m) => [m.memberId, m]));
  const taken = new Set<string>();
  for (const slot of slots) {
    for (const { topic, partitions } of byId.get(slot.memberId)!.current) {
      if (!slot.topics.has(topic)) continue;
      for (const partition of partitions) {
        const key = `${topic}/${partition}`;
        if (!exists(topic, partition) || taken.has(key)) continue;
        taken.add(key);
        give(slot, topic, partition);
      }
    }
  }

  // 2. Fill.
  const topics = Object.keys(counts).sort(compareStrings);
  for (const topic of topics) {
    const subscribers = slots.filter((slot) => slot.topics.has(topic));
    if (subscribers.length === 0) continue;
    const count = counts[topic] ?? 0;
    for (let partition = 0; partition < count; partition++) {
      const key = `${topic}/${partition}`;
      if (taken.has(key)) continue;
      taken.add(key);
      let best = subscribers[0]!;
      for (const slot of subscribers) if (slot.count < best.count) best = slot;
      give(best, topic, partition);
    }
  }

  // 3. Balance.
  while (moveOne(slots)) { /* each move lowers the sum of squared counts */ }

  const result = new Map<string, TopicPartitions[]>();
  for (const member of input.members) {
    const slot = bySorted.get(member.memberId)!;
    result.set(
      member.memberId,
      [...slot.owned.keys()].sort(compareStrings).flatMap((topic) => {
        const partitions = [...slot.owned.get(topic)!].sort((a, b) => a - b);
        return partitions.length === 0 ? [] : [{ topic, partitions }];
      }),
    );
  }
  return result;
}

function give(slot: Slot, topic: string, partition: number): void {
  let set = slot.owned.get(topic);
  if (!set) slot.owned.set(topic, set = new Set());
  set.add(partition);
  slot.count++;
}

function take(slot: Slot, topic: string, partition: number): void {
  slot.owned.get(topic)!.delete(partition);
  slot.count--;
}

/** Performs one balancing move; returns false when none is possible. */
function moveOne(slots: Slot[]): boolean {
  const order = [...slots].sort((a, b) =>
    a.count - b.count || compareStrings(a.memberId, b.memberId)
  );
  for (const y of order) {
    for (let i = order.length - 1; i >= 0; i--) {
      const x = order[i]!;
      if (x.count < y.count + 2) break;
      let bestTopic: string | null = null;
      let bestLead = 0;
      for (const topic of [...y.topics].sort(compareStrings)) {
        const xs = x.owned.get(topic)?.size ?? 0;
        if (xs === 0) continue;
        const lead = xs - (y.owned.get(topic)?.size ?? 0);
        if (bestTopic === null || lead > bestLead) {
          bestTopic = topic;
          bestLead = lead;
        }
      }
      if (bestTopic === null) continue;
      const partition = Math.max(...x.owned.get(bestTopic)!);
      take(x, bestTopic, partition);
      give(y, bestTopic, partition);
      return true;
    }
  }
  return false;
}
