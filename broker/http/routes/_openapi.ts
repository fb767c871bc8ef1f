/**
 * Small helpers for describing routes with `createRoute` (private to routes/).
 *
 * @module
 */
import { z } from "zod";
import {
  ErrorBodySchema,
  FetchedRecordSchema,
  FetchResponseSchema,
} from "../../../client/protocol/mod.ts";

/** `{ content: { "application/json": { schema } }, description }`. */
export function json<T extends z.ZodType>(schema: T, description: string): {
  content: { "application/json": { schema: T } };
  description: string;
} {
  return { content: { "application/json": { schema } }, description };
}

/** The error responses of a route, all with `{ error: { code, message } }`. */
export function errors(
  ...statuses: (400 | 404 | 409 | 413 | 416 | 500 | 503)[]
): Record<number, ReturnType<typeof json<typeof ErrorBodySchema>>> {
  const out: Record<number, ReturnType<typeof json<typeof ErrorBodySchema>>> = {};
  for (const status of statuses) out[status] = json(ErrorBodySchema, `Error (${status})`);
  return out;
}

/** Path parameters `{topic}`. */
export const TopicParams = z.object({ topic: z.string() });
/** Path parameters `{topic}` and `{p}`. */
export const PartitionParams = z.object({ topic: z.string(), p: z.string() });

/** Query of the fetch routes (documentation; parsed strictly in fetch_query.ts). */
export const FetchQueryDoc = z.object({
  offset: z.string().optional(),
  maxRecords: z.string().optional(),
  maxBytes: z.string().optional(),
  waitMs: z.string().optional(),
  format: z.enum(["json", "string", "binary"]).optional(),
});

/** Query of the produce routes. */
export const AcksQueryDoc = z.object({ acks: z.string().optional() });

/**
 * `GET .../records` answer for the OpenAPI text: `value` is any JSON. (The
 * recursive `JsonValueSchema` cannot be turned into OpenAPI without a
 * component id, which this zod/zod-to-openapi pairing cannot attach.)
 */
export const FetchResponseDoc = FetchResponseSchema.extend({
  records: z.array(
    FetchedRecordSchema.extend({ value: z.unknown().optional().describe("any JSON value") }),
  ),
});
