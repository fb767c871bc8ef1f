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
import { Outbox, unpack } from "./_outbox.ts";
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
  const outbox = new Outbox<ToActor>({
    send: (data, transfer) => hostPort.postMessage(data, transfer),
    onUndeliverable: (envelope, error) => {
      if (alive) events.onUndeliverable(envelope, error);
    },
  });
  const deliver = (envelope: FromActor): void => {
    if (alive) events.onMessage(envelope);
  };
  hostPort.onmessage = (event: MessageEvent<FromActor | FromActor[]>) =>
    unpack(event.data, deliver);
  const runner = runActor(actorPort as unknown as RunnerPort, options);
  return {
    post(envelope: ToActor): void {
      if (alive) outbox.post(envelope);
    },
    terminate(): void {
      if (!alive) return;
      alive = false;
      outbox.discard();
      runner.kill();
      hostPort.close();
      actorPort.close();
    },
  };
}
