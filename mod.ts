/**
 * Weir: a Kafka-style stream platform for Deno. This root entry exports the
 * typed SDK only, so it loads in browsers and Node; the broker is
 * `weir/broker`.
 *
 * @module
 */
export { ERROR_CODES, type ErrorCode, WeirError } from "./client/mod.ts";
