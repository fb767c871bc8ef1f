/**
 * JSON record routes: `POST /v1/topics/:topic/records` (produce) and
 * `GET /v1/topics/:topic/partitions/:p/records` (fetch).
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import {
  MAX_RECORDS_PER_REQUEST,
  ProduceRecordSchema,
  ProduceResponseSchema,
} from "../../../client/protocol/mod.ts";
import { parseAcksParam } from "../acks_param.ts";
import { fetchOptionsOf, parseFetchQuery } from "../fetch_query.ts";
import { parsePartitionParam, parseTopicParam } from "../path_params.ts";
import {
  decodeFetchedRecords,
  encodeProduceRecords,
  offsetsInRequestOrder,
} from "../record_json.ts";
import {
  AcksQueryDoc,
  errors,
  FetchQueryDoc,
  FetchResponseDoc,
  json,
  PartitionParams,
  TopicParams,
} from "./_openapi.ts";
import { FETCH_QUERY, readQuery } from "./_query.ts";
import type { RouteDeps } from "./_deps.ts";

/**
 * The produce body as validated at the edge: like `ProduceRequestSchema`, but
 * `value` is any parsed JSON (the body came from `JSON.parse`, so it is JSON,
 * and a deeply nested value must not exhaust a recursive schema).
 */
const ProduceBodySchema = z.object({
  records: z.array(ProduceRecordSchema.extend({ value: z.unknown().optional() })).min(1).max(
    MAX_RECORDS_PER_REQUEST,
  ),
});

/**
 * Registers the JSON produce and fetch routes.
 *
 * @param app The app to add the routes to.
 * @param deps Backend, clock and randomness.
 */
export function registerRecordRoutes(app: OpenAPIHono, deps: RouteDeps): void {
  const { backend } = deps;

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/topics/{topic}/records",
      tags: ["records"],
      summary: "Produce JSON records",
      description:
        "Keys are UTF-8 strings or keyBase64; values any JSON (stored as its JSON text) or " +
        "valueBase64. Every record is checked before anything is written. acks=0 answers 202 {}.",
      request: {
        params: TopicParams,
        query: AcksQueryDoc,
        body: { required: true, ...json(ProduceBodySchema, "Records to append") },
      },
      responses: {
        200: json(ProduceResponseSchema, "Offsets in request order"),
        202: json(z.object({}), "Accepted (acks=0)"),
        ...errors(400, 404, 413, 500, 503),
      },
    }),
    async (c) => {
      const topic = parseTopicParam(c.req.param("topic"));
      const acks = parseAcksParam(c.req.query("acks"));
      const { records } = c.req.valid("json");
      const info = await backend.produceInfo(topic);
      const plan = encodeProduceRecords(records, {
        partitions: info.partitions,
        maxBatchBytes: info.maxMessageBytes,
        requireKeys: info.requireKeys ?? false,
        now: deps.now,
        random: deps.random,
      });
      const signal = c.req.raw.signal;
      const results = await Promise.all(
        plan.map((entry) =>
          backend.appendBatches(topic, entry.partition, entry.batches, { acks, signal })
        ),
      );
      if (acks === 0) return c.json({}, 202);
      const offsets = offsetsInRequestOrder(plan, results.map((r) => r.baseOffset));
      return c.json({ offsets }, 200);
    },
  );

  // The long-poll fetch is a hot route: documented, but served without zod layers (see batches.ts).
  app.openAPIRegistry.registerPath(
    createRoute({
      method: "get",
      path: "/v1/topics/{topic}/partitions/{p}/records",
      tags: ["records"],
      summary: "Fetch records as JSON",
      description: "offset: integer, earliest (default) or latest; maxRecords 1..100000 (10000); " +
        "maxBytes 1..64MiB (4MiB); waitMs 0..30000 (0) long-polls at the log end; " +
        "format json|string|binary.",
      request: { params: PartitionParams, query: FetchQueryDoc },
      responses: {
        200: json(FetchResponseDoc, "Records from the offset"),
        ...errors(400, 404, 416, 500, 503),
      },
    }),
  );
  app.get("/v1/topics/:topic/partitions/:p/records", async (c) => {
    const raw = readQuery(c, FETCH_QUERY);
    const topic = parseTopicParam(c.req.param("topic"));
    const partition = parsePartitionParam(c.req.param("p"));
    const query = parseFetchQuery(raw);
    const result = await backend.fetchBatches(
      topic,
      partition,
      fetchOptionsOf(query, c.req.raw.signal),
    );
    const records = await decodeFetchedRecords(result.batches, {
      fromOffset: typeof query.offset === "number" ? query.offset : 0,
      maxRecords: query.maxRecords,
      format: query.format,
    });
    const last = records.at(-1);
    const body: z.infer<typeof FetchResponseDoc> = {
      records,
      nextOffset: last === undefined ? result.nextOffset : last.offset + 1,
      highWatermark: result.highWatermark,
      logStartOffset: result.logStartOffset,
    };
    return c.json(body, 200);
  });
}
