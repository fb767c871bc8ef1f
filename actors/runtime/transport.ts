/**
 * The {@linkcode Transport} interface: how an `ActorRef` reaches its actor,
 * wherever it lives. The runtime owns the interface; implementations live
 * with their runtime dependency (`broker/transport/in_process.ts` over
 * postMessage, `broker/transport/nats.ts` over NATS subjects), and are passed
 * in, never held in module globals.
 *
 * Contract every implementation keeps (checked by `runTransportConformance`):
 * - `ask` settles exactly once: with the reply, with the actor's error rebuilt
 *   with the same `code` and `message`, with `REQUEST_TIMED_OUT` when
 *   `timeoutMs` passes, or with `ACTOR_STOPPED` for an unknown target or a
 *   closed transport.
 * - `tell` never throws for delivery problems (fire and forget; an unknown
 *   target drops the message); it may throw for a closed transport.
 * - `Uint8Array` / `ArrayBuffer` payloads arrive byte-for-byte; buffers in
 *   `transfer` are moved, not copied, where the medium allows.
 *
 * @module
 */
import type { ActorAddress } from "./envelope.ts";

export type { ActorAddress } from "./envelope.ts";

/** Options of a tell. */
export interface TellOptions {
  /** Buffers inside the message to transfer (detached on the sender's side). */
  readonly transfer?: Transferable[];
}

/** Options of an ask at the transport level (the deadline is required here). */
export interface DeliveryAskOptions extends TellOptions {
  /** How long to wait for the reply, in ms on the sender's clock. */
  readonly timeoutMs: number;
}

/** Sends messages to actors. What a system exposes for its own actors (`system.local`). */
export interface Delivery {
  /** Fire-and-forget message to `target`. */
  tell(target: ActorAddress, message: unknown, options?: TellOptions): void;
  /** Request to `target`; resolves with its reply. */
  ask(target: ActorAddress, message: unknown, options: DeliveryAskOptions): Promise<unknown>;
}

/** A {@linkcode Delivery} that owns resources (connections, subscriptions). */
export interface Transport extends Delivery, AsyncDisposable {
  /** Short name for logs and test names, e.g. `"in-process"`, `"nats"`. */
  readonly name: string;
  /** Stops accepting sends (they fail with `ACTOR_STOPPED`); idempotent. */
  close(): Promise<void>;
}

/** Builds a transport on top of a system's local delivery. */
export type TransportFactory = (local: Delivery) => Transport;
