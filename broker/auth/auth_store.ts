/**
 * {@linkcode AuthStore}: authentication by API key and authorization by
 * grants, pure and transport-free, shared by the HTTP edge and the Kafka
 * listener (SASL/PLAIN).
 *
 * - Keys are compared as SHA-256 digests against every principal's digest,
 *   byte by byte with XOR, without an early exit, so the time taken does not
 *   tell which principal (or how many bytes) matched.
 * - Authorization is default deny: an operation on a resource is allowed only
 *   when some grant's glob matches the resource and names the operation.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import type { AuthFile } from "./auth_file.ts";
import { AuthFailureLimiter } from "./auth_failure_limiter.ts";
import { globToRegExp } from "./glob.ts";
import { AUTH_OPERATIONS, type AuthOperation, type Principal } from "./principal.ts";

interface CompiledGrant {
  readonly pattern: RegExp;
  readonly operations: ReadonlySet<AuthOperation>;
}

interface Entry {
  readonly digest: Uint8Array;
  readonly principal: Principal;
  readonly grants: readonly CompiledGrant[];
}

/** Options of {@linkcode AuthStore}. */
export interface AuthStoreOptions {
  /** Failed-authentication limiter shared by every listener (default: one with its defaults). */
  failures?: AuthFailureLimiter;
}

/** The kinds of resource a grant can name. */
export type ResourceKind = "topic" | "group" | "cluster";

/**
 * Principals and their grants, from a validated auth file.
 *
 * @example Authenticate and authorize
 * ```ts
 * import { AuthStore, hashApiKey } from "./mod.ts";
 * import { assert, assertEquals } from "@std/assert";
 *
 * const store = new AuthStore({
 *   principals: [{
 *     name: "app",
 *     keySha256: hashApiKey("s3cret"),
 *     allow: [{ resource: "topic:orders*", operations: ["produce"] }],
 *   }],
 * });
 * const app = store.authenticate("s3cret");
 * assertEquals(app?.name, "app");
 * assertEquals(store.authenticate("wrong"), null);
 * assert(store.authorize(app!, "topic:orders-eu", "produce"));
 * assert(!store.authorize(app!, "topic:orders-eu", "consume"));
 * ```
 */
export class AuthStore {
  readonly #entries: readonly Entry[];
  readonly #byPrincipal: WeakMap<Principal, Entry>;
  /**
   * Failed authentications per client address. Callers (HTTP Bearer, UI
   * login, Kafka SASL/PLAIN) `check` it before {@linkcode AuthStore.authenticate}
   * and `fail` it after a wrong key; `authenticate` itself stays pure.
   */
  readonly failures: AuthFailureLimiter;

  /**
   * Compiles a validated auth file (see `readAuthFile`, `parseAuthFile`).
   *
   * @param file The file.
   * @param options The failed-authentication limiter.
   */
  constructor(file: AuthFile, options: AuthStoreOptions = {}) {
    this.failures = options.failures ?? new AuthFailureLimiter();
    this.#byPrincipal = new WeakMap();
    this.#entries = file.principals.map((p) => {
      const principal: Principal = Object.freeze({
        name: p.name,
        allow: Object.freeze(p.allow.map((g) =>
          Object.freeze({
            resource: g.resource,
            operations: Object.freeze(
              g.operations.includes("*")
                ? [...AUTH_OPERATIONS]
                : [...new Set(g.operations as AuthOperation[])],
            ),
          })
        )),
      });
      const entry: Entry = {
        digest: new Uint8Array(Buffer.from(p.keySha256.toLowerCase(), "hex")),
        principal,
        grants: principal.allow.map((g) => ({
          pattern: globToRegExp(g.resource),
          operations: new Set(g.operations),
        })),
      };
      this.#byPrincipal.set(principal, entry);
      return entry;
    });
  }

  /** How many principals the store knows. */
  get size(): number {
    return this.#entries.length;
  }

  /**
   * Finds the principal whose key this is. Every principal's digest is
   * compared in full (no early exit on a mismatch or on the match).
   *
   * @param key The API key as sent (e.g. the Bearer token).
   * @returns The principal, or `null` for an unknown key.
   */
  authenticate(key: string): Principal | null {
    const digest = createHash("sha256").update(key, "utf8").digest();
    let found: Principal | null = null;
    for (const entry of this.#entries) {
      let diff = 0;
      for (let i = 0; i < entry.digest.length; i++) diff |= entry.digest[i]! ^ digest[i]!;
      // Both branches do the same work: one assignment.
      found = diff === 0 ? entry.principal : found;
    }
    return found;
  }

  /**
   * Decides whether `principal` may do `operation` on `resource` (default deny).
   *
   * @param principal A principal this store returned from `authenticate`.
   * @param resource `topic:<name>`, `group:<id>` or `cluster`.
   * @param operation `produce`, `consume` or `admin`.
   * @returns True when a grant allows it.
   */
  authorize(principal: Principal, resource: string, operation: AuthOperation): boolean {
    const entry = this.#byPrincipal.get(principal);
    if (entry === undefined) return false;
    return entry.grants.some((g) => g.operations.has(operation) && g.pattern.test(resource));
  }

  /**
   * Whether `principal` has `operation` on at least one resource of a kind
   * (e.g. produce on some topic: enough to get an idempotent producer id).
   *
   * @param principal A principal this store returned.
   * @param options The kind of resource and the operation.
   * @returns True when some grant of that kind names the operation.
   */
  authorizeAny(
    principal: Principal,
    options: { kind: ResourceKind; operation: AuthOperation },
  ): boolean {
    const entry = this.#byPrincipal.get(principal);
    if (entry === undefined) return false;
    const prefix = options.kind === "cluster" ? "cluster" : `${options.kind}:`;
    return principal.allow.some((g) =>
      g.resource.startsWith(prefix) && g.operations.includes(options.operation)
    );
  }
}
