/**
 * Who a request acts as, and the rights the auth file grants it.
 *
 * @module
 */

/** An operation on a resource. `*` in the auth file stands for all three. */
export type AuthOperation = "produce" | "consume" | "admin";

/** The operations an auth file may name. */
export const AUTH_OPERATIONS: readonly AuthOperation[] = ["produce", "consume", "admin"];

/** One grant: operations on every resource a glob matches. */
export interface AuthGrant {
  /** `topic:<glob>`, `group:<glob>` or `cluster`, as written in the file. */
  readonly resource: string;
  /** The operations granted (`*` already expanded). */
  readonly operations: readonly AuthOperation[];
}

/** An authenticated identity. Holds no key and no key hash. */
export interface Principal {
  /** Name from the auth file (safe to log). */
  readonly name: string;
  /** What it may do; anything else is denied. */
  readonly allow: readonly AuthGrant[];
}
