/**
 * The actor side of a host: a mailbox that feeds one logic instance, one
 * message at a time, over a port (a Worker's global scope or one end of a
 * MessageChannel). Shared by the Worker and inline hosts so both behave the
 * same. Private to actors/runtime.
 *
 * @module
 */
import { getLogger } from "./log.ts";
import type { ActorContext, ActorFactory, ActorLogic } from "./actor.ts";
import { DeadlineQueue, type Expirable } from "./_deadlines.ts";
import { Outbox, unpack } from "./_outbox.ts";
import { ScopedClock } from "./_scoped_clock.ts";
import type { Clock } from "./clock.ts";
import { Deferred } from "./deferred.ts";
import type { FromActor, ReplyBody, ToActor } from "./envelope.ts";
import { ActorError, type ErrorFactory, RUNTIME_ERROR_CODES, toErrorData } from "./errors.ts";
import type { IdSource } from "./ids.ts";
import { seededRandom } from "./random.ts";
import { createRef } from "./ref.ts";
import { WithTransfer } from "./transfer.ts";
import type { ActorAddress, Delivery, DeliveryAskOptions, TellOptions } from "./transport.ts";

const logger = getLogger(["weir", "runtime"]);

/** The minimal port a runner talks through (a Worker's `self` or a `MessagePort`). */
export interface RunnerPort {
  postMessage(message: FromActor | FromActor[], transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToActor | ToActor[]>) => void) | null;
}

/** What a runner needs besides its port. */
export interface RunnerOptions {
  /** Builds the logic from the init in the start envelope. */
  readonly factory: ActorFactory<never>;
  /** The clock for this actor, chosen from its init. */
  readonly clock: (init: unknown) => Clock;
  /** Id source for `ctx.ids`. */
  readonly ids: (init: unknown) => IdSource;
  /** Rebuilds errors of the actor's own outbound asks. */
  readonly makeError: ErrorFactory;
}

/** Handle of a running actor, for the inline host's teardown. */
export interface Runner {
  /** Tears down without running `stop()`: cancels timers, drops later messages. */
  kill(): void;
}

/** One of the actor's own outbound asks waiting for its reply. */
class OutPending implements Expirable {
  order = 0;
  settled = false;
  constructor(
    readonly id: number,
    readonly deadline: number,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
    readonly onExpire: (pending: OutPending) => void,
  ) {}

  expire(): void {
    this.onExpire(this);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

/**
 * Starts serving one actor on `port`. The first envelope must be `start`.
 *
 * @param port where envelopes come from and replies go to
 * @param options factory, clock, ids and error factory
 * @returns a handle to kill the actor without `stop()`
 */
export function runActor(port: RunnerPort, options: RunnerOptions): Runner {
  const runner = new ActorRunner(port, options);
  const each = (envelope: ToActor): void => runner.onEnvelope(envelope);
  port.onmessage = (event) => unpack(event.data, each);
  return runner;
}

class ActorRunner implements Runner {
  readonly #outbox: Outbox<FromActor>;
  readonly #options: RunnerOptions;
  #logic: ActorLogic | undefined;
  #ctx: ActorContext | undefined;
  #clock: ScopedClock | undefined;
  #name = "?";
  #defaultTimeoutMs = 30_000;
  readonly #queue: ToActor[] = [];
  #busy = false;
  #dead = false;
  #stopping = false;
  readonly #open = new Set<Deferred<unknown>>();
  readonly #parked = new Set<Promise<void>>();
  readonly #out = new Map<number, OutPending>();
  #outDeadlines: DeadlineQueue | undefined;
  #outSeq = 0;

  constructor(port: RunnerPort, options: RunnerOptions) {
    this.#outbox = new Outbox<FromActor>({
      send: (data, transfer) => port.postMessage(data, transfer),
      onUndeliverable: (envelope, error) => this.#undeliverable(envelope, error),
    });
    this.#options = options;
  }

