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
import type { EdgeBackend } from "./backend.ts";
import { bodyLimit } from "./body_limit.ts";
import { methodNotAllowed, onEdgeError, onNotFound, toEdgeError } from "./errors.ts";
import type { RouteDeps } from "./routes/_deps.ts";
import { registerBatchRoutes } from "./routes/batches.ts";
import { registerClusterRoutes } from "./routes/cluster.ts";
import { registerGroupRoutes } from "./routes/groups.ts";
import { registerHealthRoutes } from "./routes/health.ts";
import { registerOffsetRoutes } from "./routes/offsets.ts";
import { registerProducerRoutes } from "./routes/producers.ts";
import { registerRecordRoutes } from "./routes/records.ts";
import { registerStreamRoutes } from "./routes/stream.ts";
import { registerTopicRoutes } from "./routes/topics.ts";

/** Options of {@linkcode createApp}. */
export interface CreateAppOptions {
  /** Broker time in ms, stamped on records sent without a timestamp. Default `Date.now`. */
  now?: () => number;
  /** Randomness in [0, 1) for the sticky partition of keyless records. Default `Math.random`. */
  random?: () => number;
}

/**
 * Builds the HTTP edge (API.md "HTTP edge v1") over a backend. Every error
 * answer is `{ error: { code, message } }`; `GET /openapi.json` describes
 * every route (OpenAPI 3.1) and `GET /docs` is a small page listing them.
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
  const deps: RouteDeps = {
    backend,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
  };
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) throw toEdgeError(result.error);
    },
  });
  app.onError(onEdgeError);
  app.notFound(onNotFound);
  app.use("*", bodyLimit({ maxBytes: backend.limits.maxRequestBytes }));

  registerHealthRoutes(app);
  registerClusterRoutes(app, deps);
  registerTopicRoutes(app, deps);
  registerRecordRoutes(app, deps);
  registerBatchRoutes(app, deps);
  registerOffsetRoutes(app, deps);
  registerStreamRoutes(app, deps);
  registerProducerRoutes(app, deps);
  registerGroupRoutes(app, deps);

  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Weir HTTP edge",
      version: "1",
      description: "Kafka-style topics, partitions and records over HTTP.",
    },
  });
  app.get("/docs", (c) => c.html(DOCS_PAGE));
  app.get("/metrics", (c) =>
    c.text("# Weir metrics are not implemented yet\n", 200, {
      "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
    }));

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

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Weir HTTP API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
code{background:#f3f3f3;padding:0 .3em}li{margin:.3em 0}</style></head>
<body><h1>Weir HTTP API</h1>
<p>The machine-readable description is <a href="/openapi.json"><code>/openapi.json</code></a>
(OpenAPI 3.1). Errors are always <code>{ "error": { "code", "message" } }</code>.</p>
<ul id="routes"><li>Loading…</li></ul>
<script type="module">
const list = document.getElementById("routes");
const doc = await (await fetch("/openapi.json")).json();
list.replaceChildren();
for (const [path, ops] of Object.entries(doc.paths ?? {})) {
  for (const [method, op] of Object.entries(ops)) {
    const li = document.createElement("li");
    const code = document.createElement("code");
    code.textContent = method.toUpperCase() + " " + path;
    li.append(code, " — " + (op.summary ?? ""));
    list.append(li);
  }
}
</script></body></html>
`;
