/**
 * Request body limit (`--max-request-bytes`): bodies are read as a stream and
 * cut off with 413 `REQUEST_TOO_LARGE` as soon as they pass the limit, so an
 * oversized body is never buffered whole. A declared `Content-Length` over
 * the limit is refused before anything is read.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { WeirError } from "../../client/protocol/mod.ts";

/** Options of {@linkcode readBodyLimited}. */
export interface ReadBodyOptions {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /**
   * Deadline for the whole body, ms from the first read (default: none). A
   * slower body (slow-loris trickle, stalled client) is cancelled with 408
   * `REQUEST_BODY_TIMED_OUT`.
   */
  timeoutMs?: number;
}

function tooLarge(maxBytes: number): WeirError {
  return new WeirError(
    "REQUEST_TOO_LARGE",
    `Cannot read the request body: it is larger than the limit of ${maxBytes} bytes`,
  );
}

/**
 * Reads a request body into one `Uint8Array`, refusing it once it passes
 * `maxBytes`. With a valid `Content-Length` the bytes are read straight into
 * a buffer of that size; otherwise chunks are kept and joined once (a body
 * that arrives as one chunk is returned as is).
 *
 * @param request The request whose body to read.
 * @param options The limit.
 * @returns The body bytes (empty when there is no body).
 * @throws {WeirError} `REQUEST_TOO_LARGE` past the limit (the rest is not read),
 * `INVALID_REQUEST` when the body is shorter or longer than its `Content-Length`,
 * `REQUEST_BODY_TIMED_OUT` when it is not complete within `timeoutMs`.
 *
 * @example Cut a body off at the limit
 * ```ts
 * import { readBodyLimited } from "./body_limit.ts";
 * import { assertEquals, assertRejects } from "@std/assert";
 *
 * const ok = await readBodyLimited(new Request("http://x/", { method: "POST", body: "abc" }), { maxBytes: 3 });
 * assertEquals(ok.length, 3);
 * await assertRejects(() =>
 *   readBodyLimited(new Request("http://x/", { method: "POST", body: "abcd" }), { maxBytes: 3 })
 * );
 * ```
 */
export async function readBodyLimited(
  request: Request,
  options: ReadBodyOptions,
): Promise<Uint8Array> {
  const { maxBytes } = options;
  const body = request.body;
  if (body === null) return new Uint8Array(0);
  const declared = declaredLength(request);
  if (declared !== null && declared > maxBytes) {
    await body.cancel().catch(() => {});
    throw tooLarge(maxBytes);
  }
  const reader = body.getReader();
  const deadline = options.timeoutMs === undefined
    ? undefined
    : BODY_DEADLINES.add(reader, options.timeoutMs);
  try {
    const bytes = declared !== null
      ? await readExactly(reader, declared, deadline)
      : await readAll(reader, maxBytes, deadline);
    // The stream is closed now: no releaseLock() (it builds two TypeErrors with stacks).
    return bytes;
  } catch (e) {
    reader.releaseLock();
    throw e;
  } finally {
    if (deadline !== undefined) BODY_DEADLINES.delete(deadline);
  }
}

/** A body being read under a deadline; `expired` is set once the sweep cancelled it. */
interface BodyDeadline {
  readonly at: number;
  readonly timeoutMs: number;
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  expired: boolean;
}

/**
 * The deadlines of all bodies being read, swept by one timer armed for the
 * earliest of them (not a timer and a `Promise.race` per request). An expired
 * body's reader is cancelled, which ends its pending read; the reading loop
 * then sees `expired` and throws `REQUEST_BODY_TIMED_OUT`. The timer is
 * cleared once no body is being read, so an idle edge holds no timer.
 */
class DeadlineSweep {
  readonly #pending = new Set<BodyDeadline>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;

