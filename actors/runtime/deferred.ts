/**
 * {@linkcode Deferred}: a parked reply. Logic returns one from `receive()`
 * (made with `ctx.defer()`), keeps it, and settles it later — when an append
 * wakes a long-poll fetch, when a timer fires. The mailbox does not wait for
 * it: the next message is processed at once, and the reply goes out when the
 * deferred settles.
 *
 * @module
 */
import type { WithTransfer } from "./transfer.ts";

/**
 * A reply to be given later. Settling twice is ignored (first one wins).
 *
 * @example Park and settle
 * ```ts
 * import { Deferred } from "./deferred.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const d = new Deferred<number>();
 * d.resolve(7);
 * d.resolve(8);
 * assertEquals(await d.promise, 7);
 * ```
 */
export class Deferred<T> {
  /** Settles with the reply (or its transfer-wrapped form). */
  readonly promise: Promise<T | WithTransfer<T>>;
  #resolve!: (value: T | WithTransfer<T>) => void;
  #reject!: (error: unknown) => void;
  #settled = false;

  /** Creates an unsettled deferred. Logic should use `ctx.defer()` so stop() can reject leftovers. */
  constructor() {
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A deferred rejected before anyone listens must not be an unhandled rejection.
    this.promise.catch(() => {});
  }

  /** Whether `resolve` or `reject` was called. */
  get settled(): boolean {
    return this.#settled;
  }

  /** Answers the parked ask; wrap with `withTransfer()` to move buffers. */
  resolve(value: T | WithTransfer<T>): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(value);
  }

  /** Fails the parked ask; the error crosses as `{ code, message }`. */
  reject(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }
}
