/**
 * The host side of an actor, as the system sees it: post envelopes in, hear
 * envelopes and crashes out, terminate. Implemented by the Worker host and the
 * inline host. Private to actors/runtime.
 *
 * @module
 */
import type { FromActor, ToActor } from "./envelope.ts";
import type { ErrorData } from "./errors.ts";

/** Callbacks a host reports to. */
export interface HostEvents {
  /** An envelope from the actor. */
  onMessage(envelope: FromActor): void;
  /** The host died outside the protocol (uncaught error, unhandled rejection). */
  onCrash(error: ErrorData): void;
  /** An envelope could not be posted (e.g. a `DataCloneError`); it was dropped. */
  onUndeliverable(envelope: ToActor, error: unknown): void;
}

/** A live host of one actor. */
export interface HostConnection {
  /**
   * Queues an envelope; envelopes posted in one turn go out as one message at
   * the end of it (see `_outbox.ts`). Buffers in the envelope's `transfer` are
   * moved. Failures are reported to `HostEvents.onUndeliverable`, not thrown.
   */
  post(envelope: ToActor): void;
  /** Ends the host at once (no stop hook); idempotent. */
  terminate(): void;
}
