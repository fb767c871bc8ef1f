/**
 * {@linkcode requestTiming}: Hono middleware that records every request's
 * duration in `weir_request_duration_seconds` by Hono's matched route pattern
 * (never the raw path, so topic names do not multiply the series).
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { BrokerMetrics } from "./broker_metrics.ts";

/** Route label of requests no route matched (404). */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * The route pattern that answered `c`: the first matched route that is not a
 * catch-all middleware, or {@linkcode UNMATCHED_ROUTE}.
 *
 * @param c The request context (after routing).
 * @returns A pattern such as `/v1/topics/:topic`.
 */
export function routeLabel(c: Context): string {
  for (const route of matchedRoutes(c)) {
    if (route.path !== "*" && route.path !== "/*") return route.path;
  }
  return UNMATCHED_ROUTE;
}

/**
 * Middleware timing each request from entry to the response headers (a
 * stream's body is not waited for).
 *
 * @param metrics Where durations go.
 * @returns The middleware; register it first with `app.use("*", ...)`.
 *
 * @example Time a request
 * ```ts
 * import { Hono } from "hono";
 * import { requestTiming } from "./request_timing.ts";
 * import { BrokerMetrics } from "./broker_metrics.ts";
 * import { assertStringIncludes } from "@std/assert";
 *
 * const metrics = new BrokerMetrics();
 * const app = new Hono();
 * app.use("*", requestTiming(metrics));
 * app.get("/items/:id", (c) => c.text("ok"));
 * await app.request("/items/42");
 * assertStringIncludes(
 *   await metrics.render(),
 *   'weir_request_duration_seconds_count{method="GET",route="/items/:id",status="200"} 1',
 * );
 * ```
 */
export function requestTiming(metrics: BrokerMetrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      metrics.request({
        method: c.req.method,
        route: routeLabel(c),
        status: c.res.status,
        seconds: (performance.now() - started) / 1000,
      });
    }
  };
}
