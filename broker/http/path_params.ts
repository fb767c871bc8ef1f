/**
 * Checks of the `:topic` and `:p` path parameters, done before a request
 * reaches the backend.
 *
 * @module
 */
import { validateTopicName, WeirError } from "../../client/protocol/mod.ts";

/** Largest partition index accepted in a path (Kafka's int32). */
export const MAX_PARTITION_INDEX = 2 ** 31 - 1;

/**
 * Checks a `:topic` path parameter (already percent-decoded).
 *
 * @param raw The parameter.
 * @returns The topic name.
 * @throws {WeirError} `INVALID_TOPIC_EXCEPTION` for an illegal name.
 */
export function parseTopicParam(raw: string | undefined): string {
  const name = raw ?? "";
  validateTopicName(name);
  return name;
}

/**
 * Checks a `:p` path parameter: a decimal integer 0..2^31-1 without sign,
 * leading zeros, exponent or fraction.
 *
 * @param raw The parameter.
 * @returns The partition index.
 * @throws {WeirError} `INVALID_REQUEST` for anything else.
 */
export function parsePartitionParam(raw: string | undefined): number {
  const text = raw ?? "";
  if (/^(0|[1-9][0-9]{0,9})$/.test(text)) {
    const n = Number(text);
    if (n <= MAX_PARTITION_INDEX) return n;
  }
  throw new WeirError(
    "INVALID_REQUEST",
    `Cannot use partition ${
      JSON.stringify(text.slice(0, 40))
    }: expected an integer 0..${MAX_PARTITION_INDEX}`,
  );
}
