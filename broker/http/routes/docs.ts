/**
 * `GET /docs`: the API reference. The page is Scalar's
 * (`@scalar/hono-api-reference`) reading `/openapi.json`; its script comes
 * from a CDN, so a browser with no Internet access gets a blank reference;
 * `GET /docs/routes` is a self-contained page listing the routes for that
 * case.
 *
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";

/**
 * Registers `GET /docs` (Scalar reference of `/openapi.json`) and
 * `GET /docs/routes` (a small offline page listing the routes).
 *
 * @param app The app to add the routes to.
 */
export function registerDocsRoutes(app: OpenAPIHono): void {
  app.get("/docs", Scalar({ url: "/openapi.json", pageTitle: "Weir HTTP API" }));
  app.get("/docs/routes", (c) => c.html(ROUTES_PAGE));
}

const ROUTES_PAGE = `<!doctype html>
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
