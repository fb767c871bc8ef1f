/**
 * `GET /healthz`.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { json } from "./_openapi.ts";

const HealthSchema = z.object({ status: z.literal("ok") });

/**
 * Registers `GET /healthz` → 200 `{ status: "ok" }`.
 *
 * @param app The app to add the route to.
 */
export function registerHealthRoutes(app: OpenAPIHono): void {
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
}
