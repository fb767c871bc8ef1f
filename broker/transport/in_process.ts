/**
 * The in-process transport: delivers to actors of the local `ActorSystem`,
 * whose hosts move messages by postMessage (structured clone, transferred
 * `ArrayBuffer`s). Single-node Weir uses it; the NATS transport adds other
 * nodes behind the same {@linkcode Transport} interface.
 *
 * @module
 */
import {
  type ActorAddress,
  defaultMakeError,
  type Delivery,
  type DeliveryAskOptions,
  type ErrorFactory,
  RUNTIME_ERROR_CODES,
  type TellOptions,
  type Transport,
} from "../../actors/runtime/mod.ts";

/** Options of {@linkcode InProcessTransport}. */
export interface InProcessTransportOptions {
  /** Builds the error for asks after `close()` (default: the runtime's `ActorError`). */
  readonly makeError?: ErrorFactory;
}

/**
 * A {@linkcode Transport} over a system's local delivery.
 *
 * @example Route a system's refs through it
 * ```ts
 * import { ActorSystem } from "../../actors/runtime/mod.ts";
 * import { InProcessTransport } from "./in_process.ts";
 * import { assertEquals } from "@std/assert";
 *
 * await using system = new ActorSystem({ transport: (local) => new InProcessTransport(local) });
 * await system.spawn({
 *   kind: "echo",
 *   id: "1",
 *   host: { inline: () => ({ receive: (m: unknown) => m }) },
 *   init: undefined,
 * });
 * assertEquals(await system.lookup("echo", "1").ask("hi"), "hi");
 * ```
 */
export class InProcessTransport implements Transport {
  /** `"in-process"`. */
  readonly name = "in-process";
  readonly #local: Delivery;
  readonly #makeError: ErrorFactory;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed: Promise<void> | undefined;

  /**
   * Wraps a system's local delivery (`system.local`).
   *
   * @param local where messages go
   * @param options error factory
   */
  constructor(local: Delivery, options: InProcessTransportOptions = {}) {
    this.#local = local;
    this.#makeError = options.makeError ?? defaultMakeError;
  }

  /** Fire-and-forget; dropped after `close()` or when the target is unknown. */
  tell(target: ActorAddress, message: unknown, options?: TellOptions): void {
    if (this.#closed !== undefined) return;
    this.#local.tell(target, message, options);
  }

  /**
   * Asks a local actor.
   *
   * @throws code `ACTOR_STOPPED` after `close()` or for an unknown target,
   *   `REQUEST_TIMED_OUT`, `ACTOR_RESTARTED`, or the actor's own code
   */
  ask(target: ActorAddress, message: unknown, options: DeliveryAskOptions): Promise<unknown> {
    if (this.#closed !== undefined) {
      return Promise.reject(this.#makeError(
        RUNTIME_ERROR_CODES.ACTOR_STOPPED,
        `Cannot ask "${target.kind}/${target.id}": the in-process transport is closed`,
      ));
    }
    const sent = this.#local.ask(target, message, options);
    const tracked = sent.then(() => {}, () => {}).finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
    return sent;
  }

  /** Refuses new sends and waits for asks in flight to settle; idempotent. */
  close(): Promise<void> {
    return this.#closed ??= Promise.allSettled([...this.#inFlight]).then(() => {});
  }

  /** Same as {@linkcode InProcessTransport.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
