/**
 * Weir's typed SDK. Uses only `fetch` and web streams, so it runs on Deno,
 * Node ≥ 20, Bun and browsers.
 *
 * @module
 */
export { ERROR_CODES, type ErrorCode, WeirError } from "./protocol/mod.ts";
