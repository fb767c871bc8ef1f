/**
 * {@linkcode serveWorkerActor}: the one call in an actor kind's Worker entry
 * file (`<kind>_worker.ts`).
 *
 * @module
 */
import { forwardWorkerLogs } from "./log.ts";
import { runActor, type RunnerPort } from "./_runner.ts";
import type { LogEnvelope } from "./envelope.ts";
import type { ActorFactory } from "./actor.ts";
import { type Clock, systemClock } from "./clock.ts";
import { defaultMakeError, type ErrorFactory } from "./errors.ts";
import { type IdSource, randomIds } from "./ids.ts";

/** Options of {@linkcode serveWorkerActor}. */
export interface ServeWorkerActorOptions<Init> {
  /** Rebuilds errors of the actor's outbound asks (default: `ActorError`). */
  readonly makeError?: ErrorFactory;
  /** The actor's clock, chosen from its init (default: the real clock). */
  readonly clock?: (init: Init) => Clock;
  /** The actor's id source, chosen from its init (default: random UUIDs). */
  readonly ids?: (init: Init) => IdSource;
}

/**
 * Serves one actor from inside the current Worker: waits for the host's
 * `start` envelope, builds the logic with `factory(init)`, then runs its
 * mailbox until stopped or terminated.
 *
 * @param factory builds the logic from the init given to `system.spawn()`
 * @param options error factory, clock and ids
 *
 * @example A Worker entry file (`echo_worker.ts`)
 * ```ts ignore
 * import { serveWorkerActor } from "../runtime/mod.ts";
 * serveWorkerActor((init: { prefix: string }) => ({
 *   receive: (message) => `${init.prefix}${String(message)}`,
 * }));
 * ```
 */
export function serveWorkerActor<Init>(
  factory: ActorFactory<Init>,
  options: ServeWorkerActorOptions<Init> = {},
): void {
  const { clock, ids } = options;
  forwardLogs(globalThis as unknown as { postMessage(message: LogEnvelope): void });
  runActor(globalThis as unknown as RunnerPort, {
    factory: factory as ActorFactory<never>,
    makeError: options.makeError ?? defaultMakeError,
    clock: clock ? (init) => clock(init as Init) : () => systemClock,
    ids: ids ? (init) => ids(init as Init) : () => randomIds(),
  });
}

/**
 * Sends this Worker's log records (info and above) to the host, which
 * re-emits them on its own logtape configuration. The Worker itself never
 * loads logtape (see `log.ts`).
 */
function forwardLogs(port: { postMessage(message: LogEnvelope): void }): void {
  forwardWorkerLogs((record) => port.postMessage({ t: "log", ...record }));
}
