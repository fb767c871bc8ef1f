/**
 * Supervision policy as a pure function: given when an actor crashed before,
 * decide whether to restart it now and after what backoff, or give up.
 *
 * @module
 */

/** How a crashed actor is restarted. */
export interface RestartPolicy {
  /** Most restarts within `windowMs`; the next crash in the window gives up (default 5). */
  readonly maxRestarts: number;
  /** Sliding window for counting restarts, ms (default 60 000). */
  readonly windowMs: number;
  /** Backoff before the first restart in a window, ms (default 100). */
  readonly initialBackoffMs: number;
  /** Backoff cap, ms (default 10 000); backoff doubles per restart within the window. */
  readonly maxBackoffMs: number;
}

/** The defaults: > 5 restarts within 60 s is a crash loop. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  maxRestarts: 5,
  windowMs: 60_000,
  initialBackoffMs: 100,
  maxBackoffMs: 10_000,
};

/** What to do about a crash. */
export type RestartPlan =
  | { readonly restart: true; readonly delayMs: number; readonly history: readonly number[] }
  | { readonly restart: false; readonly history: readonly number[] };

/**
 * Plans the reaction to a crash at `now`.
 *
 * @param history times of earlier restarts of this actor (any order)
 * @param options `now` and the policy
 * @returns restart after `delayMs`, or give up; `history` is the new history
 *
 * @example Backoff doubles, then the loop is cut
 * ```ts
 * import { DEFAULT_RESTART_POLICY, planRestart } from "./supervisor.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const policy = { ...DEFAULT_RESTART_POLICY, maxRestarts: 2 };
 * const first = planRestart([], { now: 0, policy });
 * assertEquals(first, { restart: true, delayMs: 100, history: [0] });
 * const second = planRestart(first.history, { now: 10, policy });
 * assertEquals(second, { restart: true, delayMs: 200, history: [0, 10] });
 * assertEquals(planRestart(second.history, { now: 20, policy }).restart, false);
 * ```
 */
export function planRestart(
  history: readonly number[],
  options: { readonly now: number; readonly policy: RestartPolicy },
): RestartPlan {
  const { now, policy } = options;
  const recent = history.filter((t) => now - t < policy.windowMs);
  if (recent.length >= policy.maxRestarts) return { restart: false, history: recent };
  const delayMs = Math.min(policy.initialBackoffMs * 2 ** recent.length, policy.maxBackoffMs);
  return { restart: true, delayMs, history: [...recent, now] };
}
