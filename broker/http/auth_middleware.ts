/**
 * The edge's authentication and authorization (`--auth-file`):
 *
 * - {@linkcode authGate} runs before any body is read: it takes the key from
 *   `Authorization: Bearer <key>` (or a UI login session's cookie),
 *   answers 401 `SASL_AUTHENTICATION_FAILED` with `WWW-Authenticate: Bearer`
 *   for a missing or unknown key and 403 for a right the route needs
 *   ({@linkcode accessRule}); nothing reaches a route (or the disk) first.
 *   A wrong key counts against the client address (`AuthStore.failures`);
 *   a locked-out address gets 429 `THROTTLING_QUOTA_EXCEEDED` with
 *   `Retry-After` before its key is checked.
 * - {@linkcode authBodyGate} runs after the size-limited body was read and
 *   checks rights named in it (the topic of a create, the topics of a join
 *   or a commit), then filters `GET /v1/topics` and `GET /v1/groups` to what
 *   the principal may see, and a group's committed offsets (`GET /v1/groups/:g`
 *   and `.../offsets`) to the topics it may consume.
 *
 * Keys never reach a log line, a message or a response: messages name the
 * principal (from the auth file) and the resource only.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { getLogger } from "@logtape/logtape";
import { WeirError } from "../../client/protocol/mod.ts";
import type { AuthStore, Principal } from "../auth/mod.ts";
import { type AccessCheck, accessRule } from "./auth_rules.ts";
import { principalOf, replaceBody, setPrincipal } from "./auth_principal.ts";
import type { AuthSessions } from "./auth_sessions.ts";
import { clientAddress, refuseLockedOut } from "./auth_lockout.ts";

const logger = getLogger(["weir", "http", "auth"]);
const HTTP = { listener: "http" } as const;

/** Name of the UI session cookie (HttpOnly, SameSite=Strict; holds a session id, never a key). */
export const UI_SESSION_COOKIE = "weir_session";

/** Options of {@linkcode authGate} and {@linkcode authBodyGate}. */
export interface AuthGateOptions {
  /** Principals and grants. */
  store: AuthStore;
  /** UI login sessions (cookie); without them only Bearer keys are accepted. */
  sessions?: AuthSessions;
}

/**
 * The Bearer token of a request.
 *
 * @param c The request context.
 * @returns The key, or `null` when there is none (or the header is not `Bearer <token>`).
 */
export function bearerKey(c: Context): string | null {
  const header = c.req.header("authorization");
  if (header === undefined) return null;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return m === null ? null : m[1]!;
}

function sessionPrincipal(c: Context, sessions: AuthSessions | undefined): Principal | null {
  if (sessions === undefined || c.req.header("authorization") !== undefined) return null;
  const id = getCookie(c, UI_SESSION_COOKIE);
  return id === undefined || id === "" ? null : sessions.get(id) ?? null;
}

function allowed(store: AuthStore, principal: Principal, check: AccessCheck): boolean {
  if (store.authorize(principal, "cluster", "admin")) return true;
  if (check.kind === "any") {
    return store.authorizeAny(principal, { kind: check.resourceKind, operation: check.operation });
  }
  return check.operations.some((op) => store.authorize(principal, check.resource, op));
}

function deny(c: Context, principal: Principal, check: AccessCheck): WeirError {
  logger.info("Denied {principal}: {method} {path} needs a right it lacks ({code})", {
    principal: principal.name,
    method: c.req.method,
    path: c.req.path,
    code: check.code,
  });
  return new WeirError(
    check.code,
    `Cannot ${check.action}: principal ${JSON.stringify(principal.name)} is not allowed`,
  );
}

/**
 * Middleware: authenticates the request and checks the rights its route
 * needs, before any body is read.
 *
 * @param options The auth store.
 * @returns The middleware.
 * @throws {WeirError} `SASL_AUTHENTICATION_FAILED` (401), `THROTTLING_QUOTA_EXCEEDED` (429,
 *   too many failed authentications from the address), `TOPIC_AUTHORIZATION_FAILED`,
 *   `GROUP_AUTHORIZATION_FAILED`, `CLUSTER_AUTHORIZATION_FAILED` (403), through the app's onError.
 */
