/**
 * API keys: how they are made and hashed. Only the SHA-256 of a key is ever
 * stored; the key itself is shown once, when it is made.
 *
 * @module
 */
import { createHash, randomBytes } from "node:crypto";

/**
 * The lower-case hex SHA-256 of a key's UTF-8 bytes (the auth file's `keySha256`).
 *
 * @param key The API key.
 * @returns 64 hex digits.
 *
 * @example Hash a key
 * ```ts
 * import { hashApiKey } from "./key_hash.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(
 *   hashApiKey("abc"),
 *   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
 * );
 * ```
 */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/**
 * Makes a new random API key: `weir_` and 32 random bytes in base64url.
 *
 * @returns The key (show it once; store only {@linkcode hashApiKey} of it).
 *
 * @example Keys differ
 * ```ts
 * import { generateApiKey } from "./key_hash.ts";
 * import { assertNotEquals } from "@std/assert";
 *
 * assertNotEquals(generateApiKey(), generateApiKey());
 * ```
 */
export function generateApiKey(): string {
  return `weir_${randomBytes(32).toString("base64url")}`;
}
