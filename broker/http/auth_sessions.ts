/**
 * UI login sessions: after a correct key on the login form the browser gets
 * a random session id in an HttpOnly, SameSite=Strict cookie; the key itself
 * is never put in a cookie or a page. Sessions live in memory (a restart
 * logs everyone out), expire after a fixed time and are bounded in number.
 *
 * @module
 */
import type { Principal } from "../auth/mod.ts";

/** Options of {@linkcode AuthSessions}. */
export interface AuthSessionsOptions {
  /** Lifetime of a session in ms (default 12 h). */
  ttlMs?: number;
  /** Most live sessions; the oldest is dropped past it (default 1,000). */
  maxSessions?: number;
  /** Clock in ms (default `Date.now`). */
  now?: () => number;
}

/**
 * Session ids → principals.
 *
 * @example A session ends at its expiry
 * ```ts
 * import { AuthSessions } from "./auth_sessions.ts";
 * import { assertEquals } from "@std/assert";
 *
 * let t = 0;
 * const sessions = new AuthSessions({ ttlMs: 10, now: () => t });
 * const id = sessions.open({ name: "ops", allow: [] });
 * assertEquals(sessions.get(id)?.name, "ops");
 * t = 10;
 * assertEquals(sessions.get(id), undefined);
 * ```
 */
export class AuthSessions {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #sessions = new Map<string, { principal: Principal; expires: number }>();

  /**
   * Creates an empty session table.
   *
   * @param options Lifetime, bound and clock.
   */
  constructor(options: AuthSessionsOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 12 * 60 * 60 * 1000;
    this.#max = options.maxSessions ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** How long a session lives, in ms. */
  get ttlMs(): number {
    return this.#ttlMs;
  }

  /**
   * Opens a session for a principal.
   *
   * @param principal Who logged in.
   * @returns A fresh random session id (256 bits, base64url).
   */
  open(principal: Principal): string {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const id = btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
      .replace(/=+$/, "");
    while (this.#sessions.size >= this.#max) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest === undefined) break;
      this.#sessions.delete(oldest);
    }
    this.#sessions.set(id, { principal, expires: this.#now() + this.#ttlMs });
    return id;
  }

  /**
   * The principal of a live session.
   *
   * @param id The session id from the cookie.
   * @returns The principal, or `undefined` for an unknown or expired id.
   */
  get(id: string): Principal | undefined {
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    if (this.#now() >= session.expires) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session.principal;
  }

  /**
   * Ends a session (logout); unknown ids are ignored.
   *
   * @param id The session id.
   */
  close(id: string): void {
    this.#sessions.delete(id);
  }
}
