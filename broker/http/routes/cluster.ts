/**
 * `GET /v1/cluster`.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { ClusterInfoSchema } from "../../../client/protocol/mod.ts";
import { errors, json } from "./_openapi.ts";
import type { RouteDeps } from "./_deps.ts";

/**
 * Registers `GET /v1/cluster` → `{ clusterId, controller, brokers }`.
 *
 * @param app The app to add the route to.
 * @param deps The backend.
 */
export function registerClusterRoutes(app: OpenAPIHono, deps: RouteDeps): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/cluster",
      tags: ["cluster"],
      summary: "Cluster id, controller and live brokers",
      responses: { 200: json(ClusterInfoSchema, "The cluster"), ...errors(500, 503) },
    }),
    async (c) => c.json(await deps.backend.cluster(), 200),
  );
}
