/**
 * {@linkcode TokenBucket}: the rate limiter behind quotas. Tokens refill at
 * `ratePerSec` up to `burst`. Requests take a token up front
 * ({@linkcode TokenBucket.tryTake}); bytes are charged once known
 * ({@linkcode TokenBucket.charge}, which may put the bucket in debt, as
 * Kafka's quotas do) and the next request waits until the debt is paid
 * ({@linkcode TokenBucket.waitMs}). Time comes from an injected clock.
 *
 * @module
 */

/** Options of {@linkcode TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second (> 0). */
  ratePerSec: number;
  /** Most tokens held (default: one second's worth, at least 1). */
  burst?: number;
  /** Clock in ms. */
  now: () => number;
}

/**
 * A token bucket with an injected clock.
 *
 * @example Throttle a second request within the same second
 * ```ts
 * import { TokenBucket } from "./quota_bucket.ts";
 * import { assertEquals } from "@std/assert";
 *
 * let t = 0;
 * const bucket = new TokenBucket({ ratePerSec: 1, now: () => t });
 * assertEquals(bucket.tryTake(1), 0);
 * assertEquals(bucket.tryTake(1), 1000);
 * t = 1000;
 * assertEquals(bucket.tryTake(1), 0);
 * ```
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  /**
   * Creates a full bucket.
   *
   * @param options Rate, burst and clock.
   * @throws {RangeError} For a rate or burst that is not a positive finite number.
   */
  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSec > 0) || !Number.isFinite(options.ratePerSec)) {
      throw new RangeError(`Cannot make a token bucket: rate ${options.ratePerSec} is not > 0`);
    }
    this.#rate = options.ratePerSec;
    this.#burst = options.burst ?? Math.max(1, options.ratePerSec);
    if (!(this.#burst > 0)) {
      throw new RangeError(`Cannot make a token bucket: burst ${this.#burst} is not > 0`);
    }
    this.#now = options.now;
    this.#tokens = this.#burst;
    this.#at = this.#now();
  }

  /** Tokens now (negative while in debt). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  /**
   * Takes `n` tokens when that many are there.
   *
   * @param n Tokens wanted.
   * @returns 0 when taken, else the ms until they will be there (nothing taken).
   */
  tryTake(n: number): number {
    this.#refill();
    if (this.#tokens >= n) {
      this.#tokens -= n;
      return 0;
    }
    return Math.ceil(((n - this.#tokens) / this.#rate) * 1000);
  }

  /**
   * Takes `n` tokens regardless; the bucket may go into debt.
   *
   * @param n Tokens used (e.g. bytes).
   */
  charge(n: number): void {
    this.#refill();
    this.#tokens -= n;
  }

  /**
   * How long until the bucket is out of debt.
   *
   * @returns 0 when not in debt, else ms.
   */
  waitMs(): number {
    this.#refill();
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.#rate) * 1000);
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#at);
    this.#at = Math.max(this.#at, now);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed / 1000) * this.#rate);
  }
}
