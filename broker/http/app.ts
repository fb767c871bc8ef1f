/**
 * The Hono HTTP edge: {@linkcode createApp} builds the app over an
 * {@linkcode EdgeBackend}; it never listens (serve it with `Deno.serve`, test
 * it with `app.request()`).
 *
 * Choices where API.md is silent (documented here and in the OpenAPI text):
 * - A missing fetch/stream `offset` means `earliest`.
 * - A wrong `Content-Type` (JSON routes, `POST .../batches`) is 400
 *   `INVALID_REQUEST`, like any other malformed request.
 * - A method a known path does not serve is 405 with code `INVALID_REQUEST`
 *   and an `Allow` header; an unknown path is 404 `NOT_FOUND`.
 * - `acks=0` answers 202 `{}` on both produce routes.
 *
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { BrokerMetrics, meteredBackend, requestTiming } from "../metrics/mod.ts";
import type { EdgeBackend } from "./backend.ts";
import { bodyLimit } from "./body_limit.ts";
import type { AuthStore } from "../auth/mod.ts";
import { edgeSecurity } from "./auth_edge.ts";
import type { QuotaOptions } from "./quota_middleware.ts";
import { methodNotAllowed, onEdgeError, onNotFound, toEdgeError } from "./errors.ts";
import type { RouteDeps } from "./routes/_deps.ts";
import { registerBatchRoutes } from "./routes/batches.ts";
import { registerClusterRoutes } from "./routes/cluster.ts";
import { registerDocsRoutes } from "./routes/docs.ts";
import { registerGroupRoutes } from "./routes/groups.ts";
import { registerHealthRoutes } from "./routes/health.ts";
import { registerMetricsRoutes } from "./routes/metrics.ts";
import { registerOffsetRoutes } from "./routes/offsets.ts";
import { registerProducerRoutes } from "./routes/producers.ts";
import { registerRecordRoutes } from "./routes/records.ts";
import { registerStreamRoutes } from "./routes/stream.ts";
import { registerTopicRoutes } from "./routes/topics.ts";
import { registerUi } from "./ui/mod.ts";

/** Options of {@linkcode createApp}. */
export interface CreateAppOptions {
  /** Broker time in ms, stamped on records sent without a timestamp. Default `Date.now`. */
  now?: () => number;
  /** Randomness in [0, 1) for the sticky partition of keyless records. Default `Math.random`. */
  random?: () => number;
  /** The broker's metrics (`GET /metrics`); default: a fresh registry with no scrape-time source. */
  metrics?: BrokerMetrics;
  /** Principals and grants (`--auth-file`); unset = no authentication (docs/security.md). */
  auth?: AuthStore | undefined;
  /** Per-client produce/fetch byte and request rates; unset = no quotas. */
  quotas?: Omit<QuotaOptions, "now" | "onThrottle"> | undefined;
}

/**
 * Builds the HTTP edge (API.md "HTTP edge v1") over a backend. Every error
 * answer is `{ error: { code, message } }`; `GET /openapi.json` describes
 * every route (OpenAPI 3.1), `GET /docs` renders it (Scalar), `GET /metrics`
 * is Prometheus text and `GET /readyz` tells whether the backend serves.
 *
 * @param backend The broker as the edge sees it.
 * @param options Injected clock and randomness.
 * @returns An `OpenAPIHono` app; call `app.fetch` or `app.request`.
 *
 * @example Health check without a socket
 * ```ts
 * import { createApp } from "./app.ts";
 * import type { EdgeBackend } from "./backend.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const app = createApp({ limits: { maxRequestBytes: 1024 } } as EdgeBackend);
 * const res = await app.request("/healthz");
 * assertEquals(await res.json(), { status: "ok" });
 * assertEquals((await app.request("/nope")).status, 404);
 * ```
 */
export function createApp(backend: EdgeBackend, options: CreateAppOptions = {}): OpenAPIHono {
  const metrics = options.metrics ?? new BrokerMetrics();
  const deps: RouteDeps = {
    backend: meteredBackend(backend, metrics),
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
  };
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) throw toEdgeError(result.error);
    },
  });
  app.onError((err, c) => {
    metrics.rejected(toEdgeError(err).code);
    return onEdgeError(err, c);
  });
  app.notFound((c) => {
    metrics.rejected("NOT_FOUND");
    return onNotFound(c);
  });
  app.use("*", requestTiming(metrics));
  const security = edgeSecurity({
    auth: options.auth,
    quotas: options.quotas,
    now: deps.now,
    onThrottle: (principal, kind) => metrics.throttled(principal, kind),
    onAuthFailure: (e) => metrics.authFailed(e.listener, e.reason),
  });
  security.beforeBody(app);
  app.use(
    "*",
    bodyLimit({
      maxBytes: backend.limits.maxRequestBytes,
      ...(backend.limits.requestTimeoutMs ? { timeoutMs: backend.limits.requestTimeoutMs } : {}),
    }),
  );
  security.afterBody(app);

  registerHealthRoutes(app, deps.backend);
  registerClusterRoutes(app, deps);
  registerTopicRoutes(app, deps);
  registerRecordRoutes(app, deps);
  registerBatchRoutes(app, deps);
  registerOffsetRoutes(app, deps);
  registerStreamRoutes(app, deps);
  registerProducerRoutes(app, deps);
  registerGroupRoutes(app, deps);
  security.registerLogin(app);
  registerUi(app, deps);

  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Weir HTTP edge",
      version: "1",
      description: "Kafka-style topics, partitions and records over HTTP.",
    },
  });
  registerDocsRoutes(app);
  registerMetricsRoutes(app, metrics);

  addMethodNotAllowed(app);
  return app;
}

/** For every path with routes, answers other methods with 405. */
function addMethodNotAllowed(app: OpenAPIHono): void {
  const byPath = new Map<string, Set<string>>();
  for (const route of app.routes) {
    if (route.method === "ALL" || route.path === "*" || route.path === "/*") continue;
    const methods = byPath.get(route.path) ?? new Set<string>();
    methods.add(route.method.toUpperCase());
    if (route.method.toUpperCase() === "GET") methods.add("HEAD");
    byPath.set(route.path, methods);
  }
  for (const [path, methods] of byPath) {
    const allowed = [...methods].sort();
    app.all(path, (c) => methodNotAllowed(c, allowed));
  }
}
