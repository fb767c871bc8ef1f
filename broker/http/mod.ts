/**
 * Weir's HTTP edge: {@linkcode createApp} over an {@linkcode EdgeBackend}.
 *
 * @module
 */
export { createApp, type CreateAppOptions } from "./app.ts";
export type {
  AppendBatchesOptions,
  EdgeBackend,
  FetchBatchesOptions,
  FetchBatchesResult,
  FetchStart,
} from "./backend.ts";
export { readBodyLimited, type ReadBodyOptions } from "./body_limit.ts";
export type { FetchQuery, RecordFormat } from "./fetch_query.ts";
