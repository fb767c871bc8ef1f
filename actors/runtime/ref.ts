/**
 * {@linkcode ActorRef}: the handle callers use to `tell` and `ask` an actor.
 * A ref is a plain address plus a {@linkcode Delivery}; it holds no resource,
 * is cheap to make, and stays valid across restarts of its actor.
 *
 * @module
 */
import type { ActorAddress, Delivery } from "./transport.ts";

/** Options of {@linkcode ActorRef.ask}. */
export interface AskOptions {
  /** How long to wait for the reply (default: the system's `defaultTimeoutMs`). */
  readonly timeoutMs?: number;
  /** Buffers inside the message to transfer; they are detached after the call. */
  readonly transfer?: Transferable[];
}

/** Options of {@linkcode ActorRef.tell}. */
export interface TellRefOptions {
  /** Buffers inside the message to transfer; they are detached after the call. */
  readonly transfer?: Transferable[];
}

/**
 * A typed handle on one actor. `M` is the message type it accepts; replies
 * are typed per call (`ask<AppendReply>(...)`).
 */
export interface ActorRef<M = unknown> extends ActorAddress {
  /** Sends `message` with no reply. Delivery problems are dropped, never thrown. */
  tell(message: M, options?: TellRefOptions): void;
  /**
   * Sends `message` and waits for the reply.
   *
   * @throws code `REQUEST_TIMED_OUT` when the deadline passes,
   *   `ACTOR_RESTARTED` when the actor crashed meanwhile (retriable),
   *   `ACTOR_STOPPED` when there is no such actor, or the actor's own error code
   */
  ask<R = unknown>(message: M, options?: AskOptions): Promise<R>;
}

/**
 * Makes a ref that sends through `delivery`.
 *
 * @param address the actor's kind and id
 * @param options `delivery` to send through and `defaultTimeoutMs` for asks without one
 * @returns the ref
 *
 * @example A ref over a hand-written delivery
 * ```ts
 * import { createRef } from "./ref.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const ref = createRef({ kind: "echo", id: "1" }, {
 *   delivery: { tell() {}, ask: (_to, message) => Promise.resolve(message) },
 *   defaultTimeoutMs: 1_000,
 * });
 * assertEquals(await ref.ask<string>("hi"), "hi");
 * ```
 */
export function createRef<M = unknown>(
  address: ActorAddress,
  options: { readonly delivery: Delivery; readonly defaultTimeoutMs: number },
): ActorRef<M> {
  const target = { kind: address.kind, id: address.id };
  const { delivery, defaultTimeoutMs } = options;
  return {
    kind: target.kind,
    id: target.id,
    tell(message: M, opts?: TellRefOptions): void {
      delivery.tell(target, message, opts?.transfer ? { transfer: opts.transfer } : undefined);
    },
    ask<R>(message: M, opts?: AskOptions): Promise<R> {
      const timeoutMs = opts?.timeoutMs ?? defaultTimeoutMs;
      return delivery.ask(
        target,
        message,
        opts?.transfer ? { timeoutMs, transfer: opts.transfer } : { timeoutMs },
      ) as Promise<R>;
    },
  };
}
