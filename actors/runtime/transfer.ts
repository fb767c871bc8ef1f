/**
 * {@linkcode withTransfer}: mark a reply whose buffers should be moved, not
 * copied, to the caller.
 *
 * @module
 */

/** A value plus the buffers to transfer with it. Build with {@linkcode withTransfer}. */
export class WithTransfer<T> {
  /** The value to send. */
  readonly value: T;
  /** Buffers inside `value` to transfer (they become detached on the sender's side). */
  readonly transfer: Transferable[];

  /** Prefer {@linkcode withTransfer}. */
  constructor(value: T, transfer: Transferable[]) {
    this.value = value;
    this.transfer = transfer;
  }
}

/**
 * Wraps a reply so its `ArrayBuffer`s are transferred to the caller. After
 * sending, the sender's buffers are detached (`byteLength === 0`); never keep
 * using them.
 *
 * @param value the reply
 * @param transfer buffers referenced by `value`
 * @returns the wrapped reply for `receive()` or `Deferred.resolve()`
 *
 * @example Reply with a transferred buffer
 * ```ts
 * import { withTransfer, WithTransfer } from "./transfer.ts";
 * import { assert } from "@std/assert";
 *
 * const bytes = new Uint8Array(16);
 * const reply = withTransfer({ bytes }, [bytes.buffer]);
 * assert(reply instanceof WithTransfer && reply.transfer[0] === bytes.buffer);
 * ```
 */
export function withTransfer<T>(value: T, transfer: Transferable[]): WithTransfer<T> {
  return new WithTransfer(value, transfer);
}
