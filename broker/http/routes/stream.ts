/**
 * `GET /v1/topics/:topic/partitions/:p/stream`: Server-Sent Events, one
 * event per record. `id:` is the record's offset, so a reconnecting
 * `EventSource` sends `Last-Event-ID` and resumes at that offset + 1 (the
 * header wins over `?offset=`). `data:` is the record as `GET .../records`
 * shows it (`format` applies). The stream long-polls the backend in a loop
 * with an abort signal tied to the client: when the client leaves, the
 * parked fetch is released at once. A backend error after the stream started
 * is sent as an `event: error` with `{ error: { code, message } }`, then the
 * stream ends; errors before the first byte are ordinary HTTP errors.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import { getLogger } from "@logtape/logtape";
import { z } from "zod";
import { FETCH_WAIT_MS } from "../../../client/protocol/mod.ts";
import type { FetchBatchesResult, FetchStart } from "../backend.ts";
import { toEdgeError } from "../errors.ts";
import { parseFetchQuery, parseIntParam } from "../fetch_query.ts";
import { parsePartitionParam, parseTopicParam } from "../path_params.ts";
import { decodeFetchedRecords } from "../record_json.ts";
import { errors, PartitionParams } from "./_openapi.ts";
import type { RouteDeps } from "./_deps.ts";

const logger = getLogger(["weir", "http"]);

/**
 * Registers the SSE route.
 *
 * @param app The app to add the route to.
 * @param deps The backend.
 */
export function registerStreamRoutes(app: OpenAPIHono, deps: RouteDeps): void {
  const { backend } = deps;
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/topics/{topic}/partitions/{p}/stream",
      tags: ["records"],
      summary: "Server-Sent Events, one per record (id = offset; Last-Event-ID resumes)",
      request: {
        params: PartitionParams,
        query: z.object({
          offset: z.string().optional(),
          maxRecords: z.string().optional(),
          maxBytes: z.string().optional(),
          format: z.enum(["json", "string", "binary"]).optional(),
        }),
      },
      responses: {
        200: {
          description: "An endless event stream",
          content: { "text/event-stream": { schema: z.string() } },
        },
        ...errors(400, 404, 416, 500, 503),
      },
    }),
    async (c) => {
      const topic = parseTopicParam(c.req.param("topic"));
      const partition = parsePartitionParam(c.req.param("p"));
      const query = parseFetchQuery(c.req.query());
      const lastEventId = c.req.header("last-event-id");
      let next: FetchStart = lastEventId === undefined ? query.offset : parseIntParam(
        "Last-Event-ID",
        lastEventId.trim(),
        { min: 0, max: Number.MAX_SAFE_INTEGER - 1, default: 0 },
      ) + 1;
      const stop = new AbortController();
      const onRequestAbort = () => stop.abort();
      c.req.raw.signal.addEventListener("abort", onRequestAbort, { once: true });
      const fetchFrom = (offset: FetchStart, waitMs: number): Promise<FetchBatchesResult> =>
        backend.fetchBatches(topic, partition, {
          offset,
          maxRecords: query.maxRecords,
          maxBytes: query.maxBytes,
          waitMs,
          signal: stop.signal,
        });
      // The first fetch happens before the stream starts so that unknown
      // topics and bad offsets are plain HTTP errors.
      let result: FetchBatchesResult;
      try {
        result = await fetchFrom(next, 0);
      } catch (e) {
        c.req.raw.signal.removeEventListener("abort", onRequestAbort);
        throw e;
      }
      return streamSSE(c, async (stream) => {
        stream.onAbort(() => stop.abort());
        try {
          while (!stop.signal.aborted) {
            const records = await decodeFetchedRecords(result.batches, {
              fromOffset: typeof next === "number" ? next : 0,
              maxRecords: query.maxRecords,
              format: query.format,
            });
            for (const record of records) {
              if (stop.signal.aborted) return;
              await stream.writeSSE({ id: String(record.offset), data: JSON.stringify(record) });
            }
            const last = records.at(-1);
            next = last === undefined ? result.nextOffset : last.offset + 1;
            try {
              result = await fetchFrom(next, FETCH_WAIT_MS.max);
            } catch (e) {
              if (stop.signal.aborted) return;
              throw e;
            }
          }
        } catch (e) {
          const error = toEdgeError(e);
          if (error.status >= 500) {
            logger.error("SSE stream {topic}-{partition} failed: {error}", {
              topic,
              partition,
              error: e,
            });
          }
          await stream.writeSSE({
            event: "error",
            data: JSON.stringify({ error: { code: error.code, message: error.message } }),
          });
        } finally {
          c.req.raw.signal.removeEventListener("abort", onRequestAbort);
          stop.abort();
        }
      });
    },
  );
}
