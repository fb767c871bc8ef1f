/**
 * Wire types between a host (main thread) and the actor runner on the other
 * side of a Worker or MessageChannel. Types only, no behaviour (Comlink's
 * `protocol.ts` is the model). Every envelope is structured-clone safe.
 *
 * Payload envelopes carry a `transfer` list: the same `ArrayBuffer`s that
 * were passed as the postMessage transfer list. Structured clone keeps object
 * identity within one message, so the receiver can transfer them again when
 * it forwards the payload (worker → main thread → other worker) instead of
 * copying.
 *
 * One `postMessage` carries either one envelope or an array of envelopes, in
 * the order they were posted: each side coalesces what it posts in one turn
 * (`_outbox.ts`), so pipelined asks and their replies share messages.
 *
 * @module
 */
import type { ErrorData } from "./errors.ts";

/** Where an actor lives: its kind and its id within the kind. */
export interface ActorAddress {
  /** Kind, e.g. `"partition"`. */
  readonly kind: string;
  /** Id within the kind, e.g. `"orders-0"`. */
  readonly id: string;
}

/** The outcome of an ask. */
export type ReplyBody =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: ErrorData };

/** Host → actor: create the logic from `init` and run its `start()` hook. */
export interface StartEnvelope {
  readonly t: "start";
  readonly kind: string;
  readonly id: string;
  readonly init: unknown;
  /** Seed of the actor's `ctx.random`. */
  readonly seed: number;
  /** Default deadline of asks the actor makes through `ctx.lookup()` refs. */
  readonly defaultTimeoutMs: number;
}

/** Host → actor: a message with no reply. */
export interface TellEnvelope {
  readonly t: "tell";
  readonly message: unknown;
  readonly transfer?: Transferable[];
}

/** Host → actor: a request; the actor answers with a {@linkcode ReplyEnvelope} of the same id. */
export interface AskEnvelope {
  readonly t: "ask";
  /** Correlation id, unique per host. */
  readonly id: number;
  readonly message: unknown;
  /** When the caller stops waiting, on the caller's clock (informational). */
  readonly deadline: number;
  readonly transfer?: Transferable[];
}

/** Host → actor: finish queued messages, run `stop()`, answer {@linkcode StoppedEnvelope}. */
export interface StopEnvelope {
  readonly t: "stop";
}

/** Host → actor: the answer to one of the actor's own outbound asks. */
export interface OutReplyEnvelope {
  readonly t: "out-reply";
  readonly id: number;
  readonly reply: ReplyBody;
  readonly transfer?: Transferable[];
}

/** Everything a host sends to an actor. */
export type ToActor =
  | StartEnvelope
  | TellEnvelope
  | AskEnvelope
  | StopEnvelope
  | OutReplyEnvelope;

/** Actor → host: `start()` finished. */
export interface StartedEnvelope {
  readonly t: "started";
}

/** Actor → host: the answer to an {@linkcode AskEnvelope}. */
export interface ReplyEnvelope {
  readonly t: "reply";
  readonly id: number;
  readonly reply: ReplyBody;
  readonly transfer?: Transferable[];
}

/** Actor → host: the actor is broken (start failed, `ctx.fail()`, a timer threw). */
export interface FailedEnvelope {
  readonly t: "failed";
  readonly error: ErrorData;
}

/** Actor → host: `stop()` finished; the host may terminate. */
export interface StoppedEnvelope {
  readonly t: "stopped";
}

/** Actor → host: tell another actor (routed by the host's system). */
export interface OutTellEnvelope {
  readonly t: "out-tell";
  readonly target: ActorAddress;
  readonly message: unknown;
  readonly transfer?: Transferable[];
}

/** Actor → host: ask another actor; answered by an {@linkcode OutReplyEnvelope}. */
export interface OutAskEnvelope {
  readonly t: "out-ask";
  readonly id: number;
  readonly target: ActorAddress;
  readonly message: unknown;
  readonly timeoutMs: number;
  readonly transfer?: Transferable[];
}

/**
 * Actor → host: a log record made inside a Worker (logtape is configured per
 * thread, so the Worker forwards what it logs and the host re-emits it under
 * the same category with the actor's name added).
 */
export interface LogEnvelope {
  readonly t: "log";
  readonly category: readonly string[];
  readonly level: "trace" | "debug" | "info" | "warning" | "error" | "fatal";
  readonly message: string;
  readonly properties: Record<string, unknown>;
  readonly timestamp: number;
}

/** Everything an actor sends to its host. */
export type FromActor =
  | LogEnvelope
  | StartedEnvelope
  | ReplyEnvelope
  | FailedEnvelope
  | StoppedEnvelope
  | OutTellEnvelope
  | OutAskEnvelope;
