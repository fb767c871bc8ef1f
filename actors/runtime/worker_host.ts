/**
 * The Worker host: one actor per Deno Worker. The Worker's module is the
 * actor kind's entry file (`<kind>_worker.ts`), which calls
 * `serveWorkerActor(factory)`. Uncaught errors and unhandled rejections in
 * the Worker arrive as the Worker's `error` event and are reported as a crash
 * (the default propagation to the main thread is prevented).
 *
 * @module
 */
import { getLogger } from "./log.ts";
import type { HostConnection, HostEvents } from "./_host.ts";
import { Outbox, unpack } from "./_outbox.ts";
import type { FromActor, ToActor } from "./envelope.ts";
import { RUNTIME_ERROR_CODES } from "./errors.ts";

const logger = getLogger(["weir", "runtime"]);

/**
 * Starts a module Worker at `url` and connects it to `events`.
 *
 * @param url the actor kind's Worker entry module
 * @param options `events` where envelopes and crashes go; `name` of the Worker (for logs)
 * @returns the connection
 */
export function openWorkerHost(
  url: URL | string,
  options: { readonly events: HostEvents; readonly name: string },
): HostConnection {
  const { events, name } = options;
  const worker = new Worker(url, { type: "module", name });
  let alive = true;
  const outbox = new Outbox<ToActor>({
    send: (data, transfer) => worker.postMessage(data, transfer),
    onUndeliverable: (envelope, error) => {
      if (alive) events.onUndeliverable(envelope, error);
    },
  });
  const deliver = (envelope: FromActor): void => {
    if (alive) events.onMessage(envelope);
  };
  worker.onmessage = (event: MessageEvent<FromActor | FromActor[]>) => unpack(event.data, deliver);
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    if (!alive) return;
    events.onCrash({
      code: RUNTIME_ERROR_CODES.UNKNOWN_SERVER_ERROR,
      message: event.message || "Worker failed",
    });
  };
  worker.onmessageerror = () => {
    logger.error("Cannot deserialize a message from the Worker {url}", { url: String(url) });
  };
  return {
    post(envelope: ToActor): void {
      if (alive) outbox.post(envelope);
    },
    terminate(): void {
      if (!alive) return;
      alive = false;
      outbox.discard();
      worker.terminate();
    },
  };
}
