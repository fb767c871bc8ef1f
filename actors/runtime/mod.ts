/**
 * Weir's generic actor runtime. It knows nothing of Kafka: actors are
 * {@linkcode ActorLogic} (plain objects receiving messages) run by a host —
 * one Deno Worker per actor, or inline behind a MessageChannel for
 * deterministic tests — and reached through {@linkcode ActorRef}s that send
 * through a {@linkcode Transport}. An {@linkcode ActorSystem} spawns,
 * supervises (restart with backoff, crash-loop cut-off) and shuts them down.
 * Time, ids and randomness are injected ({@linkcode Clock},
 * {@linkcode IdSource}, {@linkcode Random}).
 *
 * @example Ask an inline actor, with a parked (deferred) reply
 * ```ts
 * import { ActorSystem, type ActorContext, type Deferred } from "./mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * await using system = new ActorSystem();
 * const ref = await system.spawn({
 *   kind: "latch",
 *   id: "1",
 *   host: {
 *     inline: () => {
 *       const waiting: Deferred<string>[] = [];
 *       return {
 *         receive(message: unknown, ctx: ActorContext) {
 *           if (message === "wait") {
 *             const d = ctx.defer<string>();
 *             waiting.push(d);
 *             return d;
 *           }
 *           for (const d of waiting.splice(0)) d.resolve("opened");
 *           return "opening";
 *         },
 *       };
 *     },
 *   },
 *   init: undefined,
 * });
 * const parked = ref.ask<string>("wait");
 * assertEquals(await ref.ask<string>("open"), "opening");
 * assertEquals(await parked, "opened");
 * ```
 *
 * @module
 */
export type { ActorContext, ActorFactory, ActorLogic, ReceiveResult } from "./actor.ts";
export { type Clock, FakeClock, systemClock, type TimerHandle } from "./clock.ts";
export { Deferred } from "./deferred.ts";
export type { ActorAddress } from "./envelope.ts";
export {
  ActorError,
  defaultMakeError,
  type ErrorData,
  type ErrorFactory,
  RUNTIME_ERROR_CODES,
  toErrorData,
} from "./errors.ts";
export { type IdSource, randomIds, sequentialIds } from "./ids.ts";
export { type Random, randomSeed, seededRandom } from "./random.ts";
export { type ActorRef, type AskOptions, createRef, type TellRefOptions } from "./ref.ts";
export { serveWorkerActor, type ServeWorkerActorOptions } from "./serve_worker_actor.ts";
export {
  DEFAULT_RESTART_POLICY,
  planRestart,
  type RestartPlan,
  type RestartPolicy,
} from "./supervisor.ts";
export {
  type ActorFailedEvent,
  type ActorRestartedEvent,
  ActorSystem,
  type ActorSystemOptions,
  type HostSpec,
  type KindDefinition,
  type SpawnOptions,
} from "./system.ts";
export { WithTransfer, withTransfer } from "./transfer.ts";
export type {
  Delivery,
  DeliveryAskOptions,
  TellOptions,
  Transport,
  TransportFactory,
} from "./transport.ts";
export { type ActorLogger, getLogger } from "./log.ts";
