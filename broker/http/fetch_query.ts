/**
 * Parsing of the fetch query (`offset`, `maxRecords`, `maxBytes`, `waitMs`,
 * `format`) shared by `GET .../records`, `GET .../batches` and
 * `GET .../stream`. Numbers are plain decimal integers: signs, fractions,
 * exponents (`1e3`), hex, blanks and out-of-range values are 400
 * `INVALID_REQUEST`. A missing `offset` means `earliest`.
 *
 * @module
 */
import {
  FETCH_MAX_BYTES,
  FETCH_MAX_RECORDS,
  FETCH_WAIT_MS,
  WeirError,
} from "../../client/protocol/mod.ts";
import type { FetchBatchesOptions, FetchStart } from "./backend.ts";

/** How fetched records are shown: parsed JSON values, UTF-8 strings, or base64. */
export type RecordFormat = "json" | "string" | "binary";

/** A parsed fetch query. */
export interface FetchQuery {
  /** Where to start; `earliest` when not given. */
  offset: FetchStart;
  /** 1..100,000, default 10,000. */
  maxRecords: number;
  /** 1..64 MiB, default 4 MiB. */
  maxBytes: number;
  /** 0..30,000, default 0. */
  waitMs: number;
  /** Default `json`. */
  format: RecordFormat;
}

/** Largest offset accepted (Kafka offsets are int64; JS numbers are exact to 2^53-1). */
const MAX_OFFSET = Number.MAX_SAFE_INTEGER;

function bad(name: string, raw: string, expected: string): WeirError {
  return new WeirError(
    "INVALID_REQUEST",
    `Cannot use ${name}=${JSON.stringify(raw.slice(0, 40))}: expected ${expected}`,
  );
}

/**
 * Parses a decimal integer query value within `[min, max]`.
 *
 * @param name The parameter name (for the message).
 * @param raw The raw value, or undefined when absent.
 * @param options Bounds and the default used when absent.
 * @returns The number.
 * @throws {WeirError} `INVALID_REQUEST` when not a plain integer in range.
 */
export function parseIntParam(
  name: string,
  raw: string | undefined,
  options: { min: number; max: number; default: number },
): number {
  if (raw === undefined) return options.default;
  const expected = `an integer ${options.min}..${options.max}`;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(raw)) throw bad(name, raw, expected);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < options.min || n > options.max) {
    throw bad(name, raw, expected);
  }
  return n;
}

/**
 * Parses an `offset` value: a non-negative integer, `earliest` or `latest`.
 *
 * @param raw The raw value; undefined means `earliest`.
 * @returns Where to start.
 * @throws {WeirError} `INVALID_REQUEST` for anything else.
 */
export function parseOffsetParam(raw: string | undefined): FetchStart {
  if (raw === undefined || raw === "earliest") return "earliest";
  if (raw === "latest") return "latest";
  if (!/^(0|[1-9][0-9]{0,15})$/.test(raw) || Number(raw) > MAX_OFFSET) {
    throw bad("offset", raw, "an integer >= 0, 'earliest' or 'latest'");
  }
  return Number(raw);
}

/**
 * Parses the whole fetch query.
 *
 * @param query The query parameters (first value of each).
 * @returns The parsed query with defaults applied.
 * @throws {WeirError} `INVALID_REQUEST` for any bad value.
 *
 * @example Defaults
 * ```ts
 * import { parseFetchQuery } from "./fetch_query.ts";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * assertEquals(parseFetchQuery({}).maxRecords, 10_000);
 * assertThrows(() => parseFetchQuery({ offset: "1e3" }));
 * ```
 */
export function parseFetchQuery(query: Record<string, string | undefined>): FetchQuery {
  const format = query.format ?? "json";
  if (format !== "json" && format !== "string" && format !== "binary") {
    throw bad("format", format, "json, string or binary");
  }
  return {
    offset: parseOffsetParam(query.offset),
    maxRecords: parseIntParam("maxRecords", query.maxRecords, { min: 1, ...FETCH_MAX_RECORDS }),
    maxBytes: parseIntParam("maxBytes", query.maxBytes, { min: 1, ...FETCH_MAX_BYTES }),
    waitMs: parseIntParam("waitMs", query.waitMs, { min: 0, ...FETCH_WAIT_MS }),
    format,
  };
}

/**
 * The backend's fetch options for a parsed query; `signal` is the request's,
 * so a client that leaves frees its parked fetch.
 */
export function fetchOptionsOf(query: FetchQuery, signal: AbortSignal): FetchBatchesOptions {
  return {
    offset: query.offset,
    maxRecords: query.maxRecords,
    maxBytes: query.maxBytes,
    waitMs: query.waitMs,
    signal,
  };
}
