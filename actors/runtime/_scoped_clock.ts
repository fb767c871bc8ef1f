/**
 * {@linkcode ScopedClock}: the clock an actor sees. Its timers die with the
 * actor (no stray callbacks after stop or a crash) and a throwing callback is
 * reported as an actor failure instead of escaping. Private to actors/runtime.
 *
 * @module
 */
import type { Clock, TimerHandle } from "./clock.ts";

/** A clock whose timers die with the actor and report throws as failures. */
export class ScopedClock implements Clock {
  readonly #base: Clock;
  readonly #onThrow: (error: unknown) => void;
  readonly #timers = new Set<TimerHandle>();

  constructor(base: Clock, onThrow: (error: unknown) => void) {
    this.#base = base;
    this.#onThrow = onThrow;
  }

  now(): number {
    return this.#base.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = this.#base.setTimeout(() => {
      this.#timers.delete(handle);
      try {
        fn();
      } catch (error) {
        this.#onThrow(error);
      }
    }, ms);
    this.#timers.add(handle);
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle);
    this.#base.clearTimeout(handle);
  }

  clearAll(): void {
    for (const handle of this.#timers) this.#base.clearTimeout(handle);
    this.#timers.clear();
  }
}
