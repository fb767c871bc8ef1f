/**
 * {@linkcode AuthFailureLimiter}: slows down key guessing. Each client
 * address may fail authentication `maxFailures` times within `windowMs`;
 * after that, its attempts are refused for `lockoutMs` **before any key is
 * checked** (HTTP: 429 `THROTTLING_QUOTA_EXCEEDED` with `Retry-After`;
 * Kafka: the SASL exchange fails and the connection closes).
 *
 * - Only failures count. A success neither resets nor shortens anything, its
 *   own address's count included: a client holding one valid key cannot use
 *   it to keep guessing others.
 * - Refused attempts do not extend a lockout; once it is over the address
 *   starts a fresh window.
 * - Addresses are keyed by {@linkcode authClientKey}: an IPv4 address as is,
 *   an IPv6 address by its /64 prefix (one host usually owns a whole /64).
 * - The table is bounded (`maxClients`, default 10,000): past it the least
 *   recently failed address is forgotten.
 * - Time comes from an injected clock; nothing here sets a timer.
 * - Each lockout is logged once, at `warning` under `["weir", "auth"]`.
 *
 * Transport-free: the HTTP edge and the Kafka listener share one limiter
 * (the {@linkcode AuthStore}'s), so guesses over both count together.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { WeirError } from "../../client/protocol/mod.ts";

const logger = getLogger(["weir", "auth"]);

/** Where an authentication attempt came in. */
export type AuthListener = "http" | "kafka";

/** Why an attempt counted as a failure. */
export type AuthFailureReason = "invalid_key" | "locked_out";

/** One failed or refused attempt, as told to {@linkcode AuthFailureLimiter.onFailure}. */
export interface AuthFailureEvent {
  /** The client's key ({@linkcode authClientKey}). */
  client: string;
  /** `http` (Bearer, UI login) or `kafka` (SASL/PLAIN). */
  listener: AuthListener;
  /** `invalid_key`: the key was checked and is wrong; `locked_out`: refused unchecked. */
  reason: AuthFailureReason;
}

/** Options of {@linkcode AuthFailureLimiter}. */
export interface AuthFailureLimiterOptions {
  /** Failures allowed within `windowMs` before a lockout (default 10). */
  maxFailures?: number;
  /** Length of the counting window in ms (default 60,000). */
  windowMs?: number;
  /** How long a locked-out address is refused, in ms (default 60,000). */
  lockoutMs?: number;
  /** Most addresses tracked; the least recently failed is forgotten past it (default 10,000). */
  maxClients?: number;
  /** Clock in ms (default `Date.now`). */
  now?: () => number;
}

/** Which listener an attempt came in on. */
export interface AuthAttemptOptions {
  /** `http` or `kafka` (for the metric). */
  listener: AuthListener;
}

interface ClientState {
  windowStart: number;
  failures: number;
  lockedUntil: number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) {
    throw new WeirError(
      "INVALID_CONFIG",
      `Cannot create the auth failure limiter: "${name}" must be a positive number`,
    );
  }
  return v;
}

function expandIpv6(address: string): string[] | null {
  const [head, tail, ...more] = address.split("::");
  if (more.length > 0) return null;
  const left = head === "" || head === undefined ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...right];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  return groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, ""));
}

/**
 * The key a client address is counted under: IPv4 as is (also when written
 * IPv4-mapped, `::ffff:1.2.3.4`), IPv6 by its /64 prefix, a `host:port` or
 * `[v6]:port` peer string without the port. Anything else is used verbatim.
 *
 * @param address A peer address (`Deno.NetAddr.hostname`, or `host:port`).
 * @returns The key.
 *
 * @example Ports and IPv6 hosts
 * ```ts
 * import { authClientKey } from "./auth_failure_limiter.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(authClientKey("10.0.0.7:53412"), "10.0.0.7");
 * assertEquals(authClientKey("2001:db8::1"), "2001:db8:0:0::/64");
 * assertEquals(authClientKey("[2001:db8:0:0:5::9]:9092"), "2001:db8:0:0::/64");
 * assertEquals(authClientKey("::ffff:10.0.0.7"), "10.0.0.7");
 * ```
 */
export function authClientKey(address: string): string {
  let host = address.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed !== null) host = bracketed[1]!;
  else if (/^[^:]+:\d+$/.test(host)) host = host.slice(0, host.lastIndexOf(":"));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped !== null) return mapped[1]!;
  if (!host.includes(":")) return host;
  const groups = expandIpv6(host.replace(/%.*$/, ""));
  if (groups === null) {
    // `host:port` with an IPv6 host and no brackets: drop the port and retry.
    const cut = host.lastIndexOf(":");
    const again = /^\d+$/.test(host.slice(cut + 1)) ? expandIpv6(host.slice(0, cut)) : null;
    return again === null ? host : `${again.slice(0, 4).join(":")}::/64`;
  }
  return `${groups.slice(0, 4).join(":")}::/64`;
}

