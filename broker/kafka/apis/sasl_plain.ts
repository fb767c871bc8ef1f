/**
 * SASL/PLAIN (RFC 4616) as Weir uses it: the username is the principal's
 * name from the auth file and the password its API key.
 *
 * @module
 */
import type { AuthStore, Principal } from "../../auth/mod.ts";

const TEXT = new TextDecoder("utf-8", { fatal: true });
const KAFKA = { listener: "kafka" } as const;

/** The fields of a PLAIN token: `[authzid] NUL authcid NUL passwd`. */
export interface PlainToken {
  /** Authorization identity (often empty). */
  authzid: string;
  /** Username. */
  username: string;
  /** Password. */
  password: string;
}

/**
 * Splits a PLAIN token.
 *
 * @param bytes The token.
 * @returns Its fields, or null when it is not a PLAIN token.
 */
export function parsePlainToken(bytes: Uint8Array): PlainToken | null {
  let text: string;
  try {
    text = TEXT.decode(bytes);
  } catch {
    return null;
  }
  const parts = text.split("\u0000");
  if (parts.length !== 3 || parts[1] === "" || parts[2] === "") return null;
  return { authzid: parts[0]!, username: parts[1]!, password: parts[2]! };
}

/** Options of {@linkcode authenticatePlain}. */
export interface AuthenticatePlainOptions {
  /**
   * The peer (`host:port`). When given, the attempt goes through the store's
   * failed-authentication limiter: a locked-out address is refused unchecked
   * and a failure counts against it.
   */
  remote?: string;
}

/**
 * Authenticates a PLAIN token: the password must be a known API key and
 * the username (and authzid, when given) that key's principal name.
 *
 * @param store Principals and key hashes.
 * @param bytes The token.
 * @param options The peer address, for the failed-authentication limiter.
 * @returns The principal, or null (also when `remote` is locked out).
 */
export function authenticatePlain(
  store: AuthStore,
  bytes: Uint8Array,
  options: AuthenticatePlainOptions = {},
): Principal | null {
  const { remote } = options;
  if (remote !== undefined && store.failures.check(remote, KAFKA) > 0) return null;
  const principal = checkPlain(store, bytes);
  if (principal === null && remote !== undefined) store.failures.fail(remote, KAFKA);
  return principal;
}

function checkPlain(store: AuthStore, bytes: Uint8Array): Principal | null {
  const token = parsePlainToken(bytes);
  if (token === null) return null;
  const principal = store.authenticate(token.password);
  if (principal === null || principal.name !== token.username) return null;
  if (token.authzid !== "" && token.authzid !== token.username) return null;
  return principal;
}