export function authGate(options: AuthGateOptions): MiddlewareHandler {
  const { store } = options;
  return async (c, next) => {
    const rule = accessRule(c.req.method, c.req.path);
    if (rule.auth === "open") return await next();
    const key = bearerKey(c);
    let principal: Principal | null;
    if (key === null) {
      principal = sessionPrincipal(c, options.sessions);
    } else {
      // Locked-out addresses are refused before the key is even hashed.
      const client = clientAddress(c);
      const wait = store.failures.check(client, HTTP);
      if (wait > 0) refuseLockedOut(c, wait);
      principal = store.authenticate(key);
      if (principal === null) store.failures.fail(client, HTTP);
    }
    if (principal === null) {
      if (rule.ui === true && (c.req.method === "GET" || c.req.method === "HEAD")) {
        return c.redirect("/ui/login", 302);
      }
      logger.info("Rejected {method} {path}: {reason}", {
        method: c.req.method,
        path: c.req.path,
        reason: key === null ? "no API key or session" : "unknown API key",
      });
      c.header("WWW-Authenticate", 'Bearer realm="weir"');
      throw new WeirError(
        "SASL_AUTHENTICATION_FAILED",
        key === null
          ? "Cannot authenticate: the request has no API key (send Authorization: Bearer <key>)"
          : "Cannot authenticate: the API key is not known",
      );
    }
    setPrincipal(c, principal);
    for (const check of rule.checks) {
      if (!allowed(store, principal, check)) throw deny(c, principal, check);
    }
    await next();
  };
}

function topicsNamedInBody(kind: "joinGroup" | "commitOffsets", body: unknown): string[] {
  if (typeof body !== "object" || body === null) return [];
  if (kind === "joinGroup") {
    const topics = (body as { topics?: unknown }).topics;
    return Array.isArray(topics) ? topics.filter((t): t is string => typeof t === "string") : [];
  }
  const offsets = (body as { offsets?: unknown }).offsets;
  if (!Array.isArray(offsets)) return [];
  const names = offsets.map((o) =>
    typeof o === "object" && o !== null ? (o as { topic?: unknown }).topic : undefined
  ).filter((t): t is string => typeof t === "string");
  return [...new Set(names)];
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    return undefined; // the route answers 400 for it
  }
}

/**
 * Middleware (after the body limit): checks rights named in the body and
 * filters topic and group lists to what the principal may see.
 *
 * @param options The auth store.
 * @returns The middleware.
 * @throws {WeirError} `TOPIC_AUTHORIZATION_FAILED` (403), through the app's onError.
 */
export function authBodyGate(options: AuthGateOptions): MiddlewareHandler {
  const { store } = options;
  return async (c, next) => {
    const principal = principalOf(c);
    if (principal === undefined) return await next();
    const rule = accessRule(c.req.method, c.req.path);
    if (rule.body === "createTopic") {
      const body = await jsonBody(c);
      const name = typeof body === "object" && body !== null
        ? (body as { name?: unknown }).name
        : undefined;
      if (typeof name === "string") {
        const check: AccessCheck = {
          kind: "resource",
          resource: `topic:${name}`,
          operations: ["admin"],
          code: "TOPIC_AUTHORIZATION_FAILED",
          action: `create topic ${JSON.stringify(name)}`,
        };
        if (!allowed(store, principal, check)) throw deny(c, principal, check);
      }
    } else if (rule.body !== undefined) {
      for (const topic of topicsNamedInBody(rule.body, await jsonBody(c))) {
        const check: AccessCheck = {
          kind: "resource",
          resource: `topic:${topic}`,
          operations: ["consume"],
          code: "TOPIC_AUTHORIZATION_FAILED",
          action: `consume topic ${JSON.stringify(topic)}`,
        };
        if (!allowed(store, principal, check)) throw deny(c, principal, check);
      }
    }
    await next();
    if (rule.filter !== undefined && c.res.ok) await filterList(c, store, principal, rule.filter);
  };
}

async function filterList(
  c: Context,
  store: AuthStore,
  principal: Principal,
  filter: "topics" | "groups" | "offsets",
): Promise<void> {
  if (
    store.authorize(principal, "cluster", "admin") ||
    store.authorize(principal, "cluster", "consume")
  ) return;
  const body = await c.res.clone().json() as Record<string, unknown>;
  const list = body[filter];
  if (!Array.isArray(list)) return;
  const visible = list.filter((item: { name?: unknown; groupId?: unknown; topic?: unknown }) => {
    if (filter === "offsets") {
      return store.authorize(principal, `topic:${String(item.topic)}`, "consume");
    }
    if (filter === "topics") {
      const resource = `topic:${String(item.name)}`;
      return (["produce", "consume", "admin"] as const).some((op) =>
        store.authorize(principal, resource, op)
      );
    }
    return store.authorize(principal, `group:${String(item.groupId)}`, "consume");
  });
  replaceBody(c, JSON.stringify({ ...body, [filter]: visible }));
}
