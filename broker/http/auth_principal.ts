/**
 * Where the edge keeps the principal of a request (keyed by the request
 * object, so no context typing and no module state beyond a WeakMap).
 *
 * @module
 */
import type { Context } from "hono";
import type { Principal } from "../auth/mod.ts";

const principals = new WeakMap<Request, Principal>();

/**
 * Records the authenticated principal of a request.
 *
 * @param c The request context.
 * @param principal Who it acts as.
 */
export function setPrincipal(c: Context, principal: Principal): void {
  principals.set(c.req.raw, principal);
}

/**
 * The authenticated principal of a request, if auth is on and it passed.
 *
 * @param c The request context.
 * @returns The principal, or `undefined`.
 */
export function principalOf(c: Context): Principal | undefined {
  return principals.get(c.req.raw);
}

/**
 * Replaces a finished response, dropping `Content-Length` (the body changed)
 * and keeping every other header.
 *
 * @param c The request context.
 * @param body The new body.
 */
export function replaceBody(c: Context, body: BodyInit | null): void {
  const old = c.res;
  const headers = new Headers(old.headers);
  headers.delete("content-length");
  const next = new Response(body, { status: old.status, statusText: old.statusText, headers });
  c.res = undefined;
  c.res = next;
}
