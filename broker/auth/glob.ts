/**
 * Resource globs of the auth file: `*` matches any run of characters
 * (including none), `?` exactly one; every other character matches itself.
 *
 * @module
 */

/**
 * Compiles a glob into an anchored regular expression.
 *
 * @param glob The pattern, e.g. `topic:orders*`.
 * @returns A `RegExp` matching whole strings only.
 *
 * @example Match a topic resource
 * ```ts
 * import { globToRegExp } from "./glob.ts";
 * import { assert } from "@std/assert";
 *
 * assert(globToRegExp("topic:orders*").test("topic:orders-eu"));
 * assert(!globToRegExp("topic:orders?").test("topic:orders"));
 * ```
 */
export function globToRegExp(glob: string): RegExp {
  let source = "^";
  for (const ch of glob) {
    if (ch === "*") source += "[\\s\\S]*";
    else if (ch === "?") source += "[\\s\\S]";
    else source += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`${source}$`, "u");
}
