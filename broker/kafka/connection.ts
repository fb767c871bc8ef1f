/**
 * {@linkcode KafkaConnection}: one Kafka client's TCP (or TLS) connection. On
 * a TLS connection the handshake comes first (bounded by the idle timeout; a
 * failed handshake closes the connection). A read loop
 * cuts the byte stream into size-prefixed frames into a bounded queue (at
 * most `maxQueuedRequests` frames and `2 × maxRequestBytes` bytes; when full,
 * it stops reading and TCP pushes back on the client); a process loop answers
 * them one at a time, so pipelined requests are answered in order, as Kafka
 * does per connection.
 *
 * Garbage closes the connection: a negative size or one above
 * `maxRequestBytes`, a header or body that does not parse, an unknown API
 * key, a version out of range (except ApiVersions, answered with
 * UNSUPPORTED_VERSION as Kafka does). Nothing is answered after garbage; the
 * listener itself is never affected.
 *
 * With auth on (`auth`), only ApiVersions, SaslHandshake and SaslAuthenticate
 * are served before a SASL/PLAIN authentication succeeds; anything else, or
 * a failed authentication, closes the connection. A SaslHandshake v0 is
 * followed by a bare token frame, answered with an empty frame.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { WeirError } from "../../client/protocol/mod.ts";
import type {
  ConnectionState,
  KafkaApi,
  KafkaBackend,
  KafkaBrokerAddress,
  KafkaRequestContext,
  KafkaTopology,
} from "./handler.ts";
import { encodeResponsePrefix, readRequestHeader } from "./protocol/frame.ts";
import { KafkaReader } from "./protocol/reader.ts";
import { API_KEYS } from "./protocol/api_keys.ts";
import { KAFKA_ERRORS } from "./protocol/error_codes.ts";
import { encodeApiVersionsResponse } from "./apis/api_versions.ts";
import { authenticatePlain } from "./apis/sasl_plain.ts";
import type { AuthStore } from "../auth/mod.ts";

const logger = getLogger(["weir", "kafka"]);

/** APIs an unauthenticated connection may use when auth is on. */
const BEFORE_AUTH: ReadonlySet<number> = new Set([
  API_KEYS.ApiVersions,
  API_KEYS.SaslHandshake,
  API_KEYS.SaslAuthenticate,
]);
/** Bodies up to this size are sent in one write together with the header. */
const COALESCE_BYTES = 64 * 1024;

/** Options of {@linkcode KafkaConnection}. */
export interface KafkaConnectionOptions {
  /** Listener-unique id. */
  id: number;
  /** The broker. */
  backend: KafkaBackend;
  /** This node's Kafka listener. */
  self: KafkaBrokerAddress;
  /** APIs served. */
  apis: ReadonlyMap<number, KafkaApi>;
  /** Largest request frame (bytes, without the size prefix). */
  maxRequestBytes: number;
  /** Most requests read ahead of the one being answered. */
  maxQueuedRequests: number;
  /** Principals and grants (`--auth-file`); null or absent = no authentication. */
  auth?: AuthStore | null;
  /** The other brokers (cluster mode); absent = this node alone. */
  topology?: KafkaTopology;
  /** Close after this long with no bytes received and no request in progress (ms; 0 = never). */
  idleTimeoutMs?: number;
}

/** One client connection: framing, dispatch, in-order answers. */
export class KafkaConnection implements AsyncDisposable {
  readonly #conn: Deno.Conn;
  readonly #options: KafkaConnectionOptions;
  readonly #abort = new AbortController();
  readonly #state: ConnectionState;
  readonly #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #readDone = false;
  #wake: PromiseWithResolvers<void> = Promise.withResolvers();
  #closed = false;
  /** After a SaslHandshake v0 the next frame is a bare SASL token. */
  #rawSasl = false;
  #busy = false;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Settles when both loops have ended and the socket is closed. */
  readonly done: Promise<void>;

