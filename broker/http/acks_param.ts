/**
 * Parsing of the produce `acks` query parameter.
 *
 * @module
 */
import { type Acks, WeirError } from "../../client/protocol/mod.ts";

/**
 * Parses `acks`: `0`, `1`, `all` or `-1` (same as `all`); absent means `all`.
 *
 * @param raw The raw query value.
 * @returns 0, 1 or -1.
 * @throws {WeirError} `INVALID_REQUEST` for any other value.
 *
 * @example
 * ```ts
 * import { parseAcksParam } from "./acks_param.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(parseAcksParam(undefined), -1);
 * assertEquals(parseAcksParam("0"), 0);
 * ```
 */
export function parseAcksParam(raw: string | undefined): Acks {
  switch (raw) {
    case undefined:
    case "all":
    case "-1":
      return -1;
    case "1":
      return 1;
    case "0":
      return 0;
    default:
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot use acks=${JSON.stringify(raw.slice(0, 40))}: expected 0, 1, all or -1`,
      );
  }
}