  add(reader: ReadableStreamDefaultReader<Uint8Array>, timeoutMs: number): BodyDeadline {
    const entry: BodyDeadline = {
      at: performance.now() + timeoutMs,
      timeoutMs,
      reader,
      expired: false,
    };
    this.#pending.add(entry);
    if (entry.at < this.#timerAt) this.#arm(entry.at);
    return entry;
  }

  delete(entry: BodyDeadline): void {
    this.#pending.delete(entry);
    if (this.#pending.size === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerAt = Infinity;
    }
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#sweep(), Math.max(0, at - performance.now()));
  }

  #sweep(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const entry of this.#pending) {
      if (entry.at <= now) {
        this.#pending.delete(entry);
        entry.expired = true;
        entry.reader.cancel().catch(() => {});
      } else if (entry.at < next) {
        next = entry.at;
      }
    }
    if (next !== Infinity) this.#arm(next);
  }
}

const BODY_DEADLINES = new DeadlineSweep();

function timedOut(deadline: BodyDeadline): WeirError {
  return new WeirError(
    "REQUEST_BODY_TIMED_OUT",
    `Cannot read the request body: it did not arrive within ${deadline.timeoutMs} ms`,
  );
}

async function readAll(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxBytes: number,
  deadline: BodyDeadline | undefined,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (deadline?.expired) throw timedOut(deadline);
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return join(chunks, size);
}

async function readExactly(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  length: number,
  deadline: BodyDeadline | undefined,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let at = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (deadline?.expired) throw timedOut(deadline);
    if (done) break;
    if (at + value.byteLength > length) {
      await reader.cancel().catch(() => {});
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot read the request body: it is longer than its Content-Length of ${length}`,
      );
    }
    out.set(value, at);
    at += value.byteLength;
  }
  if (at !== length) {
    throw new WeirError(
      "INVALID_REQUEST",
      `Cannot read the request body: got ${at} of ${length} bytes`,
    );
  }
  return out;
}

function join(chunks: Uint8Array[], size: number): Uint8Array {
  const only = chunks[0];
  if (chunks.length === 1 && only !== undefined) return only;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function declaredLength(request: Request): number | null {
  if (request.headers.has("transfer-encoding")) return null;
  const raw = request.headers.get("content-length");
  if (raw === null || !/^\d{1,15}$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

/** Options of {@linkcode bodyLimit}. */
export interface BodyLimitOptions {
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Deadline to receive one body, ms (default: none); see {@linkcode ReadBodyOptions}. */
  timeoutMs?: number;
}

/**
 * Middleware that reads every request body through {@linkcode readBodyLimited}
 * and leaves the bytes in Hono's body cache, so later `c.req.json()` and
 * `c.req.arrayBuffer()` (and the zod validators) use them without reading again.
 * JSON bodies are parsed here; malformed JSON is 400 `INVALID_REQUEST`.
 *
 * @param options The limit.
 * @returns The middleware.
 */
export function bodyLimit(options: BodyLimitOptions): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.raw;
    if (raw.body === null || raw.method === "GET" || raw.method === "HEAD") return await next();
    const bytes = await readBodyLimited(raw, {
      maxBytes: options.maxBytes,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
    // Hono keeps body promises in this cache (its type says otherwise).
    const cache = c.req.bodyCache as unknown as Record<string, Promise<unknown>>;
    cache.arrayBuffer = Promise.resolve(exactArrayBuffer(bytes));
    if (isJsonContentType(raw.headers.get("content-type"))) {
      cache.json = Promise.resolve(parseJsonBody(bytes));
    }
    await next();
  };
}

/** Returns true for `application/json` and `application/*+json`, with any parameters. */
export function isJsonContentType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const media = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return /^application\/([\w.-]+\+)?json$/.test(media);
}

function parseJsonBody(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new WeirError("INVALID_REQUEST", "Cannot parse the request body: it is not UTF-8", {
      cause,
    });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new WeirError("INVALID_REQUEST", "Cannot parse the request body: malformed JSON", {
      cause,
    });
  }
}

function exactArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const buffer = bytes.buffer;
  if (
    buffer instanceof ArrayBuffer && bytes.byteOffset === 0 &&
    bytes.byteLength === buffer.byteLength
  ) return buffer;
  return bytes.slice().buffer;
}