  /**
   * Starts serving `conn`.
   *
   * @param conn An accepted TCP or TLS connection (owned from now on).
   * @param options Limits and dispatch table.
   */
  constructor(conn: Deno.Conn, options: KafkaConnectionOptions) {
    this.#conn = conn;
    this.#options = options;
    const remote = conn.remoteAddr as Deno.NetAddr;
    this.#state = {
      id: options.id,
      remote: `${remote.hostname}:${remote.port}`,
      signal: this.#abort.signal,
      principal: null,
      saslMechanism: null,
    };
    this.done = this.#run();
  }

  /** Peer address, `host:port`. */
  get remote(): string {
    return this.#state.remote;
  }

  async #run(): Promise<void> {
    try {
      if ("setNoDelay" in this.#conn) (this.#conn as Deno.TcpConn).setNoDelay(true);
    } catch { /* not a TCP socket */ }
    this.#touch();
    if (!(await this.#handshake())) {
      this.#readDone = true;
      this.#shut();
      return;
    }
    await Promise.all([this.#readLoop(), this.#processLoop()]);
    this.#shut();
  }

  /**
   * Completes the TLS handshake of a TLS connection (a no-op for plain TCP), bounded by the idle
   * timer; false when it failed (a plaintext client, an untrusted certificate, a timeout).
   */
  async #handshake(): Promise<boolean> {
    if (!("handshake" in this.#conn)) return true;
    try {
      await (this.#conn as Deno.TlsConn).handshake();
      return true;
    } catch (e) {
      if (!this.#closed) {
        logger.info("Kafka connection {remote}: TLS handshake failed, closing: {error}", {
          remote: this.#state.remote,
          error: e instanceof Error ? e.message : String(e),
        });
      }
      return false;
    }
  }

  /** Restarts the idle timer (Kafka's `connections.max.idle.ms`). */
  #touch(): void {
    const ms = this.#options.idleTimeoutMs ?? 0;
    if (ms <= 0 || this.#closed) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#busy || this.#queue.length > 0) return this.#touch();
      logger.debug("Kafka connection {remote}: idle for {ms} ms, closing", {
        remote: this.#state.remote,
        ms,
      });
      this.#shut();
    }, ms);
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = Promise.withResolvers();
    w.resolve();
  }

  #full(): boolean {
    return this.#queue.length >= this.#options.maxQueuedRequests ||
      this.#queuedBytes >= 2 * this.#options.maxRequestBytes;
  }

  async #readLoop(): Promise<void> {
    const max = this.#options.maxRequestBytes;
    let buf = new Uint8Array(64 * 1024);
    let start = 0;
    let end = 0;
    try {
      while (!this.#closed) {
        let want = 0;
        while (end - start >= 4) {
          const size = new DataView(buf.buffer, buf.byteOffset + start, 4).getInt32(0);
          if (size < 0 || size > max) {
            logger.warn("Kafka connection {remote}: frame size {size} out of range, closing", {
              remote: this.#state.remote,
              size,
            });
            this.#shut();
            return;
          }
          if (end - start < 4 + size) {
            want = 4 + size;
            break;
          }
          const frame = buf.slice(start + 4, start + 4 + size);
          start += 4 + size;
          while (this.#full() && !this.#closed) await this.#wake.promise;
          if (this.#closed) return;
          this.#queue.push(frame);
          this.#queuedBytes += frame.byteLength;
          this.#notify();
        }
        if (start === end) {
          start = end = 0;
        } else if (start > 0 && (want > buf.byteLength - start || buf.byteLength - end < 4096)) {
          buf.copyWithin(0, start, end);
          end -= start;
          start = 0;
        }
        if (want > buf.byteLength && end === buf.byteLength) {
          // Grow as bytes arrive (not to the announced size at once), so a client that announces
          // a large frame and sends little holds little memory.
          const next = new Uint8Array(Math.min(want, buf.byteLength * 2));
          next.set(buf.subarray(start, end));
          end -= start;
          start = 0;
          buf = next;
        } else if (want === 0 && buf.byteLength > 1024 * 1024 && end - start < 64 * 1024) {
          // Shrink back after a large frame so an idle connection holds little memory.
          const next = new Uint8Array(64 * 1024);
          next.set(buf.subarray(start, end));
          end -= start;
          start = 0;
          buf = next;
        }
        const n = await this.#conn.read(buf.subarray(end));
        if (n === null) return;
        end += n;
        this.#touch();
      }
    } catch (e) {
      if (!this.#closed) {
        logger.debug("Kafka connection {remote}: read failed: {error}", {
          remote: this.#state.remote,
          error: String(e),
        });
      }
    } finally {
      this.#readDone = true;
      // The peer is gone: stop long polls; queued requests (acks=0 produce) are still applied.
      this.#abort.abort();
      this.#notify();
    }
  }

  async #processLoop(): Promise<void> {
    while (!this.#closed) {
      const frame = this.#queue.shift();
      if (frame === undefined) {
        if (this.#readDone) return;
        await this.#wake.promise;
        continue;
      }
      this.#queuedBytes -= frame.byteLength;
      this.#notify();
      let ok: boolean;
      this.#busy = true;
      try {
        ok = await this.#answer(frame);
      } catch (e) {
        if (!this.#closed) {
          logger.warn("Kafka connection {remote}: {error}; closing", {
            remote: this.#state.remote,
            error: e instanceof Error ? e.message : String(e),
          });
        }
        ok = false;
      } finally {
        this.#busy = false;
        this.#touch();
      }
      if (!ok) {
        this.#shut();
        return;
      }
    }
  }

  /** Answers one frame; false when the connection must close. */
  async #answer(frame: Uint8Array): Promise<boolean> {
    const auth = this.#options.auth ?? null;
    if (this.#rawSasl) {
      // SASL v0 framing: a bare PLAIN token; success is an empty frame.
      this.#rawSasl = false;
      const principal = auth === null
        ? null
        : authenticatePlain(auth, frame, { remote: this.#state.remote });
      if (principal === null) {
        logger.info("Kafka connection {remote}: SASL/PLAIN authentication failed, closing", {
          remote: this.#state.remote,
        });
        return false;
      }
      this.#state.principal = principal;
      await this.#writeAll(new Uint8Array(4));
      return true;
    }
    const reader = new KafkaReader(frame);
    const header = readRequestHeader(reader);
    if (auth !== null && this.#state.principal === null && !BEFORE_AUTH.has(header.apiKey)) {
      logger.info("Kafka connection {remote}: API key {key} before SASL authentication, closing", {
        remote: this.#state.remote,
        key: header.apiKey,
      });
      return false;
    }
    const api = this.#options.apis.get(header.apiKey);
    if (api === undefined) {
      logger.warn("Kafka connection {remote}: unsupported API key {key}, closing", {
        remote: this.#state.remote,
        key: header.apiKey,
      });
      return false;
    }
    if (header.apiVersion < api.minVersion || header.apiVersion > api.maxVersion) {
      if (header.apiKey === API_KEYS.ApiVersions && header.apiVersion > api.maxVersion) {
        // Kafka answers a too-new ApiVersions with a v0 body: error 35 and the ranges.
        const body = encodeApiVersionsResponse(this.#options.apis, {
          version: 0,
          errorCode: KAFKA_ERRORS.UNSUPPORTED_VERSION,
        });
        await this.#write(header.correlationId, body, false);
        return true;
      }
      logger.warn("Kafka connection {remote}: {api} v{version} is not supported, closing", {
        remote: this.#state.remote,
        api: api.name,
        version: header.apiVersion,
      });
      return false;
    }
    const flexible = api.flexibleFrom !== undefined && header.apiVersion >= api.flexibleFrom;
    reader.tags(flexible);
    const ctx: KafkaRequestContext = {
      backend: this.#options.backend,
      self: this.#options.self,
      ...(this.#options.topology === undefined ? {} : { topology: this.#options.topology }),
      apis: this.#options.apis,
      connection: this.#state,
      auth,
    };
    const body = await api.handle(ctx, {
      apiKey: header.apiKey,
      apiVersion: header.apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId,
      flexible,
      body: reader,
    });
    if (body === null) return true;
    // ApiVersions always answers with response header v0.
    await this.#write(
      header.correlationId,
      body,
      flexible && header.apiKey !== API_KEYS.ApiVersions,
    );
    if (header.apiKey === API_KEYS.SaslAuthenticate && this.#state.principal === null) {
      return false; // a failed authentication closes the connection, as Kafka does
    }
    if (
      header.apiKey === API_KEYS.SaslHandshake && header.apiVersion === 0 &&
      this.#state.saslMechanism !== null && this.#state.principal === null
    ) {
      this.#rawSasl = true;
    }
    return true;
  }

  async #write(correlationId: number, body: Uint8Array, flexible: boolean): Promise<void> {
    const prefix = encodeResponsePrefix(correlationId, body.byteLength, { flexible });
    if (body.byteLength <= COALESCE_BYTES) {
      const one = new Uint8Array(prefix.byteLength + body.byteLength);
      one.set(prefix);
      one.set(body, prefix.byteLength);
      await this.#writeAll(one);
    } else {
      await this.#writeAll(prefix);
      await this.#writeAll(body);
    }
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.byteLength) {
      if (this.#closed) {
        throw new WeirError(
          "NETWORK_EXCEPTION",
          "Cannot answer a Kafka request: connection closed",
        );
      }
      off += await this.#conn.write(bytes.subarray(off));
    }
  }

  #shut(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    this.#abort.abort();
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    this.#notify();
  }

  /** Closes the socket at once (answers in flight are dropped) and waits for the loops. Idempotent. */
  async close(): Promise<void> {
    this.#shut();
    await this.done;
  }

  /** Same as {@linkcode KafkaConnection.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
