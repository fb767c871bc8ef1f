/**
 * Binary batch routes, the SDK's fast path:
 * `POST /v1/topics/:topic/partitions/:p/batches` (body = RecordBatch v2) and
 * `GET  /v1/topics/:topic/partitions/:p/batches` (answer = RecordBatch v2).
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import {
  BATCH_HEADERS,
  BatchProduceResponseSchema,
  RECORD_BATCH_CONTENT_TYPE,
  WeirError,
} from "../../../client/protocol/mod.ts";
import { parseAcksParam } from "../acks_param.ts";
import { fetchOptionsOf, parseFetchQuery } from "../fetch_query.ts";
import { parsePartitionParam, parseTopicParam } from "../path_params.ts";
import { checkRecordLimit } from "../record_limit.ts";
import { AcksQueryDoc, errors, FetchQueryDoc, json, PartitionParams } from "./_openapi.ts";
import { ACKS_QUERY, FETCH_QUERY, readQuery } from "./_query.ts";
import type { RouteDeps } from "./_deps.ts";

const BinarySchema = z.string().meta({ format: "binary" });

function mediaType(contentType: string | undefined): string {
  return contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
}

/**
 * Registers the binary produce and fetch routes. They are the SDK's hot path,
 * so they are documented in the OpenAPI registry but served by plain Hono
 * handlers: no zod validator middleware, the path and query are checked by
 * hand ({@linkcode readQuery}) with the same errors.
 *
 * @param app The app to add the routes to.
 * @param deps The backend.
 */
export function registerBatchRoutes(app: OpenAPIHono, deps: RouteDeps): void {
  const { backend } = deps;

  app.openAPIRegistry.registerPath(
    createRoute({
      method: "post",
      path: "/v1/topics/{topic}/partitions/{p}/batches",
      tags: ["records"],
      summary: "Append Kafka RecordBatch v2 bytes to a partition",
      description:
        `Content-Type must be ${RECORD_BATCH_CONTENT_TYPE} (else 400 INVALID_REQUEST). ` +
        "A truncated or corrupt batch is 400 INVALID_RECORD and nothing is written. acks=0 → 202 {}.",
      request: {
        params: PartitionParams,
        query: AcksQueryDoc,
        body: {
          required: true,
          description: "One or more RecordBatch v2",
          content: { [RECORD_BATCH_CONTENT_TYPE]: { schema: BinarySchema } },
        },
      },
      responses: {
        200: json(BatchProduceResponseSchema, "Offsets assigned to the batches"),
        202: json(z.object({}), "Accepted (acks=0)"),
        ...errors(400, 404, 413, 500, 503),
      },
    }),
  );
  app.post("/v1/topics/:topic/partitions/:p/batches", async (c) => {
    const query = readQuery(c, ACKS_QUERY);
    const topic = parseTopicParam(c.req.param("topic"));
    const partition = parsePartitionParam(c.req.param("p"));
    const acks = parseAcksParam(query.acks);
    const type = mediaType(c.req.header("content-type"));
    if (type !== RECORD_BATCH_CONTENT_TYPE) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot append to "${topic}-${partition}": Content-Type must be ${RECORD_BATCH_CONTENT_TYPE}, got ${
          JSON.stringify(type.slice(0, 80))
        }`,
      );
    }
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength === 0) {
      throw new WeirError(
        "INVALID_RECORD",
        `Cannot append to "${topic}-${partition}": the body holds no record batch`,
      );
    }
    checkRecordLimit(bytes, { where: `Cannot append to "${topic}-${partition}"` });
    const raw = c.req.raw;
    const result = await backend.appendBatches(topic, partition, bytes, {
      acks,
      // Lazy: Deno.serve sets up a request's AbortSignal on first access (measurable per request).
      get signal(): AbortSignal {
        return raw.signal;
      },
    });
    if (acks === 0) return c.json({}, 202);
    return c.json(result, 200);
  });

  app.openAPIRegistry.registerPath(
    createRoute({
      method: "get",
      path: "/v1/topics/{topic}/partitions/{p}/batches",
      tags: ["records"],
      summary: "Fetch raw Kafka RecordBatch v2 bytes",
      description:
        `Same query as GET .../records (format ignored). Answer: ${RECORD_BATCH_CONTENT_TYPE} ` +
        `with headers ${
          Object.values(BATCH_HEADERS).join(", ")
        }. The first batch may start before ` +
        "the asked offset.",
      request: { params: PartitionParams, query: FetchQueryDoc },
      responses: {
        200: {
          description: "Whole batches, concatenated (possibly none)",
          content: { [RECORD_BATCH_CONTENT_TYPE]: { schema: BinarySchema } },
        },
        ...errors(400, 404, 416, 500, 503),
      },
    }),
  );
  app.get("/v1/topics/:topic/partitions/:p/batches", async (c) => {
    const raw = readQuery(c, FETCH_QUERY);
    const topic = parseTopicParam(c.req.param("topic"));
    const partition = parsePartitionParam(c.req.param("p"));
    const query = parseFetchQuery(raw);
    const result = await backend.fetchBatches(
      topic,
      partition,
      fetchOptionsOf(query, c.req.raw.signal),
    );
    return c.body(result.batches as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": RECORD_BATCH_CONTENT_TYPE,
      [BATCH_HEADERS.highWatermark]: String(result.highWatermark),
      [BATCH_HEADERS.logStartOffset]: String(result.logStartOffset),
      [BATCH_HEADERS.nextOffset]: String(result.nextOffset),
    });
  });
}
