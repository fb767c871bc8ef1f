/**
 * Quotas (`--quota-produce-bytes`, `--quota-fetch-bytes`,
 * `--quota-requests`, all per second and off by default), per principal
 * when auth is on, else per client IP. Each client has one
 * {@linkcode TokenBucket} per quota:
 *
 * - requests take one token each before anything else is done;
 * - produce bytes (the request body) are charged after the body is read,
 *   fetch bytes (the answer, streamed or not) as they are sent; a client in
 *   debt is throttled on its next produce or fetch until the debt is paid.
 *
 * A throttled request is answered 429 `THROTTLING_QUOTA_EXCEEDED` (a
 * retriable code, nothing written) with `Retry-After` in whole seconds; the
 * SDK waits that long before it retries. Each throttle calls `onThrottle`
 * (the broker counts it as `weir_throttled_requests_total{principal,kind}`).
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { WeirError } from "../../client/protocol/mod.ts";
import { principalOf, replaceBody } from "./auth_principal.ts";
import { TokenBucket } from "./quota_bucket.ts";

/** What a quota limits. */
export type QuotaKind = "produce" | "fetch" | "request";

/** Options of {@linkcode Quotas}. */
export interface QuotaOptions {
  /** Produce bytes per second per client (request bodies); unset = no limit. */
  produceBytesPerSec?: number | undefined;
  /** Fetch bytes per second per client (answer bodies); unset = no limit. */
  fetchBytesPerSec?: number | undefined;
  /** Requests per second per client; unset = no limit. */
  requestsPerSec?: number | undefined;
  /** Clock in ms (default `Date.now`). */
  now?: () => number;
  /** Called for each throttled request. */
  onThrottle?: (principal: string, kind: QuotaKind) => void;
  /** Most clients tracked; the least recently seen is forgotten past it (default 10,000). */
  maxClients?: number;
}

interface Buckets {
  request?: TokenBucket;
  produce?: TokenBucket;
  fetch?: TokenBucket;
}

const PRODUCE_PATH = /^\/v1\/topics\/[^/]+\/(records|partitions\/[^/]+\/batches)$/;
const FETCH_PATH = /^\/v1\/topics\/[^/]+\/partitions\/[^/]+\/(records|batches|stream)$/;

/**
 * The kind of byte quota a request falls under.
 *
 * @param method HTTP method.
 * @param path URL path.
 * @returns `produce`, `fetch` or `null`.
 */
export function byteQuotaKind(method: string, path: string): "produce" | "fetch" | null {
  if (method === "POST" && PRODUCE_PATH.test(path)) return "produce";
  if ((method === "GET" || method === "HEAD") && FETCH_PATH.test(path)) return "fetch";
  return null;
}

/**
 * Who a request counts against: the principal's name, else the client IP.
 *
 * @param c The request context.
 * @returns E.g. `app` or `ip:10.0.0.7`.
 */
export function quotaClient(c: Context): string {
  const principal = principalOf(c);
  if (principal !== undefined) return principal.name;
  const env = c.env as { remoteAddr?: { hostname?: unknown } } | undefined;
  const host = env?.remoteAddr?.hostname;
  return `ip:${typeof host === "string" ? host : "unknown"}`;
}

/**
 * Per-client quota state and the two middlewares that enforce it.
 *
 * @example No quota set: nothing is throttled
 * ```ts
 * import { Quotas } from "./quota_middleware.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(new Quotas({}).enabled, false);
 * assertEquals(new Quotas({ requestsPerSec: 100 }).enabled, true);
 * ```
 */
export class Quotas {
  readonly #options: QuotaOptions;
  readonly #now: () => number;
  readonly #clients = new Map<string, Buckets>();
  readonly #max: number;

  /**
   * Creates the quota table.
   *
   * @param options Rates, clock, throttle hook.
   */
  constructor(options: QuotaOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#max = options.maxClients ?? 10_000;
  }

