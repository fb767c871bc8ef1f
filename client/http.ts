/**
 * The SDK's one door to the broker: {@linkcode HttpClient} sends requests
 * with `fetch`, turns `{ error: { code, message } }` answers into
 * {@linkcode WeirError}s, retries retriable codes (the `retriable` column of
 * `ERROR_CODES`, plus network failures as `NETWORK_EXCEPTION`) with capped
 * exponential backoff, and aborts on a connection-wide signal or a per-call
 * one. It uses only web APIs (`fetch`, `AbortSignal`, `setTimeout`), so it
 * runs on Deno, Node ≥ 20, Bun and browsers.
 *
 * @module
 */
import type { z } from "zod";
import { ErrorBodySchema, WeirError } from "./protocol/mod.ts";

/** A `fetch`-compatible function (the global one, or e.g. a Hono app's `request`). */
export type FetchLike = (
  input: string | URL | Request,
  init?: RequestInit,
) => Response | Promise<Response>;

/** How failed requests with a retriable code are retried. */
export interface RetryOptions {
  /** Retries after the first attempt (default 5; 0 = never retry). */
  retries?: number;
  /** Delay before the first retry in ms (default 50); doubled each time. */
  initialDelayMs?: number;
  /** Cap of the delay in ms (default 2,000). */
  maxDelayMs?: number;
}

/** Options of {@linkcode HttpClient}. */
export interface HttpClientOptions {
  /** Base URL of the broker, e.g. `http://127.0.0.1:9021`. */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** The fetch to use (default: the global `fetch`). */
  fetch?: FetchLike;
  /** Aborts every request of this client. */
  signal?: AbortSignal;
  /** Retry policy for retriable codes. */
  retry?: RetryOptions;
}

/** Options of one request. */
export interface RequestOptions {
  /** HTTP method (default GET). */
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  /** Query parameters; `undefined` values are left out. */
  query?: Record<string, string | number | undefined>;
  /** A JSON body (sets `Content-Type: application/json`). */
  json?: unknown;
  /** A binary body; give its `Content-Type` in `headers`. */
  body?: Uint8Array;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Aborts this request (and its retries). */
  signal?: AbortSignal;
  /** Whether retriable failures are retried (default true). */
  retry?: boolean;
}

const DEFAULT_RETRY: Required<RetryOptions> = { retries: 5, initialDelayMs: 50, maxDelayMs: 2_000 };

/** The longest `Retry-After` the client waits for (a larger one is cut to this). */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Reads a `Retry-After` header (seconds, or an HTTP date) as a delay.
 *
 * @param response The error response.
 * @param now The current time in ms (for an HTTP date).
 * @returns The delay in ms (at most {@linkcode MAX_RETRY_AFTER_MS}), or 0 without a valid header.
 *
 * @example Seconds
 * ```ts
 * import { retryAfterMs } from "./http.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const res = new Response(null, { status: 429, headers: { "retry-after": "2" } });
 * assertEquals(retryAfterMs(res), 2000);
 * ```
 */
export function retryAfterMs(response: Response, now: number = Date.now()): number {
  const raw = response.headers.get("retry-after")?.trim();
  if (raw === undefined || raw === "") return 0;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(raw)) {
    ms = Number(raw) * 1000;
  } else {
    const at = Date.parse(raw);
    if (Number.isNaN(at)) return 0;
    ms = at - now;
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.ceil(ms)));
}

/**
 * Waits `ms` or until `signal` aborts (then rejects with `REQUEST_ABORTED`).
 *
 * @param ms Delay in ms.
 * @param signal Abort signal.
 */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(aborted(signal));
    const onAbort = (): void => {
      clearTimeout(id);
      reject(aborted(signal));
    };
    const id = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function aborted(signal: AbortSignal): WeirError {
  const reason = signal.reason;
  if (reason instanceof WeirError) return reason;
  return new WeirError("REQUEST_ABORTED", "Cannot complete the request: it was aborted", {
    cause: reason,
  });
}

/**
 * Turns an error answer into a {@linkcode WeirError}: the body's
 * `{ error: { code, message } }` when present, else a code from the status.
 *
 * @param response A response with a 4xx/5xx status.
 * @param what What was being done, for a message without a body (`Cannot <what>`).
 * @returns The error (the body is consumed).
 */
export async function errorFromResponse(response: Response, what: string): Promise<WeirError> {
  let text = "";
  try {
    text = await response.text();
  } catch {
    // a body that cannot be read still has a status
  }
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) return new WeirError(parsed.data.error.code, parsed.data.error.message);
  } catch {
    // not JSON: fall through to the status
  }
  const code = response.status === 404
    ? "NOT_FOUND"
    : response.status === 429
    ? "THROTTLING_QUOTA_EXCEEDED"
    : response.status === 502 || response.status === 503
    ? "BROKER_NOT_AVAILABLE"
    : response.status === 504
    ? "REQUEST_TIMED_OUT"
    : response.status >= 500
    ? "UNKNOWN_SERVER_ERROR"
    : "INVALID_REQUEST";
  return new WeirError(code, `Cannot ${what}: the broker answered HTTP ${response.status}`);
}

/**
 * A small HTTP client over an injectable `fetch` with Weir's error mapping,
 * retries and cancellation. `close()` aborts every request in flight and
 * makes later ones fail with `REQUEST_ABORTED`.
 */
