/**
 * Weir's error codes and the one error class every caller sees.
 *
 * Codes follow Kafka's names. One table ({@linkcode ERROR_CODES}) maps each
 * code to its HTTP status and to whether a client may retry the request; the
 * SDK retries by that column and the HTTP edge answers with that status.
 *
 * @module
 */

/** What the table knows of one code. */
export interface ErrorCodeInfo {
  /** HTTP status the edge answers with. */
  readonly status: number;
  /** Whether the same request may succeed when retried unchanged. */
  readonly retriable: boolean;
}

/** Every error code Weir uses, with its HTTP status and retriability. */
export const ERROR_CODES = {
  // Bad input (never retriable).
  INVALID_REQUEST: { status: 400, retriable: false },
  INVALID_RECORD: { status: 400, retriable: false },
  INVALID_TOPIC_EXCEPTION: { status: 400, retriable: false },
  INVALID_PARTITIONS: { status: 400, retriable: false },
  INVALID_REPLICATION_FACTOR: { status: 400, retriable: false },
  INVALID_CONFIG: { status: 400, retriable: false },
  INVALID_TIMESTAMP: { status: 400, retriable: false },
  INVALID_GROUP_ID: { status: 400, retriable: false },
  INVALID_SESSION_TIMEOUT: { status: 400, retriable: false },
  UNSUPPORTED_COMPRESSION_TYPE: { status: 400, retriable: false },
  UNSUPPORTED_VERSION: { status: 400, retriable: false },
  POLICY_VIOLATION: { status: 400, retriable: false },
  // Missing things.
  NOT_FOUND: { status: 404, retriable: false },
  UNKNOWN_TOPIC_OR_PARTITION: { status: 404, retriable: false },
  UNKNOWN_MEMBER_ID: { status: 404, retriable: false },
  GROUP_ID_NOT_FOUND: { status: 404, retriable: false },
  // State conflicts.
  TOPIC_ALREADY_EXISTS: { status: 409, retriable: false },
  FENCED_MEMBER_EPOCH: { status: 409, retriable: false },
  FENCED_LEADER_EPOCH: { status: 409, retriable: false },
  REBALANCE_IN_PROGRESS: { status: 409, retriable: true },
  GROUP_MAX_SIZE_REACHED: { status: 409, retriable: false },
  INCONSISTENT_GROUP_PROTOCOL: { status: 409, retriable: false },
  ILLEGAL_GENERATION: { status: 409, retriable: false },
  MEMBER_ID_REQUIRED: { status: 409, retriable: true },
  OUT_OF_ORDER_SEQUENCE_NUMBER: { status: 409, retriable: false },
  INVALID_PRODUCER_EPOCH: { status: 409, retriable: false },
  PRODUCER_FENCED: { status: 409, retriable: false },
  UNKNOWN_PRODUCER_ID: { status: 409, retriable: false },
  // Sizes.
  REQUEST_TOO_LARGE: { status: 413, retriable: false },
  // A request body that did not arrive within --request-timeout-ms (slow or stalled client).
  REQUEST_BODY_TIMED_OUT: { status: 408, retriable: true },
  RECORD_TOO_LARGE: { status: 413, retriable: false },
  RECORD_LIST_TOO_LARGE: { status: 413, retriable: false },
  OFFSET_OUT_OF_RANGE: { status: 416, retriable: false },
  THROTTLING_QUOTA_EXCEEDED: { status: 429, retriable: true },
  // Security.
  SASL_AUTHENTICATION_FAILED: { status: 401, retriable: false },
  TOPIC_AUTHORIZATION_FAILED: { status: 403, retriable: false },
  GROUP_AUTHORIZATION_FAILED: { status: 403, retriable: false },
  CLUSTER_AUTHORIZATION_FAILED: { status: 403, retriable: false },
  // Transient server conditions (retriable).
  NOT_ENOUGH_REPLICAS: { status: 503, retriable: true },
  NOT_LEADER_OR_FOLLOWER: { status: 503, retriable: true },
  COORDINATOR_NOT_AVAILABLE: { status: 503, retriable: true },
  NOT_COORDINATOR: { status: 503, retriable: true },
  BROKER_NOT_AVAILABLE: { status: 503, retriable: true },
  ACTOR_RESTARTED: { status: 503, retriable: true },
  ACTOR_STOPPED: { status: 503, retriable: true },
  REQUEST_TIMED_OUT: { status: 504, retriable: true },
  NETWORK_EXCEPTION: { status: 503, retriable: true },
  KAFKA_STORAGE_ERROR: { status: 500, retriable: true },
  // A batch found corrupt on disk (CRC mismatch): a server fault, never served as valid.
  // (A corrupt batch sent by a producer is the producer's fault: INVALID_RECORD.)
  CORRUPT_MESSAGE: { status: 500, retriable: false },
  // Client-side cancellation.
  REQUEST_ABORTED: { status: 499, retriable: false },
  UNKNOWN_SERVER_ERROR: { status: 500, retriable: false },
} as const satisfies Record<string, ErrorCodeInfo>;

