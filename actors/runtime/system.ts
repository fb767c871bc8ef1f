/**
 * {@linkcode ActorSystem}: spawns actors in Worker or inline hosts, routes
 * messages to them, supervises crashes, and shuts everything down.
 *
 * Supervision: a host that crashes (an uncaught error or unhandled rejection
 * in its Worker, `ctx.fail()`, a throwing `ctx.clock` timer, or a failing
 * `start()` after a restart) is terminated; its in-flight asks fail with the
 * retriable `ACTOR_RESTARTED`; after an exponential backoff on the system's
 * clock the logic is re-created from the same init (it recovers its state from
 * disk itself). More than `maxRestarts` restarts within `windowMs` is a crash
 * loop: the actor is removed, `onActorFailed` is called, the failure is logged
 * (logtape category `["weir", "runtime"]`), and later asks fail with
 * `ACTOR_STOPPED`. Asks sent while a restart is pending fail at once with
 * `ACTOR_RESTARTED`; asks sent while the new instance is starting queue behind
 * its `start()`.
 *
 * Deadlines: every ask carries one; the system watches them all with one
 * timer on its clock (a min-heap, `_deadlines.ts`) rather than a timer per
 * ask, and holds no timer while no ask is waiting. With a `FakeClock`, asks
 * time out inside `advance()` exactly when their deadline is reached.
 *
 * Routing from inside an actor (`ctx.lookup(kind, id)`) goes actor → its host
 * on this system's thread → target host, and the reply back the same way:
 * one extra postMessage hop each way compared with an ask from the main thread
 * (measured in `bench/actor_bench.ts`). Transferred buffers stay transferred on
 * both hops when the target is local.
 *
 * @module
 */
import { emitForwarded, getLogger } from "./log.ts";
import { DeadlineQueue, type Expirable } from "./_deadlines.ts";
import type { HostConnection, HostEvents } from "./_host.ts";
import type { ActorFactory } from "./actor.ts";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";
import type { ActorAddress, FromActor, ReplyBody, ToActor } from "./envelope.ts";
import {
  defaultMakeError,
  type ErrorData,
  type ErrorFactory,
  RUNTIME_ERROR_CODES,
  toErrorData,
} from "./errors.ts";
import { type IdSource, randomIds } from "./ids.ts";
import { openInlineHost } from "./inline_host.ts";
import { type Random, randomSeed, seededRandom } from "./random.ts";
import { type ActorRef, createRef } from "./ref.ts";
import { DEFAULT_RESTART_POLICY, planRestart, type RestartPolicy } from "./supervisor.ts";
import type {
  Delivery,
  DeliveryAskOptions,
  TellOptions,
  Transport,
  TransportFactory,
} from "./transport.ts";
import { openWorkerHost } from "./worker_host.ts";

const logger = getLogger(["weir", "runtime"]);

/** Where an actor kind's logic can run. Set either or both. */
export interface KindDefinition {
  /** The kind's Worker entry module (`<kind>_worker.ts`). */
  readonly worker?: URL | string;
  /** The kind's logic factory, for inline hosting. */
  readonly inline?: ActorFactory<never>;
}

/**
 * How to host one actor: `"worker"` / `"inline"` use the kind's
 * {@linkcode KindDefinition} from `ActorSystemOptions.kinds`; the object forms
 * name the module or factory directly.
 */
export type HostSpec<Init> =
  | "worker"
  | "inline"
  | { readonly worker: URL | string }
  | { readonly inline: ActorFactory<Init> };

/** Options of {@linkcode ActorSystem.spawn}. */
export interface SpawnOptions<Init> {
  /** Actor kind, e.g. `"partition"`. */
  readonly kind: string;
  /** Id within the kind, e.g. `"orders-0"`. */
  readonly id: string;
  /** Worker or inline. */
  readonly host: HostSpec<Init>;
  /** Structured-clone safe data the logic is built from (again on every restart). */
  readonly init: Init;
}

/** Reported when a crashed actor is running again. */
export interface ActorRestartedEvent extends ActorAddress {
  /** Restarts of this actor so far. */
  readonly restarts: number;
  /** The crash that caused this restart. */
  readonly error: ErrorData;
}

/** Reported when an actor is given up on after a crash loop. */
export interface ActorFailedEvent extends ActorAddress {
  /** Restarts of this actor before giving up. */
  readonly restarts: number;
  /** The last crash. */
  readonly error: ErrorData;
}

