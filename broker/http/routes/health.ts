/**
 * `GET /healthz` (liveness) and `GET /readyz` (readiness).
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { ErrorBodySchema, WeirError } from "../../../client/protocol/mod.ts";
import type { EdgeBackend } from "../backend.ts";
import { json } from "./_openapi.ts";

const HealthSchema = z.object({ status: z.literal("ok") });
const ReadySchema = z.object({ status: z.literal("ready") });

/**
 * Registers `GET /healthz` → 200 `{ status: "ok" }` and `GET /readyz` → 200
 * `{ status: "ready" }` once the backend serves (registry loaded, every
 * partition recovered: a `BrokerNode` exists only then) or 503
 * `BROKER_NOT_AVAILABLE` while it shuts down.
 *
 * @param app The app to add the routes to.
 * @param backend Asked for `ready` on every `/readyz`.
 */
export function registerHealthRoutes(app: OpenAPIHono, backend: EdgeBackend): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/healthz",
      tags: ["health"],
      summary: "Liveness",
      responses: { 200: json(HealthSchema, "The edge is up") },
    }),
    (c) => c.json({ status: "ok" as const }, 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/readyz",
      tags: ["health"],
      summary: "Readiness",
      responses: {
        200: json(ReadySchema, "Metadata loaded and every partition recovered"),
        503: json(ErrorBodySchema, "Shutting down (BROKER_NOT_AVAILABLE)"),
      },
    }),
    (c) => {
      if (backend.ready === false) {
        throw new WeirError(
          "BROKER_NOT_AVAILABLE",
          "Cannot serve requests: the broker is shutting down",
        );
      }
      return c.json({ status: "ready" as const }, 200);
    },
  );
}
