import { WeirError } from "./errors.ts";

/** Longest topic name Kafka and Weir accept. */
export const MAX_TOPIC_NAME_LENGTH = 249;

const LEGAL = /^[a-zA-Z0-9._-]+$/;

/**
 * Checks a topic name: `[a-zA-Z0-9._-]{1,249}`, not `.` or `..`. Names are
 * also directory names on disk, so this is what keeps a topic inside the
 * data directory.
 *
 * @param name The candidate name.
 * @throws {WeirError} `INVALID_TOPIC_EXCEPTION` for any other name.
 *
 * @example Reject a path
 * ```ts
 * import { validateTopicName } from "weir/client";
 * import { assertThrows } from "@std/assert";
 *
 * validateTopicName("orders.v1");
 * assertThrows(() => validateTopicName("../etc"));
 * ```
 */
export function validateTopicName(name: string): void {
  const reason = topicNameProblem(name);
  if (reason !== null) {
    throw new WeirError(
      "INVALID_TOPIC_EXCEPTION",
      `Cannot use topic name ${JSON.stringify(name.slice(0, 300))}: ${reason}`,
    );
  }
}

/** Returns why `name` is not a legal topic name, or null when it is. */
export function topicNameProblem(name: string): string | null {
  if (typeof name !== "string" || name.length === 0) return "the name is empty";
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `the name is longer than ${MAX_TOPIC_NAME_LENGTH} characters`;
  }
  if (name === "." || name === "..") return `"." and ".." are not allowed`;
  if (!LEGAL.test(name)) return "only ASCII letters, digits, '.', '_' and '-' are allowed";
  return null;
}