  onEnvelope(envelope: ToActor): void {
    if (this.#dead) return;
    if (envelope.t === "out-reply") {
      // Never queued: logic awaiting its own outbound ask would deadlock otherwise.
      this.#settleOut(envelope.id, envelope.reply);
      return;
    }
    this.#queue.push(envelope);
    if (!this.#busy) this.#pump();
  }

  kill(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#outbox.discard();
    this.#teardown();
  }

  #teardown(): void {
    this.#clock?.clearAll();
    this.#outDeadlines?.clear();
    this.#queue.length = 0;
    for (const [id, pending] of this.#out) {
      this.#out.delete(id);
      pending.reject(this.#stoppedError("ask another actor"));
    }
  }

  #pump(): void {
    this.#busy = true;
    while (this.#queue.length > 0 && !this.#dead) {
      const pending = this.#process(this.#queue.shift()!);
      if (pending !== undefined) {
        pending.then(() => this.#pump());
        return; // stay busy: the mailbox waits for this message
      }
    }
    this.#busy = false;
  }

  /** Handles one envelope; returns a promise when the mailbox must wait for it. */
  #process(envelope: ToActor): Promise<void> | undefined {
    switch (envelope.t) {
      case "start":
        return this.#start(envelope.kind, envelope.id, envelope);
      case "tell":
        return this.#tell(envelope.message);
      case "ask":
        if (this.#stopping) {
          this.#replyError(envelope.id, this.#stoppedError("answer"));
          return undefined;
        }
        return this.#ask(envelope.id, envelope.message);
      case "stop":
        return this.#stop();
      default:
        return undefined;
    }
  }

  #start(
    kind: string,
    id: string,
    envelope: { init: unknown; seed: number; defaultTimeoutMs: number },
  ): Promise<void> | undefined {
    this.#name = `${kind}/${id}`;
    this.#defaultTimeoutMs = envelope.defaultTimeoutMs;
    try {
      const clock = new ScopedClock(this.#options.clock(envelope.init), (e) => this.#fail(e));
      this.#clock = clock;
      this.#outDeadlines = new DeadlineQueue(clock);
      const outbound: Delivery = {
        tell: (target, message, opts) => this.#outTell(target, message, opts),
        ask: (target, message, opts) => this.#outAsk(target, message, opts),
      };
      const ctx: ActorContext = {
        kind,
        id,
        clock,
        ids: this.#options.ids(envelope.init),
        random: seededRandom(envelope.seed),
        defer: <T>(): Deferred<T> => {
          const deferred = new Deferred<T>();
          this.#open.add(deferred as Deferred<unknown>);
          const forget = () => this.#open.delete(deferred as Deferred<unknown>);
          deferred.promise.then(forget, forget);
          return deferred;
        },
        lookup: (k, i) =>
          createRef({ kind: k, id: i }, {
            delivery: outbound,
            defaultTimeoutMs: this.#defaultTimeoutMs,
          }),
        fail: (error) => this.#fail(error),
      };
      this.#ctx = ctx;
      this.#logic = this.#options.factory(envelope.init as never);
      const started = this.#logic.start?.(ctx);
      if (isThenable(started)) {
        return Promise.resolve(started).then(
          () => this.#post({ t: "started" }),
          (error) => this.#fail(error),
        );
      }
      this.#post({ t: "started" });
    } catch (error) {
      this.#fail(error);
    }
    return undefined;
  }

  #tell(message: unknown): Promise<void> | undefined {
    let result: unknown;
    try {
      result = this.#logic!.receive(message, this.#ctx!);
    } catch (error) {
      this.#logTellError(error);
      return undefined;
    }
    if (result instanceof Deferred) return undefined;
    if (isThenable(result)) {
      return Promise.resolve(result).then(() => {}, (error) => this.#logTellError(error));
    }
    return undefined;
  }

  #logTellError(error: unknown): void {
    logger.warn("Cannot handle a tell to {actor}: {error}", { actor: this.#name, error });
  }

  #ask(id: number, message: unknown): Promise<void> | undefined {
    let result: unknown;
    try {
      result = this.#logic!.receive(message, this.#ctx!);
    } catch (error) {
      this.#replyError(id, error);
      return undefined;
    }
    if (result instanceof Deferred) {
      this.#park(id, result);
      return undefined;
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => value instanceof Deferred ? this.#park(id, value) : this.#reply(id, value),
        (error) => this.#replyError(id, error),
      );
    }
    this.#reply(id, result);
    return undefined;
  }

  #park(id: number, deferred: Deferred<unknown>): void {
    const done = deferred.promise.then(
      (value) => this.#reply(id, value),
      (error) => this.#replyError(id, error),
    ).finally(() => this.#parked.delete(done));
    this.#parked.add(done);
  }