/** Options of {@linkcode ActorSystem}. */
export interface ActorSystemOptions {
  /** Clock for deadlines, backoff and inline actors (default: the real clock). */
  readonly clock?: Clock;
  /** Id source of inline actors (default: random UUIDs). */
  readonly ids?: IdSource;
  /** Seed from which each actor's `ctx.random` seed is drawn (default: random). */
  readonly seed?: number;
  /** Rebuilds errors on the caller's side (default: `ActorError`). */
  readonly makeError?: ErrorFactory;
  /** Deadline of asks that name none, ms (default 30 000). */
  readonly defaultTimeoutMs?: number;
  /** How long `start()` may take before the spawn fails, ms (default 60 000). */
  readonly startTimeoutMs?: number;
  /** How long `stop()` may take before the host is terminated anyway, ms (default 10 000). */
  readonly stopTimeoutMs?: number;
  /** Restart policy; unset fields take {@linkcode DEFAULT_RESTART_POLICY}'s. */
  readonly restartPolicy?: Partial<RestartPolicy>;
  /** Kinds for `host: "worker" | "inline"`. */
  readonly kinds?: Readonly<Record<string, KindDefinition>>;
  /** Transport refs from `lookup()` send through (default: straight to local actors). */
  readonly transport?: TransportFactory;
  /** Called when a crashed actor runs again. */
  readonly onActorRestarted?: (event: ActorRestartedEvent) => void;
  /** Called when an actor is given up on after a crash loop. */
  readonly onActorFailed?: (event: ActorFailedEvent) => void;
}

type ResolvedHost = { readonly worker: URL | string } | {
  readonly inline: ActorFactory<never>;
};

/** Called with an ask's reply value and the buffers that were transferred with it. */
type OnReply = (value: unknown, transfer: Transferable[]) => void;
/** Called with an ask's failure. */
type OnError = (error: Error) => void;

/** One ask waiting for its reply: plain callbacks, its deadline watched by the system's queue. */
class Pending implements Expirable {
  order = 0;
  settled = false;
  constructor(
    readonly entry: Entry,
    readonly id: number,
    readonly deadline: number,
    readonly timeoutMs: number,
    readonly onReply: OnReply,
    readonly onError: OnError,
    readonly onExpire: (pending: Pending) => void,
  ) {}

  expire(): void {
    this.onExpire(this);
  }
}

interface Starting {
  readonly initial: boolean;
  resolve(): void;
  reject(error: Error): void;
  timer: TimerHandle;
}

interface Entry {
  readonly address: ActorAddress;
  readonly key: string;
  readonly host: ResolvedHost;
  readonly init: unknown;
  state: "starting" | "running" | "restarting" | "stopping" | "stopped";
  stopRequested: boolean;
  conn: HostConnection | undefined;
  readonly pending: Map<number, Pending>;
  history: readonly number[];
  restarts: number;
  restartTimer: TimerHandle | undefined;
  starting: Starting | undefined;
  launching: Promise<void> | undefined;
  stopped: (() => void) | undefined;
  stopping: Promise<void> | undefined;
}

const keyOf = (kind: string, id: string): string => `${kind}\u0000${id}`;
const nameOf = (address: ActorAddress): string => `"${address.kind}/${address.id}"`;

/**
 * A set of supervised actors on this thread's side of their hosts.
 * `close()` equals `shutdown()` and `[Symbol.asyncDispose]`; it is idempotent.
 *
 * @example Spawn an inline actor and ask it
 * ```ts
 * import { ActorSystem } from "./system.ts";
 * import { assertEquals } from "@std/assert";
 *
 * await using system = new ActorSystem();
 * const ref = await system.spawn({
 *   kind: "greeter",
 *   id: "1",
 *   host: { inline: (init: { greeting: string }) => ({
 *     receive: (name) => `${init.greeting}, ${String(name)}`,
 *   }) },
 *   init: { greeting: "Hello" },
 * });
 * assertEquals(await ref.ask<string>("Ada"), "Hello, Ada");
 * ```
 */
