/**
 * Wires the edge's security into an app in the right order: auth and the
 * request quota before the body is read, body-dependent checks and byte
 * metering after the body limit, the UI login before the UI. With no auth
 * store and no quota every step is a no-op.
 *
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AuthFailureEvent, AuthStore } from "../auth/mod.ts";
import { authBodyGate, authGate } from "./auth_middleware.ts";
import { registerUiLogin } from "./auth_login.ts";
import { AuthSessions } from "./auth_sessions.ts";
import { type QuotaKind, type QuotaOptions, Quotas } from "./quota_middleware.ts";

/** Options of {@linkcode edgeSecurity}. */
export interface EdgeSecurityOptions {
  /** Principals and grants; unset = no authentication. */
  auth?: AuthStore | undefined;
  /** Quota rates; unset (or no rate set) = no quotas. */
  quotas?: Omit<QuotaOptions, "now" | "onThrottle"> | undefined;
  /** Clock in ms. */
  now: () => number;
  /** Counts throttled requests. */
  onThrottle?: (principal: string, kind: QuotaKind) => void;
  /**
   * Counts failed authentications: subscribed to the auth store's limiter,
   * so it hears the Kafka listener's SASL failures too (same store).
   */
  onAuthFailure?: (event: AuthFailureEvent) => void;
}

/** The three places security hooks into `createApp`. */
export interface EdgeSecurity {
  /** Call before the body limit middleware. */
  beforeBody(app: OpenAPIHono): void;
  /** Call right after the body limit middleware. */
  afterBody(app: OpenAPIHono): void;
  /** Call before the UI's routes are registered. */
  registerLogin(app: OpenAPIHono): void;
}

/**
 * Builds the security hooks of one app.
 *
 * @param options Auth store, quotas, clock, throttle counter.
 * @returns The hooks.
 */
export function edgeSecurity(options: EdgeSecurityOptions): EdgeSecurity {
  const store = options.auth;
  const sessions = store === undefined ? undefined : new AuthSessions({ now: options.now });
  const quotaOptions: QuotaOptions = { ...options.quotas, now: options.now };
  if (options.onThrottle !== undefined) quotaOptions.onThrottle = options.onThrottle;
  const quotas = new Quotas(quotaOptions);
  if (store !== undefined && options.onAuthFailure !== undefined) {
    store.failures.onFailure(options.onAuthFailure);
  }
  return {
    beforeBody(app) {
      if (store !== undefined) {
        app.use("*", authGate(sessions === undefined ? { store } : { store, sessions }));
      }
      if (quotas.enabled) app.use("*", quotas.gate());
    },
    afterBody(app) {
      if (store !== undefined) app.use("*", authBodyGate({ store }));
      if (quotas.enabled) app.use("*", quotas.meter());
    },
    registerLogin(app) {
      if (store !== undefined && sessions !== undefined) registerUiLogin(app, { store, sessions });
    },
  };
}
