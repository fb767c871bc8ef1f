/**
 * Runs an async step every `periodMs` on an injected clock, never two at
 * once; `close()` stops it and waits for a step in flight. Private to
 * `broker/cluster/`.
 *
 * @module
 */
import type { Clock, TimerHandle } from "../../actors/runtime/mod.ts";

/** A periodic, non-overlapping async step. */
export class Ticker implements AsyncDisposable {
  readonly #clock: Clock;
  readonly #periodMs: number;
  readonly #step: () => Promise<void>;
  #timer: TimerHandle | undefined;
  #running: Promise<void> | undefined;
  #closed = false;

  /** Schedules the first step after `periodMs` (call {@linkcode Ticker.now} to run one at once). */
  constructor(clock: Clock, options: { periodMs: number; step: () => Promise<void> }) {
    this.#clock = clock;
    this.#periodMs = options.periodMs;
    this.#step = options.step;
    this.#schedule();
  }

  /** Runs a step now (or waits for the one in flight) and returns when it is done. */
  now(): Promise<void> {
    if (this.#running !== undefined) return this.#running;
    if (this.#closed) return Promise.resolve();
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running = this.#step().catch(() => {}).finally(() => {
      this.#running = undefined;
      this.#schedule();
    });
    return this.#running;
  }

  #schedule(): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      void this.now();
    }, this.#periodMs);
  }

  /** Stops scheduling and waits for a step in flight; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Same as {@linkcode Ticker.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
