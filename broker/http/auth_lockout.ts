/**
 * The edge's side of the failed-authentication limiter
 * (`AuthStore.failures`, docs/security.md "Failed authentications"): the
 * client address of a request and the 429 answer of a locked-out one.
 *
 * @module
 */
import type { Context } from "hono";
import { getLogger } from "@logtape/logtape";
import { WeirError } from "../../client/protocol/mod.ts";

const logger = getLogger(["weir", "http", "auth"]);

/**
 * The peer address of a request (`Deno.serve`'s `remoteAddr`). Forwarding
 * headers (`X-Forwarded-For`) are not trusted: anyone can send them.
 *
 * @param c The request context.
 * @returns The address, or `unknown` when the server gave none (e.g. `app.request()`).
 */
export function clientAddress(c: Context): string {
  const env = c.env as { remoteAddr?: { hostname?: unknown } } | undefined;
  const host = env?.remoteAddr?.hostname;
  return typeof host === "string" && host !== "" ? host : "unknown";
}

/**
 * Seconds for `Retry-After`: the wait rounded up, at least 1.
 *
 * @param waitMs The lockout left, in ms.
 * @returns Whole seconds.
 */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}

/**
 * Refuses a request from a locked-out address: sets `Retry-After` and
 * throws 429 `THROTTLING_QUOTA_EXCEEDED` (no key was checked).
 *
 * @param c The request context.
 * @param waitMs The lockout left, in ms.
 * @throws {WeirError} `THROTTLING_QUOTA_EXCEEDED`, always.
 */
export function refuseLockedOut(c: Context, waitMs: number): never {
  const seconds = retryAfterSeconds(waitMs);
  logger.debug("Refused {method} {path} from {client}: too many failed authentications", {
    method: c.req.method,
    path: c.req.path,
    client: clientAddress(c),
  });
  c.header("Retry-After", String(seconds));
  throw new WeirError(
    "THROTTLING_QUOTA_EXCEEDED",
    `Cannot authenticate: too many failed authentications from this address; retry in ${seconds} s`,
  );
}
