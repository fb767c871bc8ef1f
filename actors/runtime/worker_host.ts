/**
 * The Worker host: one actor per Deno Worker. The Worker's module is the
 * actor kind's entry file (`<kind>_worker.ts`), which calls
 * `serveWorkerActor(factory)`. Uncaught errors and unhandled rejections in
 * the Worker arrive as the Worker's `error` event and are reported as a crash
 * (the default propagation to the main thread is prevented).
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { HostConnection, HostEvents } from "./_host.ts";
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
  worker.onmessage = (event: MessageEvent<FromActor>) => {
    if (alive) events.onMessage(event.data);
  };
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
    post(envelope: ToActor, transfer: Transferable[] = []): void {
      if (alive) worker.postMessage(envelope, transfer);
    },
    terminate(): void {
      if (!alive) return;
      alive = false;
      worker.terminate();
    },
  };
}
