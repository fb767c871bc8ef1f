/**
 * `GET /v1/topics/:topic/partitions/:p/offsets`.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { OffsetsResponseSchema } from "../../../client/protocol/mod.ts";
import { parseIntParam } from "../fetch_query.ts";
import { parsePartitionParam, parseTopicParam } from "../path_params.ts";
import { errors, json, PartitionParams } from "./_openapi.ts";
import type { RouteDeps } from "./_deps.ts";

/**
 * Registers `GET .../offsets?timestamp=` → `{ earliest, latest, offsetForTimestamp? }`.
 *
 * @param app The app to add the route to.
 * @param deps The backend.
 */
export function registerOffsetRoutes(app: OpenAPIHono, deps: RouteDeps): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/topics/{topic}/partitions/{p}/offsets",
      tags: ["records"],
      summary: "Earliest, latest and by-timestamp offsets of a partition",
      request: {
        params: PartitionParams,
        query: z.object({ timestamp: z.string().optional() }),
      },
      responses: {
        200: json(OffsetsResponseSchema, "The offsets"),
        ...errors(400, 404, 500, 503),
      },
    }),
    async (c) => {
      const topic = parseTopicParam(c.req.param("topic"));
      const partition = parsePartitionParam(c.req.param("p"));
      const raw = c.req.query("timestamp");
      const options = raw === undefined ? {} : {
        timestamp: parseIntParam("timestamp", raw, {
          min: 0,
          max: Number.MAX_SAFE_INTEGER,
          default: 0,
        }),
      };
      return c.json(await deps.backend.listOffsets(topic, partition, options), 200);
    },
  );
}