export class ActorSystem implements AsyncDisposable {
  /** Delivery straight to this system's own actors (what an in-process transport wraps). */
  readonly local: Delivery;
  readonly #clock: Clock;
  readonly #ids: IdSource;
  readonly #random: Random;
  readonly #makeError: ErrorFactory;
  readonly #defaultTimeoutMs: number;
  readonly #startTimeoutMs: number;
  readonly #stopTimeoutMs: number;
  readonly #policy: RestartPolicy;
  readonly #kinds: Readonly<Record<string, KindDefinition>>;
  readonly #transport: Transport | undefined;
  readonly #onRestarted: ((event: ActorRestartedEvent) => void) | undefined;
  readonly #onFailed: ((event: ActorFailedEvent) => void) | undefined;
  readonly #actors = new Map<string, Entry>();
  readonly #restartCounts = new Map<string, number>();
  readonly #deadlines: DeadlineQueue;
  readonly #expire = (pending: Pending): void => this.#timedOut(pending);
  #seq = 0;
  #closing = false;
  #closed: Promise<void> | undefined;

  /** Creates an empty system; see {@linkcode ActorSystemOptions} for the defaults. */
  constructor(options: ActorSystemOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#deadlines = new DeadlineQueue(this.#clock);
    this.#ids = options.ids ?? randomIds();
    this.#random = seededRandom(options.seed ?? randomSeed());
    this.#makeError = options.makeError ?? defaultMakeError;
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
    this.#startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    this.#policy = { ...DEFAULT_RESTART_POLICY, ...options.restartPolicy };
    this.#kinds = options.kinds ?? {};
    this.#onRestarted = options.onActorRestarted;
    this.#onFailed = options.onActorFailed;
    this.local = {
      tell: (target, message, opts) => this.#tellLocal(target, message, opts),
      ask: (target, message, opts) =>
        new Promise((resolve, reject) => this.#askLocal(target, message, opts, resolve, reject)),
    };
    this.#transport = options.transport?.(this.local);
  }

  /**
   * Starts an actor and waits for its `start()` hook.
   *
   * @param options kind, id, host and init
   * @returns a ref to the actor
   * @throws code `INVALID_REQUEST` when the (kind, id) is taken or the host is unknown,
   *   `ACTOR_STOPPED` after shutdown, or the error `start()` threw (the actor is not kept)
   */
  async spawn<Init>(options: SpawnOptions<Init>): Promise<ActorRef> {
    const { kind, id } = options;
    const address = { kind, id };
    if (this.#closing) {
      throw this.#error(
        "ACTOR_STOPPED",
        `Cannot spawn ${nameOf(address)}: the system is shut down`,
      );
    }
    const key = keyOf(kind, id);
    if (this.#actors.has(key)) {
      throw this.#error("INVALID_REQUEST", `Cannot spawn ${nameOf(address)}: it already exists`);
    }
    const entry: Entry = {
      address,
      key,
      host: this.#resolveHost(address, options.host as HostSpec<never>),
      init: options.init,
      state: "starting",
      stopRequested: false,
      conn: undefined,
      pending: new Map(),
      history: [],
      restarts: 0,
      restartTimer: undefined,
      starting: undefined,
      launching: undefined,
      stopped: undefined,
      stopping: undefined,
    };
    this.#actors.set(key, entry);
    await this.#launch(entry, true);
    return this.lookup(kind, id);
  }

  /**
   * A ref to (kind, id), whether or not it exists now; asks to a missing
   * actor fail with `ACTOR_STOPPED`. Sends through the system's transport when
   * one was given.
   *
   * @param kind actor kind
   * @param id id within the kind
   * @returns the ref
   */
  lookup<M = unknown>(kind: string, id: string): ActorRef<M> {
    return createRef<M>({ kind, id }, {
      delivery: this.#transport ?? this.local,
      defaultTimeoutMs: this.#defaultTimeoutMs,
    });
  }

  /** Whether (kind, id) is spawned and not stopped or given up. */
  has(kind: string, id: string): boolean {
    const entry = this.#actors.get(keyOf(kind, id));
    return entry !== undefined && !entry.stopRequested;
  }

  /**
   * Live hosts by kind: how many actors run in their own Worker and how many
   * inline (for metrics and for tests that count Workers).
   */
  hostCounts(): Record<string, { worker: number; inline: number }> {
    const out: Record<string, { worker: number; inline: number }> = {};
    for (const entry of this.#actors.values()) {
      if (entry.conn === undefined || entry.state === "stopped") continue;
      const counts = out[entry.address.kind] ??= { worker: 0, inline: 0 };
      if ("worker" in entry.host) counts.worker++;
      else counts.inline++;
    }
    return out;
  }

