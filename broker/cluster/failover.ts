/**
 * Leader failover as a pure decision: given a partition's assignment and
 * the live nodes, what the controller writes. Kafka's clean election: a new
 * leader only ever comes from the ISR (no unclean election), the leader epoch
 * is bumped on every leadership change, dead nodes leave the ISR. When no
 * ISR member is alive the partition goes offline (leader -1) and keeps its
 * last ISR so that the first of them to come back is elected.
 *
 * @module
 */
import { NO_LEADER, type PartitionAssignment } from "./cluster_topic.ts";

/**
 * The assignment after the live set changed, or `null` when nothing changes.
 *
 * - leader alive: no change (the leader shrinks its own ISR via `alterIsr`);
 * - leader dead (or offline) and an ISR member alive: that member (in ISR
 *   order, preferring the replica order) leads, epoch + 1, ISR = its live members;
 * - no ISR member alive: leader -1 (epoch + 1 once, when it was led), ISR kept.
 *
 * @param current the stored assignment
 * @param live ids of live nodes
 * @returns the new assignment or `null`
 *
 * @example The leader's node died
 * ```ts
 * import { planFailover } from "./failover.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const next = planFailover({ replicas: [1, 2, 3], leader: 1, leaderEpoch: 4, isr: [1, 2, 3] }, new Set([2, 3]));
 * assertEquals(next, { replicas: [1, 2, 3], leader: 2, leaderEpoch: 5, isr: [2, 3] });
 * ```
 */
export function planFailover(
  current: PartitionAssignment,
  live: ReadonlySet<number>,
): PartitionAssignment | null {
  if (current.leader !== NO_LEADER && live.has(current.leader)) return null;
  const liveIsr = current.replicas.filter((r) => current.isr.includes(r) && live.has(r));
  if (liveIsr.length === 0) {
    if (current.leader === NO_LEADER) return null;
    return { ...current, leader: NO_LEADER, leaderEpoch: current.leaderEpoch + 1 };
  }
  const leader = liveIsr[0]!;
  return {
    replicas: [...current.replicas],
    leader,
    leaderEpoch: current.leaderEpoch + 1,
    isr: [leader, ...liveIsr.filter((r) => r !== leader)],
  };
}

/**
 * The assignment after node `nodeId` restarted (a new incarnation), or
 * `null` when it did not lead the partition. Kafka bumps the leader epoch on
 * every leadership change and treats a bounced broker as failed then new: a
 * restarted leader must not resume an epoch whose tail it may have lost
 * (followers could hold different records at the same offsets in the same
 * epoch, which no epoch check would then detect).
 *
 * - another live ISR member exists: it leads (as in {@linkcode planFailover}
 *   with `nodeId` dead), epoch + 1, `nodeId` leaves the ISR and rejoins it by
 *   catching up as a follower;
 * - otherwise `nodeId` keeps leading with epoch + 1 (ISR unchanged).
 *
 * @param current the stored assignment
 * @param nodeId the restarted node
 * @param live ids of live nodes (`nodeId` itself is ignored)
 * @returns the new assignment or `null`
 *
 * @example The restarted leader hands over to a live follower
 * ```ts
 * import { planRejoin } from "./failover.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const next = planRejoin({ replicas: [1, 2, 3], leader: 1, leaderEpoch: 4, isr: [1, 2, 3] }, 1, new Set([1, 2, 3]));
 * assertEquals(next, { replicas: [1, 2, 3], leader: 2, leaderEpoch: 5, isr: [2, 3] });
 * ```
 */
export function planRejoin(
  current: PartitionAssignment,
  nodeId: number,
  live: ReadonlySet<number>,
): PartitionAssignment | null {
  if (current.leader !== nodeId) return null;
  const others = new Set([...live].filter((n) => n !== nodeId));
  const moved = planFailover(current, others);
  if (moved !== null && moved.leader !== NO_LEADER) return moved;
  return {
    replicas: [...current.replicas],
    leader: nodeId,
    leaderEpoch: current.leaderEpoch + 1,
    isr: [...current.isr],
  };
}
