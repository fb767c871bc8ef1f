/**
 * Actor logic and its context: what an actor kind implements, apart from any
 * host. A unit test can drive logic directly with a hand-made context (a
 * `FakeClock`, `sequentialIds()`, `seededRandom()`), no Worker needed.
 *
 * ## Ordering guarantees (both hosts)
 *
 * - Messages from one sender to one actor are received in the order sent
 *   (`tell` and `ask` share one mailbox).
 * - One message at a time: `receive()` is never re-entered.
 * - If `receive()` returns a **Promise**, the mailbox **waits** for it before
 *   the next message. Use this for short async work that must be ordered
 *   (an append that awaits a write).
 * - If `receive()` returns a {@linkcode Deferred} (from `ctx.defer()`), or a
 *   Promise that resolves to one, the mailbox does **not** wait for it: the
 *   next message is processed at once and the reply goes out when the
 *   deferred settles (a parked long-poll fetch, acks=all waiting for fsync or
 *   replicas). Parked replies may therefore overtake each other.
 * - `stop` is queued behind messages already delivered; new messages sent
 *   after `stop()` began are refused with `ACTOR_STOPPED`. After the logic's
 *   `stop()` hook returns, deferreds created with `ctx.defer()` that are still
 *   unsettled are rejected with `ACTOR_STOPPED`, so settle them in the hook
 *   when a better answer exists (e.g. an empty fetch).
 * - Errors thrown by `receive()` (sync or async) answer that ask with the
 *   error's `code` (or `UNKNOWN_SERVER_ERROR`) and do not crash the actor; for
 *   a `tell` they are logged. Use `ctx.fail()` for a fatal condition.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { Deferred } from "./deferred.ts";
import type { IdSource } from "./ids.ts";
import type { Random } from "./random.ts";
import type { ActorRef } from "./ref.ts";
import type { WithTransfer } from "./transfer.ts";

/** What `receive()` may return. */
export type ReceiveResult =
  | unknown
  | WithTransfer<unknown>
  | Deferred<unknown>
  | Promise<unknown>;

/** The environment an actor's logic sees. */
export interface ActorContext {
  /** The actor's kind. */
  readonly kind: string;
  /** The actor's id within its kind. */
  readonly id: string;
  /**
   * Time and timers. Timers are cancelled when the actor stops or is torn
   * down; a timer callback that throws fails the actor (like `fail()`).
   */
  readonly clock: Clock;
  /** Unique ids (sequential in tests, random in production). */
  readonly ids: IdSource;
  /** Seeded randomness. */
  readonly random: Random;
  /** Makes a parked reply; return it from `receive()` and settle it later. */
  defer<T>(): Deferred<T>;
  /**
   * A ref to another actor. From inside a Worker the message is routed
   * worker → main thread → target (two extra structured clones per hop and a
   * main-thread task per message; transferred buffers stay transferred), so
   * send batches, not records.
   */
  lookup<M = unknown>(kind: string, id: string): ActorRef<M>;
  /**
   * Reports that the actor is broken beyond one message. The host tears it
   * down, fails its in-flight asks with `ACTOR_RESTARTED`, and the supervisor
   * restarts it from the same init.
   */
  fail(error: unknown): void;
}

/** An actor kind's behaviour. */
export interface ActorLogic {
  /** Recovers state (e.g. from disk) before the first message; a throw fails the spawn. */
  start?(ctx: ActorContext): void | Promise<void>;
  /** Handles one message; see the module doc for what each return shape means. */
  receive(message: unknown, ctx: ActorContext): ReceiveResult;
  /** Flushes before termination; settle parked deferreds here. */
  stop?(ctx: ActorContext): void | Promise<void>;
}

/** Builds an actor's logic from its (structured-clone safe) init. */
export type ActorFactory<Init = unknown> = (init: Init) => ActorLogic;
