/**
 * Retention planning: which closed segments to delete (pure; the log
 * applies the plan).
 *
 * Only whole closed segments are deleted, oldest first, and planning stops
 * at the first segment that must stay, so the log start offset only moves
 * forward to a segment boundary. A segment goes when:
 *
 * - it lies wholly below the log start offset (after `deleteRecordsBefore`), or
 * - `retention.ms` >= 0 and its largest timestamp is more than `retention.ms`
 *   before now (Kafka's rule), or
 * - `retention.bytes` >= 0 and the log stays at or above `retention.bytes`
 *   without it.
 *
 * The active segment is never deleted (Kafka would roll an expired active
 * segment first; here it waits until `segment.ms` or `segment.bytes` rolls it).
 *
 * @module
 */

/** What the planner needs to know of one segment. */
export interface RetentionSegment {
  /** Base offset. */
  baseOffset: number;
  /** Bytes. */
  size: number;
  /** Largest timestamp, -1 when empty. */
  maxTimestamp: number;
}

/** Inputs of {@linkcode planRetention}. */
export interface RetentionInput {
  /** Every segment oldest first, the active one last. */
  segments: readonly RetentionSegment[];
  /** Current log start offset. */
  logStartOffset: number;
  /** Current time. */
  now: number;
  /** `retention.ms`, -1 = unlimited. */
  retentionMs: number;
  /** `retention.bytes`, -1 = unlimited. */
  retentionBytes: number;
  /** Whether time/size retention applies (`cleanup.policy` contains `delete`). */
  deletePolicy: boolean;
  /** Most segments to delete in one step. */
  maxSegments: number;
}

/** The plan. */
export interface RetentionPlan {
  /** Number of leading segments to delete. */
  deleteCount: number;
  /** Bytes they hold. */
  deleteBytes: number;
  /** Log start offset afterwards. */
  logStartOffset: number;
  /** Why each deleted segment goes, in order. */
  reasons: ("logStart" | "time" | "size")[];
}

/**
 * Plans one retention step.
 *
 * @param input Segments, log start, clock reading and limits.
 * @returns How many leading segments to delete and the new log start offset.
 *
 * @example Delete by size
 * ```ts
 * import { planRetention } from "./retention.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const plan = planRetention({
 *   segments: [
 *     { baseOffset: 0, size: 100, maxTimestamp: 1 },
 *     { baseOffset: 10, size: 100, maxTimestamp: 2 },
 *     { baseOffset: 20, size: 50, maxTimestamp: 3 },
 *   ],
 *   logStartOffset: 0, now: 10, retentionMs: -1, retentionBytes: 150,
 *   deletePolicy: true, maxSegments: 10,
 * });
 * assertEquals([plan.deleteCount, plan.logStartOffset], [1, 10]);
 * ```
 */
export function planRetention(input: RetentionInput): RetentionPlan {
  const segs = input.segments;
  let total = 0;
  for (const s of segs) total += s.size;
  let deleteCount = 0;
  let deleteBytes = 0;
  const reasons: RetentionPlan["reasons"] = [];
  for (let i = 0; i < segs.length - 1 && deleteCount < input.maxSegments; i++) {
    const seg = segs[i]!;
    const next = segs[i + 1]!;
    let reason: RetentionPlan["reasons"][number] | null = null;
    if (next.baseOffset <= input.logStartOffset) reason = "logStart";
    else if (input.deletePolicy) {
      if (input.retentionMs >= 0 && input.now - seg.maxTimestamp > input.retentionMs) {
        reason = "time";
      } else if (
        input.retentionBytes >= 0 && total - deleteBytes - seg.size >= input.retentionBytes
      ) {
        reason = "size";
      }
    }
    if (reason === null) break;
    reasons.push(reason);
    deleteCount++;
    deleteBytes += seg.size;
  }
  const logStartOffset = deleteCount === 0
    ? input.logStartOffset
    : Math.max(input.logStartOffset, segs[deleteCount]!.baseOffset);
  return { deleteCount, deleteBytes, logStartOffset, reasons };
}
