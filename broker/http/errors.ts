/**
 * The HTTP edge's one error handler and its 404/405 answers. Every 4xx/5xx
 * the edge sends has the body `{ error: { code, message } }` (API.md).
 *
 * Mapping:
 * - {@linkcode WeirError} → the status of its code in `ERROR_CODES`.
 * - zod validation errors → 400 `INVALID_REQUEST`.
 * - Hono's `HTTPException` (malformed JSON, unsupported media type, ...) →
 *   400 `INVALID_REQUEST` for any 4xx (wrong content types are 400 too: the
 *   error table has one status per code), else 500.
 * - anything else → 500 `UNKNOWN_SERVER_ERROR`, logged through logtape under
 *   `["weir", "http"]`; the message names no internals.
 *
 * @module
 */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { getLogger } from "@logtape/logtape";
import { ZodError } from "zod";
import { type ErrorBody, WeirError } from "../../client/protocol/mod.ts";

const logger = getLogger(["weir", "http"]);

/**
 * Builds the JSON error response for a {@linkcode WeirError}.
 *
 * @param c The request context.
 * @param error The error to send.
 * @returns A response with the code's status and `{ error: { code, message } }`.
 */
export function errorResponse(c: Context, error: WeirError): Response {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  return c.json(body, error.status as 400);
}

/**
 * Turns anything a route throws into a {@linkcode WeirError}; unknown errors
 * become `UNKNOWN_SERVER_ERROR`.
 *
 * @param error What was thrown.
 * @returns The error the client will see.
 */
export function toEdgeError(error: unknown): WeirError {
  if (error instanceof WeirError) return error;
  if (error instanceof ZodError) {
    return new WeirError("INVALID_REQUEST", `Cannot accept the request: ${zodSummary(error)}`, {
      cause: error,
    });
  }
  if (error instanceof HTTPException && error.status < 500) {
    return new WeirError("INVALID_REQUEST", `Cannot accept the request: ${error.message}`, {
      cause: error,
    });
  }
  return new WeirError("UNKNOWN_SERVER_ERROR", "Cannot complete the request: internal error", {
    cause: error,
  });
}

/** Short, single-line description of the first zod issues. */
export function zodSummary(error: ZodError): string {
  return error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : "body";
    return `${path}: ${issue.message}`;
  }).join("; ");
}

/**
 * The edge's `onError`: every throw ends here and leaves as
 * `{ error: { code, message } }` with the code's status.
 */
export const onEdgeError: ErrorHandler = (err: Error, c: Context): Response => {
  const error = toEdgeError(err);
  if (error.code === "UNKNOWN_SERVER_ERROR" || error.status >= 500) {
    logger.error("Request {method} {path} failed: {error}", {
      method: c.req.method,
      path: c.req.path,
      error: err,
    });
  }
  return errorResponse(c, error);
};

/** The edge's `notFound`: 404 `NOT_FOUND` with the standard error body. */
export const onNotFound: NotFoundHandler = (c: Context): Response =>
  errorResponse(
    c,
    new WeirError("NOT_FOUND", `Cannot ${c.req.method} ${c.req.path}: no such route`),
  );

/**
 * The 405 answer for a known path asked with a method it does not serve.
 *
 * @param c The request context.
 * @param allowed The methods the path serves (sent in `Allow`).
 * @returns 405 with code `INVALID_REQUEST` and the `Allow` header.
 */
export function methodNotAllowed(c: Context, allowed: readonly string[]): Response {
  const body: ErrorBody = {
    error: {
      code: "INVALID_REQUEST",
      message: `Cannot ${c.req.method} ${c.req.path}: method not allowed (allowed: ${
        allowed.join(", ")
      })`,
    },
  };
  c.header("Allow", allowed.join(", "));
  return c.json(body, 405);
}
