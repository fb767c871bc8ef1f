/**
 * `POST /v1/producers` (Kafka's InitProducerId for idempotent producers).
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { InitProducerResponseSchema } from "../../../client/protocol/mod.ts";
import { errors, json } from "./_openapi.ts";
import type { RouteDeps } from "./_deps.ts";

/**
 * Registers `POST /v1/producers` → 200 `{ producerId, producerEpoch }`.
 *
 * @param app The app to add the route to.
 * @param deps The backend.
 */
export function registerProducerRoutes(app: OpenAPIHono, deps: RouteDeps): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/producers",
      tags: ["records"],
      summary: "Allocate a producer id for an idempotent producer",
      responses: {
        200: json(InitProducerResponseSchema, "A new producer id"),
        ...errors(500, 503),
      },
    }),
    async (c) => c.json(await deps.backend.initProducer(), 200),
  );
}