  /** Restarts so far per kind (for `weir_actor_restarts_total{kind}`). */
  restartCounts(): Record<string, number> {
    return Object.fromEntries(this.#restartCounts);
  }

  /**
   * Stops one actor: refuses new messages, lets queued ones finish, runs the
   * logic's `stop()` hook, then terminates its host. Idempotent; unknown ids
   * resolve at once.
   *
   * @param kind actor kind
   * @param id id within the kind
   */
  stop(kind: string, id: string): Promise<void> {
    const entry = this.#actors.get(keyOf(kind, id));
    if (entry === undefined) return Promise.resolve();
    return entry.stopping ??= this.#stopEntry(entry);
  }

  /**
   * Graceful shutdown: refuse new spawns, stop every actor (each drains its
   * mailbox and runs its `stop()` hook), then close the transport. Idempotent.
   */
  shutdown(): Promise<void> {
    return this.#closed ??= (async () => {
      this.#closing = true;
      const entries = [...this.#actors.values()];
      await Promise.allSettled(entries.map((e) => this.stop(e.address.kind, e.address.id)));
      await this.#transport?.close();
      this.#deadlines.clear();
    })();
  }

  /** Same as {@linkcode ActorSystem.shutdown}. */
  close(): Promise<void> {
    return this.shutdown();
  }

  /** Same as {@linkcode ActorSystem.shutdown}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  #error(code: keyof typeof RUNTIME_ERROR_CODES, message: string): Error {
    return this.#makeError(RUNTIME_ERROR_CODES[code], message);
  }

  #resolveHost(address: ActorAddress, spec: HostSpec<never>): ResolvedHost {
    if (typeof spec === "object") return spec;
    const definition = this.#kinds[address.kind];
    if (spec === "worker" && definition?.worker !== undefined) {
      return { worker: definition.worker };
    }
    if (spec === "inline" && definition?.inline !== undefined) {
      return { inline: definition.inline };
    }
    throw this.#error(
      "INVALID_REQUEST",
      `Cannot spawn ${nameOf(address)}: kind "${address.kind}" has no ${spec} host`,
    );
  }

  #launch(entry: Entry, initial: boolean): Promise<void> {
    const launching = new Promise<void>((resolve, reject) => {
      let conn: HostConnection | undefined;
      const events: HostEvents = {
        onMessage: (envelope) => {
          if (conn !== undefined && entry.conn === conn) this.#onMessage(entry, conn, envelope);
        },
        onCrash: (error) => {
          if (conn !== undefined && entry.conn === conn) this.#onCrash(entry, error);
        },
        onUndeliverable: (envelope, error) => {
          if (conn !== undefined && entry.conn === conn) {
            this.#onUndeliverable(entry, envelope, error);
          }
        },
      };
      try {
        const name = `${entry.address.kind}/${entry.address.id}`;
        conn = "worker" in entry.host
          ? openWorkerHost(entry.host.worker, { events, name })
          : openInlineHost({
            factory: entry.host.inline,
            clock: () => this.#clock,
            ids: () => this.#ids,
            makeError: this.#makeError,
          }, events);
        entry.conn = conn;
        entry.state = "starting";
        const timer = this.#clock.setTimeout(() => {
          this.#onCrash(entry, {
            code: RUNTIME_ERROR_CODES.REQUEST_TIMED_OUT,
            message: `Cannot start ${
              nameOf(entry.address)
            }: not started within ${this.#startTimeoutMs} ms`,
          });
        }, this.#startTimeoutMs);
        entry.starting = { initial, resolve, reject, timer };
        conn.post({
          t: "start",
          kind: entry.address.kind,
          id: entry.address.id,
          init: entry.init,
          seed: this.#random.int(2 ** 32),
          defaultTimeoutMs: this.#defaultTimeoutMs,
        });
      } catch (error) {
        if (entry.starting) this.#clock.clearTimeout(entry.starting.timer);
        entry.starting = undefined;
        conn?.terminate();
        entry.conn = undefined;
        if (initial) this.#remove(entry);
        reject(error);
      }
    });
    entry.launching = launching.catch(() => {});
    return launching;
  }

  #onMessage(entry: Entry, conn: HostConnection, envelope: FromActor): void {
    switch (envelope.t) {
      case "log": {
        const actor = `${entry.address.kind}/${entry.address.id}`;
        emitForwarded(envelope, { actor });
        return;
      }
      case "started": {
        const starting = entry.starting;
        if (starting === undefined) return;
        entry.starting = undefined;
        this.#clock.clearTimeout(starting.timer);
        entry.state = "running";
        starting.resolve();
        return;
      }
      case "reply":
        this.#settle(entry, envelope.id, envelope.reply, envelope.transfer ?? []);
        return;
      case "failed":
        this.#onCrash(entry, envelope.error);
        return;
      case "stopped":
        entry.stopped?.();
        return;
      case "out-tell":
        this.#route(envelope.target).tell(
          envelope.target,
          envelope.message,
          envelope.transfer ? { transfer: envelope.transfer } : undefined,
        );
        return;
      case "out-ask": {
        const { id, target, message, timeoutMs } = envelope;
        const opts = envelope.transfer ? { timeoutMs, transfer: envelope.transfer } : { timeoutMs };
        const answer = (reply: ReplyBody, transfer: Transferable[]) => {
          if (entry.conn === conn) conn.post({ t: "out-reply", id, reply, transfer });
        };
        const failed = (error: unknown) => answer({ ok: false, error: toErrorData(error) }, []);
        if (this.#transport === undefined || this.#actors.has(keyOf(target.kind, target.id))) {
          this.#askLocal(
            target,
            message,
            opts,
            (value, transfer) => answer({ ok: true, value }, transfer),
            failed,
          );
        } else {
          this.#transport.ask(target, message, opts).then(
            (value) => answer({ ok: true, value }, []),
            failed,
          );
        }
        return;
      }
    }
  }

  /** An envelope could not be posted to the actor (e.g. a message that cannot be cloned). */
  #onUndeliverable(entry: Entry, envelope: ToActor, error: unknown): void {
    switch (envelope.t) {
      case "ask": {
        const pending = entry.pending.get(envelope.id);
        if (pending === undefined) return;
        entry.pending.delete(envelope.id);
        this.#deadlines.settle(pending);
        pending.onError(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      case "start":
        this.#onCrash(entry, toErrorData(error));
        return;
      default:
        logger.warn("Cannot deliver a {type} envelope to {actor}: {error}", {
          type: envelope.t,
          actor: nameOf(entry.address),
          error,
        });
    }
  }

  #route(target: ActorAddress): Delivery {
    if (this.#transport === undefined || this.#actors.has(keyOf(target.kind, target.id))) {
      return this.local;
    }
    return this.#transport;
  }

