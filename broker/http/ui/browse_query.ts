/**
 * Reads the record browser's query string (`partition`, `from`, `offset`,
 * `timestamp`, `limit`, `view`) into what the page shows and where reading
 * starts. Lenient on display values (a bad `view` is `auto`), strict on what
 * decides the read (a bad offset or timestamp is an error the page shows).
 *
 * @module
 */
import { WeirError } from "../../../client/protocol/mod.ts";
import type { BrowseQuery } from "./pages/records.tsx";
import type { BrowseStart } from "./read_records.ts";

/** Default and largest number of records the browser shows. */
export const BROWSE_LIMIT = { default: 50, max: 500 } as const;

/** The query as the page shows it, and where to read (or why not). */
export interface ParsedBrowse {
  /** Values for the form. */
  query: BrowseQuery;
  /** Where to read; absent when `error` is set. */
  start?: BrowseStart;
  /** Why the start is invalid. */
  error?: WeirError;
}

/**
 * Parses the browser's query.
 *
 * @param raw The query fields.
 * @param partitions The topic's partition count (a partition outside it is 0).
 * @returns The form values and the start or an error.
 *
 * @example A timestamp start
 * ```ts
 * import { parseBrowseQuery } from "./browse_query.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const { start } = parseBrowseQuery({ from: "timestamp", timestamp: "1970-01-01T00:00:01Z" }, 1);
 * assertEquals(start, { kind: "timestamp", timestamp: 1000 });
 * ```
 */
export function parseBrowseQuery(raw: Record<string, string>, partitions: number): ParsedBrowse {
  const partitionText = raw.partition ?? "0";
  const p = /^\d{1,10}$/.test(partitionText) ? Number(partitionText) : 0;
  const limitText = raw.limit ?? "";
  const limitNum = /^\d{1,6}$/.test(limitText) ? Number(limitText) : BROWSE_LIMIT.default;
  const fromText = raw.from ?? "";
  const from = fromText === "earliest" || fromText === "offset" || fromText === "timestamp"
    ? fromText
    : "tail";
  const query: BrowseQuery = {
    partition: p < partitions ? p : 0,
    from,
    offset: (raw.offset ?? "").trim(),
    timestamp: (raw.timestamp ?? "").trim(),
    limit: Math.min(BROWSE_LIMIT.max, Math.max(1, limitNum)),
    view: raw.view === "hex" ? "hex" : "auto",
  };
  switch (from) {
    case "tail":
      return { query, start: { kind: "tail" } };
    case "earliest":
      return { query, start: { kind: "earliest" } };
    case "offset": {
      if (!/^\d{1,15}$/.test(query.offset)) {
        return {
          query,
          error: new WeirError(
            "INVALID_REQUEST",
            `Cannot read records: offset "${query.offset}" is not a whole number`,
          ),
        };
      }
      return { query, start: { kind: "offset", offset: Number(query.offset) } };
    }
    case "timestamp": {
      const ms = /^\d{1,15}$/.test(query.timestamp)
        ? Number(query.timestamp)
        : Date.parse(query.timestamp);
      if (!Number.isFinite(ms) || ms < 0) {
        return {
          query,
          error: new WeirError(
            "INVALID_TIMESTAMP",
            `Cannot read records: "${query.timestamp}" is not a timestamp (ms or ISO-8601)`,
          ),
        };
      }
      return { query, start: { kind: "timestamp", timestamp: ms } };
    }
  }
}
