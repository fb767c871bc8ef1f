import { assertEquals, assertStringIncludes } from "@std/assert";
import { createApp } from "../app.ts";
import type { EdgeBackend } from "../backend.ts";

const app = createApp({ limits: { maxRequestBytes: 1024 } } as EdgeBackend);

Deno.test("`GET /docs` serves the Scalar reference of /openapi.json", async () => {
  const res = await app.request("/docs");
  assertEquals(res.status, 200);
  assertStringIncludes(res.headers.get("content-type") ?? "", "text/html");
  const html = await res.text();
  assertStringIncludes(html, "/openapi.json");
  assertStringIncludes(html, "<title>Weir HTTP API</title>");
  assertStringIncludes(html, "createApiReference");
  assertEquals((await app.request("/openapi.json")).status, 200);
});

Deno.test("`GET /docs/routes` is the offline route list reading /openapi.json", async () => {
  const res = await app.request("/docs/routes");
  assertEquals(res.status, 200);
  const html = await res.text();
  assertStringIncludes(html, 'fetch("/openapi.json")');
  assertEquals((await app.request("/docs", { method: "DELETE" })).status, 405);
});