export class HttpClient implements Disposable {
  /** Base URL without a trailing slash. */
  readonly url: string;
  readonly #fetch: FetchLike;
  readonly #apiKey: string | undefined;
  readonly #retry: Required<RetryOptions>;
  readonly #controller = new AbortController();
  readonly #unlink: () => void;

  /**
   * Creates a client.
   *
   * @param options Base URL, key, fetch, signal and retry policy.
   * @throws {WeirError} `INVALID_REQUEST` for a URL that is not http(s).
   */
  constructor(options: HttpClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch (cause) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot connect to ${JSON.stringify(options.url)}: not a URL`,
        { cause },
      );
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot connect to ${JSON.stringify(options.url)}: only http and https are supported`,
      );
    }
    this.url = options.url.replace(/\/+$/, "");
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#apiKey = options.apiKey;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    const outer = options.signal;
    if (outer === undefined) {
      this.#unlink = () => {};
    } else if (outer.aborted) {
      this.#controller.abort(outer.reason);
      this.#unlink = () => {};
    } else {
      const onAbort = (): void => this.#controller.abort(outer.reason);
      outer.addEventListener("abort", onAbort, { once: true });
      this.#unlink = () => outer.removeEventListener("abort", onAbort);
    }
  }

  /** Aborted when the client is closed or the connection-level signal aborts. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /**
   * The backoff before retry number `attempt` (0-based): `initialDelayMs ·
   * 2^attempt`, capped at `maxDelayMs`.
   *
   * @param attempt Retry index, from 0.
   * @returns The delay in ms.
   */
  backoffMs(attempt: number): number {
    return Math.min(this.#retry.maxDelayMs, this.#retry.initialDelayMs * 2 ** attempt);
  }

  /**
   * Sends a request and returns the successful response (2xx), retrying
   * retriable failures. The caller reads (or cancels) the body.
   *
   * @param path Path from the base URL, e.g. `/v1/topics`.
   * @param options Method, query, body, headers, signal.
   * @returns The response.
   * @throws {WeirError} The broker's code; `NETWORK_EXCEPTION` when the broker cannot be reached
   *   after the retries; `REQUEST_ABORTED` when aborted.
   */
  async request(path: string, options: RequestOptions = {}): Promise<Response> {
    const signal = options.signal === undefined
      ? this.#controller.signal
      : AbortSignal.any([this.#controller.signal, options.signal]);
    const method = options.method ?? "GET";
    const what = `${method} ${path}`;
    const url = this.#urlOf(path, options.query);
    const headers: Record<string, string> = { ...options.headers };
    if (this.#apiKey !== undefined) headers["authorization"] = `Bearer ${this.#apiKey}`;
    let body: BodyInit | undefined;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.body !== undefined) {
      body = options.body as Uint8Array<ArrayBuffer>;
    }
    const retries = options.retry === false ? 0 : this.#retry.retries;
    for (let attempt = 0;; attempt++) {
      if (signal.aborted) throw aborted(signal);
      let error: WeirError;
      let waitAtLeast = 0;
      try {
        const init: RequestInit = { method, headers, signal };
        if (body !== undefined) init.body = body;
        const response = await this.#fetch(url, init);
        if (response.ok) return response;
        waitAtLeast = retryAfterMs(response);
        error = await errorFromResponse(response, what);
      } catch (e) {
        if (signal.aborted) throw aborted(signal);
        error = e instanceof WeirError ? e : new WeirError(
          "NETWORK_EXCEPTION",
          `Cannot reach the broker for ${what}: ${e instanceof Error ? e.message : String(e)}`,
          { cause: e },
        );
      }
      if (!error.retriable || attempt >= retries) throw error;
      // A throttled (429) or unavailable (503) answer may say how long to wait: honour it.
      await delay(Math.max(this.backoffMs(attempt), waitAtLeast), signal);
    }
  }

  /**
   * Sends a request and parses the JSON answer with `schema`.
   *
   * @param path Path from the base URL.
   * @param schema Zod schema of the answer.
   * @param options Method, query, body, headers, signal.
   * @returns The parsed answer.
   * @throws {WeirError} As {@linkcode HttpClient.request}; `UNKNOWN_SERVER_ERROR` for an answer
   *   that does not match the schema.
   */
  async json<T>(path: string, schema: z.ZodType<T>, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(path, options);
    let data: unknown;
    try {
      data = await response.json();
    } catch (cause) {
      throw new WeirError(
        "UNKNOWN_SERVER_ERROR",
        `Cannot read the answer to ${options.method ?? "GET"} ${path}: not JSON`,
        { cause },
      );
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw new WeirError(
        "UNKNOWN_SERVER_ERROR",
        `Cannot read the answer to ${options.method ?? "GET"} ${path}: ${
          parsed.error.issues[0]?.message ?? "unexpected shape"
        }`,
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }

  /** Aborts every request in flight; idempotent. */
  close(): void {
    this.#unlink();
    if (!this.#controller.signal.aborted) {
      this.#controller.abort(
        new WeirError("REQUEST_ABORTED", "Cannot complete the request: the connection is closed"),
      );
    }
  }

  /** Same as {@linkcode HttpClient.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #urlOf(path: string, query: RequestOptions["query"]): string {
    let url = this.url + path;
    if (query !== undefined) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
      const text = params.toString();
      if (text !== "") url += `?${text}`;
    }
    return url;
  }
}