  /** Whether any quota is set. */
  get enabled(): boolean {
    const o = this.#options;
    return o.produceBytesPerSec !== undefined || o.fetchBytesPerSec !== undefined ||
      o.requestsPerSec !== undefined;
  }

  /**
   * Middleware run before the body is read: takes a request token and
   * refuses produce/fetch requests of a client in byte debt.
   *
   * @returns The middleware.
   * @throws {WeirError} `THROTTLING_QUOTA_EXCEEDED` (429), through the app's onError.
   */
  gate(): MiddlewareHandler {
    return async (c, next) => {
      if (c.req.path === "/healthz" || c.req.path === "/readyz") return await next();
      const client = quotaClient(c);
      const buckets = this.#buckets(client);
      if (buckets.request !== undefined) {
        const wait = buckets.request.tryTake(1);
        if (wait > 0) this.#throttle(c, { client, kind: "request", waitMs: wait });
      }
      const kind = byteQuotaKind(c.req.method, c.req.path);
      const bucket = kind === null ? undefined : buckets[kind];
      if (kind !== null && bucket !== undefined) {
        const wait = bucket.waitMs();
        if (wait > 0) this.#throttle(c, { client, kind, waitMs: wait });
      }
      await next();
    };
  }

  /**
   * Middleware run after the body limit: charges produce bodies, and fetch
   * answers as they are sent.
   *
   * @returns The middleware.
   */
  meter(): MiddlewareHandler {
    return async (c, next) => {
      const kind = byteQuotaKind(c.req.method, c.req.path);
      const bucket = kind === null ? undefined : this.#buckets(quotaClient(c))[kind];
      if (kind === null || bucket === undefined) return await next();
      if (kind === "produce") {
        let size = 0;
        try {
          size = (await c.req.arrayBuffer()).byteLength;
        } catch {
          // an unreadable body is the route's 400; nothing to charge
        }
        bucket.charge(size);
        return await next();
      }
      await next();
      if (!c.res.ok || c.res.body === null) return;
      const length = Number(c.res.headers.get("content-length") ?? NaN);
      if (Number.isSafeInteger(length) && length >= 0) {
        bucket.charge(length);
        return;
      }
      const counted = c.res.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            bucket.charge(chunk.byteLength);
            controller.enqueue(chunk);
          },
        }),
      );
      replaceBody(c, counted);
    };
  }

  #throttle(c: Context, what: { client: string; kind: QuotaKind; waitMs: number }): never {
    this.#options.onThrottle?.(what.client, what.kind);
    const seconds = Math.max(1, Math.ceil(what.waitMs / 1000));
    c.header("Retry-After", String(seconds));
    const quota = what.kind === "request" ? "request-rate" : `${what.kind} byte-rate`;
    throw new WeirError(
      "THROTTLING_QUOTA_EXCEEDED",
      `Cannot accept the request: ${JSON.stringify(what.client)} is over its ${quota} quota; ` +
        `retry in ${seconds} s`,
    );
  }

  #buckets(client: string): Buckets {
    let buckets = this.#clients.get(client);
    if (buckets !== undefined) {
      this.#clients.delete(client); // re-insert: most recently seen last
      this.#clients.set(client, buckets);
      return buckets;
    }
    const now = this.#now;
    const o = this.#options;
    buckets = {};
    if (o.requestsPerSec !== undefined) {
      buckets.request = new TokenBucket({ ratePerSec: o.requestsPerSec, now });
    }
    if (o.produceBytesPerSec !== undefined) {
      buckets.produce = new TokenBucket({ ratePerSec: o.produceBytesPerSec, now });
    }
    if (o.fetchBytesPerSec !== undefined) {
      buckets.fetch = new TokenBucket({ ratePerSec: o.fetchBytesPerSec, now });
    }
    while (this.#clients.size >= this.#max) {
      const oldest = this.#clients.keys().next().value;
      if (oldest === undefined) break;
      this.#clients.delete(oldest);
    }
    this.#clients.set(client, buckets);
    return buckets;
  }
}
