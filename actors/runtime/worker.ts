/**
 * The part of the runtime an actor's Worker entry and its logic need: serving
 * the actor, deferred replies, transfers, timers' types and the forwarding
 * logger. Worker code imports this instead of `mod.ts` so that the system,
 * the hosts and the supervisor are not loaded into every partition Worker
 * (about 0.5 MB RSS each).
 *
 * @module
 */
export type { ActorContext, ActorFactory, ActorLogic } from "./actor.ts";
export type { TimerHandle } from "./clock.ts";
export { Deferred } from "./deferred.ts";
export { serveWorkerActor } from "./serve_worker_actor.ts";
export { withTransfer } from "./transfer.ts";
export { getLogger } from "./log.ts";