  async #stop(): Promise<void> {
    this.#stopping = true;
    try {
      await this.#logic?.stop?.(this.#ctx!);
    } catch (error) {
      logger.error("Cannot run the stop hook of {actor}: {error}", { actor: this.#name, error });
    }
    for (const deferred of this.#open) deferred.reject(this.#stoppedError("answer"));
    await Promise.allSettled([...this.#parked]);
    this.#dead = true;
    this.#teardown();
    this.#post({ t: "stopped" }, true);
  }

  #stoppedError(what: string): ActorError {
    return new ActorError(
      RUNTIME_ERROR_CODES.ACTOR_STOPPED,
      `Cannot ${what}: actor "${this.#name}" stopped`,
    );
  }

  #fail(error: unknown): void {
    if (this.#dead) return;
    const data = toErrorData(error);
    this.#post({ t: "failed", error: data });
    this.#dead = true;
    this.#teardown();
  }

  #reply(id: number, value: unknown): void {
    const body: ReplyBody = {
      ok: true,
      value: value instanceof WithTransfer ? value.value : value,
    };
    if (value instanceof WithTransfer) {
      this.#post({ t: "reply", id, reply: body, transfer: value.transfer });
    } else {
      this.#post({ t: "reply", id, reply: body });
    }
  }

  #replyError(id: number, error: unknown): void {
    this.#post({ t: "reply", id, reply: { ok: false, error: toErrorData(error) } });
  }

  /** Queues an envelope for the host; replies of one batch of messages go out as one message. */
  #post(envelope: FromActor, evenIfDead = false): void {
    if (this.#dead && !evenIfDead) return;
    this.#outbox.post(envelope);
  }

  /** An envelope could not be cloned: answer with an error instead of leaving the caller hanging. */
  #undeliverable(envelope: FromActor, error: unknown): void {
    const reason = toErrorData(error).message;
    switch (envelope.t) {
      case "reply": {
        const message = `Cannot send the reply of "${this.#name}": ${reason}`;
        this.#outbox.post({
          t: "reply",
          id: envelope.id,
          reply: { ok: false, error: { code: RUNTIME_ERROR_CODES.UNKNOWN_SERVER_ERROR, message } },
        });
        return;
      }
      case "out-ask": {
        const pending = this.#out.get(envelope.id);
        if (pending === undefined) return;
        this.#out.delete(envelope.id);
        this.#outDeadlines?.settle(pending);
        pending.reject(error);
        return;
      }
      default:
        logger.error("Cannot send a {type} envelope from {actor}: {error}", {
          type: envelope.t,
          actor: this.#name,
          error: reason,
        });
    }
  }

  #outTell(target: ActorAddress, message: unknown, options?: TellOptions): void {
    if (this.#dead) return;
    const transfer = options?.transfer ?? [];
    this.#post({ t: "out-tell", target, message, transfer });
  }

  #outAsk(target: ActorAddress, message: unknown, options: DeliveryAskOptions): Promise<unknown> {
    if (this.#dead) return Promise.reject(this.#stoppedError("ask another actor"));
    return new Promise((resolve, reject) => {
      const id = ++this.#outSeq;
      const { timeoutMs } = options;
      const pending = new OutPending(
        id,
        this.#clock!.now() + timeoutMs,
        resolve,
        reject,
        () => {
          this.#out.delete(id);
          reject(this.#options.makeError(
            RUNTIME_ERROR_CODES.REQUEST_TIMED_OUT,
            `Cannot ask "${target.kind}/${target.id}": no reply within ${timeoutMs} ms`,
          ));
        },
      );
      this.#out.set(id, pending);
      this.#outDeadlines!.add(pending);
      this.#post({
        t: "out-ask",
        id,
        target: { kind: target.kind, id: target.id },
        message,
        timeoutMs,
        transfer: options.transfer ?? [],
      });
    });
  }

  #settleOut(id: number, reply: ReplyBody): void {
    const pending = this.#out.get(id);
    if (pending === undefined) return;
    this.#out.delete(id);
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(this.#options.makeError(reply.error.code, reply.error.message));
    this.#outDeadlines?.settle(pending);
  }
}
