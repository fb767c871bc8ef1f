/**
 * Injected time: {@linkcode Clock} with the real {@linkcode systemClock} and a
 * deterministic {@linkcode FakeClock} for tests (XState's SimulatedClock idea,
 * plus `now()`).
 *
 * Actor logic never reads the wall clock or schedules timers itself; it uses
 * `ctx.clock`. Inside a Worker the clock is the real one (a fake cannot cross a
 * Worker boundary); inline hosts share the system's clock, so many actors can
 * run under one `FakeClock`.
 *
 * @module
 */

/** Opaque handle of a scheduled timer (a number for `FakeClock`, the platform's value otherwise). */
export type TimerHandle = unknown;

/** A source of time and timers. */
export interface Clock {
  /** Current time in milliseconds since the epoch (or since the fake's start). */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; returns a handle for {@linkcode Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The real clock: `Date.now()` and the global timers.
 *
 * @example Measure elapsed time
 * ```ts
 * import { systemClock } from "./clock.ts";
 * import { assert } from "@std/assert";
 *
 * const start = systemClock.now();
 * assert(systemClock.now() >= start);
 * ```
 */
export const systemClock: Clock = {
  now: (): number => Date.now(),
  setTimeout: (fn: () => void, ms: number): TimerHandle => setTimeout(fn, ms),
  clearTimeout: (handle: TimerHandle): void => clearTimeout(handle as number),
};

interface FakeTimer {
  readonly handle: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A clock that only moves when told to. {@linkcode FakeClock.advance} fires
 * every timer that falls due, in order of due time (ties in scheduling order),
 * setting `now()` to each timer's due time as it fires; timers scheduled while
 * advancing fire too when they fall inside the window.
 *
 * @example Fire a timer deterministically
 * ```ts
 * import { FakeClock } from "./clock.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const clock = new FakeClock(1_000);
 * const fired: number[] = [];
 * clock.setTimeout(() => fired.push(clock.now()), 50);
 * clock.advance(49);
 * assertEquals(fired, []);
 * clock.advance(1);
 * assertEquals(fired, [1_050]);
 * ```
 */
export class FakeClock implements Clock {
  #now: number;
  #next = 1;
  #timers: FakeTimer[] = [];

  /** Starts the clock at `startMs` (default 0). */
  constructor(startMs = 0) {
    this.#now = startMs;
  }

  /** Current fake time. */
  now(): number {
    return this.#now;
  }

  /** Schedules `fn` at `now() + max(0, ms)`. */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = this.#next++;
    const timer = { handle, due: this.#now + Math.max(0, ms), fn };
    // Keep sorted by due time, stable for equal due times.
    let i = this.#timers.length;
    while (i > 0 && this.#timers[i - 1]!.due > timer.due) i--;
    this.#timers.splice(i, 0, timer);
    return handle;
  }

  /** Cancels a pending timer. */
  clearTimeout(handle: TimerHandle): void {
    const i = this.#timers.findIndex((t) => t.handle === handle);
    if (i >= 0) this.#timers.splice(i, 1);
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Moves time forward by `ms`, firing due timers in order.
   *
   * @returns how many timers fired
   * @throws {RangeError} when `ms` is negative or not finite
   */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`Cannot advance the fake clock: ${ms} is not a finite, non-negative ms`);
    }
    const target = this.#now + ms;
    let fired = 0;
    while (this.#timers.length > 0 && this.#timers[0]!.due <= target) {
      const timer = this.#timers.shift()!;
      this.#now = timer.due;
      fired++;
      timer.fn();
    }
    this.#now = target;
    return fired;
  }
}
