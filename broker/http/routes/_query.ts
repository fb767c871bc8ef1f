/**
 * Query checks of the hot routes without a zod validator middleware
 * (private to routes/). {@linkcode readQuery} accepts exactly what the zod
 * query validator of `app.openapi()` accepts for the documentation schemas in
 * `_openapi.ts` (known keys given once, enum values among their options) and
 * runs that schema only when the cheap check fails, so the error is the same
 * `INVALID_REQUEST` with the same message.
 *
 * @module
 */
import type { Context } from "hono";
import type { z } from "zod";
import { toEdgeError } from "../errors.ts";
import { AcksQueryDoc, FetchQueryDoc } from "./_openapi.ts";

/** What {@linkcode readQuery} checks: the documented schema and its enum keys. */
export interface QuerySpec {
  /** The route's query schema (a `z.object` of optional strings and enums). */
  schema: z.ZodObject;
  /** Keys of the schema that are enums, with their options. */
  enums?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Reads a request's query like `c.req.query()` (first value of each key)
 * after checking it against `spec` the way the zod query validator would.
 *
 * @param c The request context.
 * @param spec The schema and its enum keys.
 * @returns The first value of every query key.
 * @throws {WeirError} `INVALID_REQUEST` (the validator's message) for a key
 * given twice or an enum value out of its options.
 */
export function readQuery(c: Context, spec: QuerySpec): Record<string, string> {
  const all = plainQueries(c.req.url) ?? c.req.queries();
  const first: Record<string, string> = {};
  let suspect = false;
  for (const key in all) {
    const values = all[key]!;
    const value = values[0]!;
    first[key] = value;
    if (!Object.hasOwn(spec.schema.shape, key)) continue;
    if (values.length > 1) suspect = true;
    const options = spec.enums?.[key];
    if (options !== undefined && !options.includes(value)) suspect = true;
  }
  if (suspect) {
    const value = Object.fromEntries(
      Object.entries(all).map(([k, v]) => (v.length === 1 ? [k, v[0]] : [k, v])),
    );
    const result = spec.schema.safeParse(value);
    if (!result.success) throw toEdgeError(result.error);
  }
  return first;
}

/**
 * `c.req.queries()` for the common URL without `%`, `+` or `#` (nothing to
 * decode), parsed the way Hono parses it; undefined for any other URL, which
 * Hono's own parser then reads.
 */
export function plainQueries(url: string): Record<string, string[]> | undefined {
  const q = url.indexOf("?", 8);
  // No prototype, like Hono's: `?constructor=1` is a key like any other.
  const all: Record<string, string[]> = Object.create(null);
  if (q === -1) return all;
  for (let i = q + 1; i < url.length; i++) {
    const code = url.charCodeAt(i);
    if (code === 37 || code === 43 || code === 35) return undefined; // % + #
  }
  let at = q;
  while (at !== -1) {
    const next = url.indexOf("&", at + 1);
    let eq = url.indexOf("=", at + 1);
    if (next !== -1 && eq > next) eq = -1;
    const end = next === -1 ? url.length : next;
    const name = url.slice(at + 1, eq === -1 ? end : eq);
    at = next;
    if (name === "") continue;
    const value = eq === -1 ? "" : url.slice(eq + 1, end);
    const values = all[name];
    if (values === undefined) all[name] = [value];
    else values.push(value);
  }
  return all;
}

/** The produce routes' query (`acks`) as the zod validator checks it. */
export const ACKS_QUERY: QuerySpec = { schema: AcksQueryDoc };

/** The fetch routes' query as the zod validator checks it. */
export const FETCH_QUERY: QuerySpec = {
  schema: FetchQueryDoc,
  enums: { format: FetchQueryDoc.shape.format.unwrap().options },
};
