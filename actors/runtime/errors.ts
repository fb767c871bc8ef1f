/**
 * Errors of the actor runtime. Errors cross Worker boundaries as plain
 * {@linkcode ErrorData} (`{ code, message }`, class identity is lost by
 * structured clone) and are rebuilt on the caller's side by an injected
 * {@linkcode ErrorFactory}. The default factory builds {@linkcode ActorError};
 * Weir's broker passes one that builds its own `WeirError`.
 *
 * The runtime itself only raises the codes in {@linkcode RUNTIME_ERROR_CODES};
 * every one of them also exists in Weir's error table.
 *
 * @module
 */

/** The wire shape of an error. */
export interface ErrorData {
  /** Stable code; callers branch on it. */
  code: string;
  /** Human-readable message, `Cannot <do X>: <reason>`. */
  message: string;
}

/** Rebuilds an error on the receiving side from its code and message. */
export type ErrorFactory = (code: string, message: string) => Error;

/** Codes the runtime raises itself. */
export const RUNTIME_ERROR_CODES = {
  /** The actor crashed while the request was in flight and is being restarted (retriable). */
  ACTOR_RESTARTED: "ACTOR_RESTARTED",
  /** No such actor, or it is stopping, stopped, or gave up after a crash loop. */
  ACTOR_STOPPED: "ACTOR_STOPPED",
  /** The ask's deadline passed before a reply arrived. */
  REQUEST_TIMED_OUT: "REQUEST_TIMED_OUT",
  /** Bad use of the runtime (e.g. spawning an id twice). */
  INVALID_REQUEST: "INVALID_REQUEST",
  /** A thrown value that carried no code. */
  UNKNOWN_SERVER_ERROR: "UNKNOWN_SERVER_ERROR",
} as const;

/**
 * The runtime's default error class: an `Error` with a `code`.
 *
 * @example Branch on the code
 * ```ts
 * import { ActorError } from "./errors.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const err = new ActorError("ACTOR_STOPPED", "Cannot ask \"p/1\": no such actor");
 * assertEquals(err.code, "ACTOR_STOPPED");
 * ```
 */
export class ActorError extends Error {
  /** Stable code. */
  readonly code: string;

  /** Builds an error with a code; `options.cause` is kept as the standard `cause`. */
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ActorError";
    this.code = code;
  }
}

/** The default {@linkcode ErrorFactory}: builds an {@linkcode ActorError}. */
export const defaultMakeError: ErrorFactory = (code: string, message: string): Error =>
  new ActorError(code, message);

/**
 * Flattens any thrown value to `{ code, message }`. A string `code` property
 * is kept; anything else gets `UNKNOWN_SERVER_ERROR`.
 *
 * @param error the thrown value
 * @returns its wire form
 *
 * @example
 * ```ts
 * import { toErrorData } from "./errors.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(toErrorData(new Error("boom")), { code: "UNKNOWN_SERVER_ERROR", message: "boom" });
 * ```
 */
export function toErrorData(error: unknown): ErrorData {
  if (typeof error === "object" && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return {
      code: typeof code === "string" && code !== ""
        ? code
        : RUNTIME_ERROR_CODES.UNKNOWN_SERVER_ERROR,
      message: typeof message === "string" ? message : String(error),
    };
  }
  return { code: RUNTIME_ERROR_CODES.UNKNOWN_SERVER_ERROR, message: String(error) };
}