/**
 * Per-address failure counts and lockouts.
 *
 * @example Two failures (maxFailures 2) lock an address out; another address is not affected
 * ```ts
 * import { AuthFailureLimiter } from "./auth_failure_limiter.ts";
 * import { assertEquals } from "@std/assert";
 *
 * let now = 0;
 * const limiter = new AuthFailureLimiter({ maxFailures: 2, lockoutMs: 5_000, now: () => now });
 * const http = { listener: "http" } as const;
 * limiter.fail("10.0.0.1", http);
 * assertEquals(limiter.check("10.0.0.1", http), 0);
 * limiter.fail("10.0.0.1", http);
 * assertEquals(limiter.check("10.0.0.1", http), 5_000);
 * assertEquals(limiter.check("10.0.0.2", http), 0);
 * now = 5_000;
 * assertEquals(limiter.check("10.0.0.1", http), 0);
 * ```
 */
export class AuthFailureLimiter {
  /** Failures allowed within a window. */
  readonly maxFailures: number;
  /** Counting window (ms). */
  readonly windowMs: number;
  /** Lockout (ms). */
  readonly lockoutMs: number;
  readonly #maxClients: number;
  readonly #now: () => number;
  readonly #clients = new Map<string, ClientState>();
  readonly #listeners = new Set<(event: AuthFailureEvent) => void>();

  /**
   * Creates an empty table.
   *
   * @param options Thresholds, table bound and clock.
   * @throws {WeirError} `INVALID_CONFIG` when a threshold is not a positive number.
   */
  constructor(options: AuthFailureLimiterOptions = {}) {
    this.maxFailures = Math.floor(positive("maxFailures", options.maxFailures, 10));
    this.windowMs = positive("windowMs", options.windowMs, 60_000);
    this.lockoutMs = positive("lockoutMs", options.lockoutMs, 60_000);
    this.#maxClients = Math.floor(positive("maxClients", options.maxClients, 10_000));
    this.#now = options.now ?? Date.now;
  }

  /** How many addresses are tracked now. */
  get size(): number {
    return this.#clients.size;
  }

  /**
   * Whether `address` may try a key now. A refusal is reported to the
   * {@linkcode AuthFailureLimiter.onFailure} listeners as `locked_out`.
   *
   * @param address The peer address (any form {@linkcode authClientKey} takes).
   * @param options The listener the attempt came in on.
   * @returns 0 when it may, else the ms until its lockout ends.
   */
  check(address: string, options: AuthAttemptOptions): number {
    const client = authClientKey(address);
    const state = this.#clients.get(client);
    if (state === undefined) return 0;
    const wait = state.lockedUntil - this.#now();
    if (wait <= 0) return 0;
    this.#emit({ client, listener: options.listener, reason: "locked_out" });
    return wait;
  }

  /**
   * Counts a failed authentication (a key that was checked and is wrong).
   *
   * @param address The peer address.
   * @param options The listener the attempt came in on.
   * @returns 0, or the lockout in ms when this failure started one.
   */
  fail(address: string, options: AuthAttemptOptions): number {
    const client = authClientKey(address);
    const now = this.#now();
    let state = this.#clients.get(client);
    if (state !== undefined) this.#clients.delete(client); // re-insert: most recent last
    if (
      state === undefined || now - state.windowStart >= this.windowMs || now < state.windowStart
    ) {
      state = { windowStart: now, failures: 0, lockedUntil: state?.lockedUntil ?? 0 };
    }
    state.failures++;
    let lockout = 0;
    if (state.failures >= this.maxFailures && state.lockedUntil <= now) {
      state.lockedUntil = now + this.lockoutMs;
      state.failures = 0;
      state.windowStart = state.lockedUntil;
      lockout = this.lockoutMs;
      logger.warn(
        "Locked out {client} ({listener}) for {ms} ms after {failures} failed authentications",
        { client, listener: options.listener, ms: this.lockoutMs, failures: this.maxFailures },
      );
    }
    this.#clients.set(client, state);
    while (this.#clients.size > this.#maxClients) {
      const oldest = this.#clients.keys().next().value;
      if (oldest === undefined) break;
      this.#clients.delete(oldest);
    }
    this.#emit({ client, listener: options.listener, reason: "invalid_key" });
    return lockout;
  }

  /**
   * Calls `listener` for every failed or refused attempt (e.g. to count
   * `weir_auth_failures_total`).
   *
   * @param listener The callback; it must not throw.
   * @returns A function that removes it again.
   */
  onFailure(listener: (event: AuthFailureEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(event: AuthFailureEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