/** A stable error code, e.g. `"UNKNOWN_TOPIC_OR_PARTITION"`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The wire shape of an error: what crosses Workers, NATS and HTTP. */
export interface ErrorData {
  /** Stable code; branch on this. */
  code: string;
  /** Human-readable message in the form `Cannot <do X>: <reason>`. */
  message: string;
}

/** Returns true when `code` is one of Weir's known codes. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/**
 * Looks up the status and retriability of a code; unknown codes are treated
 * as `UNKNOWN_SERVER_ERROR`.
 *
 * @param code The error code.
 * @returns The table entry.
 */
export function errorInfo(code: string): ErrorCodeInfo {
  return isErrorCode(code) ? ERROR_CODES[code] : ERROR_CODES.UNKNOWN_SERVER_ERROR;
}

/**
 * The error every Weir caller sees: a stable `code`, a message, and the HTTP
 * status and retriability from {@linkcode ERROR_CODES}.
 *
 * @example Branch on the code
 * ```ts
 * import { WeirError } from "weir";
 * import { assertEquals } from "@std/assert";
 *
 * const err = new WeirError("OFFSET_OUT_OF_RANGE", 'Cannot fetch from "orders-0": offset 9 is past the end');
 * assertEquals(err.code, "OFFSET_OUT_OF_RANGE");
 * assertEquals(err.status, 416);
 * assertEquals(err.retriable, false);
 * ```
 */
export class WeirError extends Error {
  /** Stable code from {@linkcode ERROR_CODES} (or one received from a newer peer). */
  readonly code: string;

  /**
   * Creates an error.
   *
   * @param code The stable code.
   * @param message `Cannot <do X>: <reason>`.
   * @param options Standard error options (`cause`).
   */
  // deno-lint-ignore ban-types
  constructor(code: ErrorCode | (string & {}), message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WeirError";
    this.code = code;
  }

  /** HTTP status for this code. */
  get status(): number {
    return errorInfo(this.code).status;
  }

  /** Whether a client may retry the same request. */
  get retriable(): boolean {
    return errorInfo(this.code).retriable;
  }

  /** The wire shape `{ code, message }`. */
  toJSON(): ErrorData {
    return { code: this.code, message: this.message };
  }
}

/**
 * Turns anything thrown into a {@linkcode WeirError}; non-Weir errors become
 * `UNKNOWN_SERVER_ERROR` with the original as `cause`.
 *
 * @param e What was thrown.
 * @param context Prefix for the message of a non-Weir error, e.g. `Cannot append to "orders-0"`.
 * @returns A WeirError.
 */
export function toWeirError(e: unknown, context = "Cannot complete the request"): WeirError {
  if (e instanceof WeirError) return e;
  if (isErrorData(e)) return new WeirError(e.code, e.message);
  const reason = e instanceof Error ? e.message : String(e);
  return new WeirError("UNKNOWN_SERVER_ERROR", `${context}: ${reason}`, { cause: e });
}

/** Returns true when `value` looks like `{ code: string, message: string }`. */
export function isErrorData(value: unknown): value is ErrorData {
  return typeof value === "object" && value !== null &&
    typeof (value as ErrorData).code === "string" &&
    typeof (value as ErrorData).message === "string";
}