  #onCrash(entry: Entry, error: ErrorData): void {
    const conn = entry.conn;
    if (conn === undefined) return;
    entry.conn = undefined;
    conn.terminate();
    const starting = entry.starting;
    entry.starting = undefined;
    if (starting !== undefined) this.#clock.clearTimeout(starting.timer);
    if (entry.state === "stopping") {
      entry.stopped?.();
      return;
    }
    if (starting?.initial) {
      this.#remove(entry);
      this.#failPending(entry, "ACTOR_STOPPED", `it failed to start (${error.message})`);
      starting.reject(this.#makeError(error.code, error.message));
      return;
    }
    starting?.reject(this.#makeError(error.code, error.message));
    if (entry.stopRequested) {
      this.#remove(entry);
      this.#failPending(entry, "ACTOR_STOPPED", `it stopped after a crash (${error.message})`);
      return;
    }
    const plan = planRestart(entry.history, { now: this.#clock.now(), policy: this.#policy });
    entry.history = plan.history;
    if (!plan.restart) {
      this.#remove(entry);
      this.#failPending(entry, "ACTOR_STOPPED", `it crashed too often (${error.message})`);
      logger.error(
        "Cannot keep {actor} running: {restarts} restarts within {windowMs} ms, last error {error}",
        {
          actor: nameOf(entry.address),
          restarts: entry.restarts,
          windowMs: this.#policy.windowMs,
          error: error.message,
        },
      );
      this.#onFailed?.({ ...entry.address, restarts: entry.restarts, error });
      return;
    }
    entry.state = "restarting";
    this.#failPending(entry, "ACTOR_RESTARTED", `it crashed and is restarting (${error.message})`);
    logger.warn("Restarting {actor} in {delayMs} ms after: {error}", {
      actor: nameOf(entry.address),
      delayMs: plan.delayMs,
      error: error.message,
    });
    entry.restartTimer = this.#clock.setTimeout(() => {
      entry.restartTimer = undefined;
      if (entry.state !== "restarting" || entry.stopRequested) return;
      entry.restarts++;
      const kind = entry.address.kind;
      this.#restartCounts.set(kind, (this.#restartCounts.get(kind) ?? 0) + 1);
      this.#launch(entry, false).then(
        () => this.#onRestarted?.({ ...entry.address, restarts: entry.restarts, error }),
        () => {}, // a failed restart is a crash: #onCrash already planned the next step
      );
    }, plan.delayMs);
  }

