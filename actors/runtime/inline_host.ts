/**
 * The inline host: the actor runs on the caller's thread, behind a
 * `MessageChannel`, with the same envelopes, the same structured clone and
 * the same transfers as a Worker — so behaviour matches, and many actors can
 * share one `FakeClock` in a deterministic simulation.
 *
 * Difference from a Worker: an exception the logic leaks outside the
 * runtime's reach (e.g. from a raw platform timer it should not use) is an
 * uncaught error of the whole process. Timers from `ctx.clock` and errors from
 * `receive()` are caught, exactly as in a Worker.
 *
 * @module
 */
import type { HostConnection, HostEvents } from "./_host.ts";
import { runActor, type RunnerOptions, type RunnerPort } from "./_runner.ts";
import type { FromActor, ToActor } from "./envelope.ts";

/**
 * Starts `options.factory`'s actor on this thread behind a MessageChannel.
 *
 * @param options factory, clock, ids and error factory for the runner
 * @param events where envelopes go
 * @returns the connection
 */
export function openInlineHost(options: RunnerOptions, events: HostEvents): HostConnection {
  const channel = new MessageChannel();
  const hostPort = channel.port1;
  const actorPort = channel.port2;
  let alive = true;
  hostPort.onmessage = (event: MessageEvent<FromActor>) => {
    if (alive) events.onMessage(event.data);
  };
  const runner = runActor(actorPort as unknown as RunnerPort, options);
  return {
    post(envelope: ToActor, transfer: Transferable[] = []): void {
      if (alive) hostPort.postMessage(envelope, transfer);
    },
    terminate(): void {
      if (!alive) return;
      alive = false;
      runner.kill();
      hostPort.close();
      actorPort.close();
    },
  };
}
