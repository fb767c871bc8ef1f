/**
 * The controller's check of a leader's `alterIsr` request, as a pure
 * function: a request from a stale epoch or from a node that is not the
 * leader is fenced; the new ISR must contain the leader and only replicas.
 *
 * @module
 */
import { WeirError } from "../../client/protocol/mod.ts";
import type { PartitionAssignment } from "./cluster_topic.ts";

/** What a leader proposes. */
export interface AlterIsrProposal {
  /** Topic. */
  readonly topic: string;
  /** Partition. */
  readonly partition: number;
  /** The leader's epoch. */
  readonly leaderEpoch: number;
  /** Proposed ISR, leader first. */
  readonly isr: readonly number[];
}

/**
 * The assignment with the proposed ISR, or the current one when it already
 * has that ISR.
 *
 * @throws {WeirError} `FENCED_LEADER_EPOCH` for another epoch or no leader;
 *   `INVALID_REQUEST` when the ISR lacks the leader or names a non-replica
 *
 * @example Shrink the ISR
 * ```ts
 * import { planAlterIsr } from "./alter_isr.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const current = { replicas: [1, 2, 3], leader: 1, leaderEpoch: 2, isr: [1, 2, 3] };
 * const next = planAlterIsr(current, { topic: "t", partition: 0, leaderEpoch: 2, isr: [1, 3] });
 * assertEquals(next.isr, [1, 3]);
 * ```
 */
export function planAlterIsr(
  current: PartitionAssignment,
  proposal: AlterIsrProposal,
): PartitionAssignment {
  const name = `"${proposal.topic}-${proposal.partition}"`;
  if (proposal.leaderEpoch !== current.leaderEpoch) {
    throw new WeirError(
      "FENCED_LEADER_EPOCH",
      `Cannot alter the ISR of ${name}: leader epoch ${proposal.leaderEpoch} is not the current ${current.leaderEpoch}`,
    );
  }
  if (!proposal.isr.includes(current.leader)) {
    throw new WeirError(
      "INVALID_REQUEST",
      `Cannot alter the ISR of ${name}: the ISR must contain the leader ${current.leader}`,
    );
  }
  const stranger = proposal.isr.find((r) => !current.replicas.includes(r));
  if (stranger !== undefined) {
    throw new WeirError(
      "INVALID_REQUEST",
      `Cannot alter the ISR of ${name}: node ${stranger} holds no replica`,
    );
  }
  const isr = [current.leader, ...new Set(proposal.isr.filter((r) => r !== current.leader))];
  return { ...current, replicas: [...current.replicas], isr };
}