  #remove(entry: Entry): void {
    entry.state = "stopped";
    if (this.#actors.get(entry.key) === entry) this.#actors.delete(entry.key);
  }

  #failPending(entry: Entry, code: keyof typeof RUNTIME_ERROR_CODES, reason: string): void {
    for (const [id, pending] of entry.pending) {
      entry.pending.delete(id);
      this.#deadlines.settle(pending);
      pending.onError(
        this.#error(code, `Cannot finish the ask to ${nameOf(entry.address)}: ${reason}`),
      );
    }
  }

  async #stopEntry(entry: Entry): Promise<void> {
    entry.stopRequested = true;
    if (entry.restartTimer !== undefined) {
      this.#clock.clearTimeout(entry.restartTimer);
      entry.restartTimer = undefined;
    }
    if (entry.state === "starting") await entry.launching;
    const conn = entry.conn;
    if (conn !== undefined && entry.state === "running") {
      entry.state = "stopping";
      await new Promise<void>((resolve) => {
        const timer = this.#clock.setTimeout(() => {
          logger.warn("Terminating {actor}: stop() took over {ms} ms", {
            actor: nameOf(entry.address),
            ms: this.#stopTimeoutMs,
          });
          resolve();
        }, this.#stopTimeoutMs);
        entry.stopped = () => {
          this.#clock.clearTimeout(timer);
          resolve();
        };
        conn.post({ t: "stop" });
      });
      entry.conn = undefined;
      conn.terminate();
    }
    this.#remove(entry);
    this.#failPending(entry, "ACTOR_STOPPED", "it stopped");
  }

  #accepts(entry: Entry): boolean {
    return !entry.stopRequested &&
      (entry.state === "running" || entry.state === "starting") && entry.conn !== undefined;
  }

  #tellLocal(target: ActorAddress, message: unknown, options?: TellOptions): void {
    const entry = this.#actors.get(keyOf(target.kind, target.id));
    if (entry === undefined || !this.#accepts(entry)) {
      logger.debug("Dropping a tell to {actor}: not running", { actor: nameOf(target) });
      return;
    }
    const transfer = options?.transfer ?? [];
    entry.conn!.post({ t: "tell", message, transfer });
  }

  #askLocal(
    target: ActorAddress,
    message: unknown,
    options: DeliveryAskOptions,
    onReply: OnReply,
    onError: OnError,
  ): void {
    const entry = this.#actors.get(keyOf(target.kind, target.id));
    if (entry === undefined || !this.#accepts(entry)) {
      const restarting = entry?.state === "restarting" && !entry.stopRequested;
      onError(
        restarting
          ? this.#error("ACTOR_RESTARTED", `Cannot ask ${nameOf(target)}: it is restarting`)
          : this.#error("ACTOR_STOPPED", `Cannot ask ${nameOf(target)}: no such actor is running`),
      );
      return;
    }
    const id = ++this.#seq;
    const { timeoutMs } = options;
    const deadline = this.#clock.now() + timeoutMs;
    const pending = new Pending(entry, id, deadline, timeoutMs, onReply, onError, this.#expire);
    entry.pending.set(id, pending);
    this.#deadlines.add(pending);
    entry.conn!.post({ t: "ask", id, message, deadline, transfer: options.transfer ?? [] });
  }

  #timedOut(pending: Pending): void {
    const { entry, id } = pending;
    if (entry.pending.get(id) !== pending) return;
    entry.pending.delete(id);
    pending.onError(this.#error(
      "REQUEST_TIMED_OUT",
      `Cannot ask ${nameOf(entry.address)}: no reply within ${pending.timeoutMs} ms`,
    ));
  }

  #settle(entry: Entry, id: number, reply: ReplyBody, transfer: Transferable[]): void {
    const pending = entry.pending.get(id);
    if (pending === undefined) return; // timed out or failed already
    entry.pending.delete(id);
    if (reply.ok) pending.onReply(reply.value, transfer);
    else pending.onError(this.#makeError(reply.error.code, reply.error.message));
    // After the reply: a caller awaiting it directly sends its next ask before the queue's idle check.
    this.#deadlines.settle(pending);
  }
}
