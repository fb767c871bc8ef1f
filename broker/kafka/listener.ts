/**
 * {@linkcode KafkaListener}: accepts Kafka clients on a TCP port and serves
 * each connection with a {@linkcode KafkaConnection}. AsyncDisposable:
 * `close()` stops accepting, closes every connection and waits for them.
 *
 * With `tls` set the port speaks TLS only (Kafka's `SSL` listener, or
 * `SASL_SSL` when `auth` is on too): each connection's handshake runs in
 * that connection, so a client that fails it (a plaintext client, an
 * untrusted certificate) loses only its own connection.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { KafkaApi, KafkaBackend, KafkaBrokerAddress, KafkaTopology } from "./handler.ts";
import { KafkaConnection } from "./connection.ts";
import type { AuthStore } from "../auth/mod.ts";

const logger = getLogger(["weir", "kafka"]);

/** Options of {@linkcode KafkaListener.listen}. */
export interface KafkaListenerOptions {
  /** The broker. */
  backend: KafkaBackend;
  /** APIs served (e.g. `createKafkaApiRegistry().apis`). */
  apis: ReadonlyMap<number, KafkaApi>;
  /** Interface to bind (default 127.0.0.1). */
  hostname?: string;
  /** Port; 0 = any free port (default 0). */
  port?: number;
  /** Kafka node id reported to clients (default 1). */
  nodeId?: number;
  /** Host reported to clients in Metadata (default: the bound address). */
  advertisedHost?: string;
  /** Largest request frame in bytes (default 8 MiB + 64 KiB). */
  maxRequestBytes?: number;
  /** Most requests read ahead per connection (default 32). */
  maxQueuedRequests?: number;
  /** Most open connections; more are closed at once (default 1024). */
  maxConnections?: number;
  /** Principals and grants (`--auth-file`): SASL/PLAIN required when set. */
  auth?: AuthStore | null;
  /** The other brokers (cluster mode), for Metadata and FindCoordinator; absent = this node alone. */
  topology?: KafkaTopology;
  /**
   * Close a connection with no bytes received and no request in progress for this long
   * (ms; default 600 000 as Kafka's `connections.max.idle.ms`; 0 = never).
   */
  idleTimeoutMs?: number;
  /**
   * PEM certificate chain and private key (`--tls-cert`/`--tls-key`): the port accepts TLS only.
   * Null or absent = plaintext.
   */
  tls?: KafkaListenerTls | null;
}

/** The PEM texts of a TLS Kafka listener (as `loadSecurity()` reads them). */
export interface KafkaListenerTls {
  /** PEM certificate chain (server certificate first). */
  cert: string;
  /** PEM private key of the certificate. */
  key: string;
}

/** A listening Kafka wire-protocol server. */
export class KafkaListener implements AsyncDisposable {
  readonly #listener: Deno.Listener<Deno.Conn, Deno.NetAddr>;
  readonly #options: KafkaListenerOptions;
  readonly #connections = new Set<KafkaConnection>();
  readonly #self: KafkaBrokerAddress;
  readonly #accepting: Promise<void>;
  #nextId = 1;
  #closing: Promise<void> | null = null;

  private constructor(
    listener: Deno.Listener<Deno.Conn, Deno.NetAddr>,
    options: KafkaListenerOptions,
  ) {
    this.#listener = listener;
    this.#options = options;
    const addr = listener.addr;
    const bound = addr.hostname === "0.0.0.0" || addr.hostname === "::"
      ? "127.0.0.1"
      : addr.hostname;
    this.#self = {
      nodeId: options.nodeId ?? 1,
      host: options.advertisedHost ?? bound,
      port: addr.port,
    };
    this.#accepting = this.#acceptLoop();
  }

  /**
   * Binds the port and starts accepting.
   *
   * @param options Backend, APIs, address and limits.
   * @returns The listener.
   * @throws {Deno.errors.AddrInUse} when the port is taken.
   * @throws {Error} when `tls` holds a certificate or key that does not parse.
   *
   * @example Listen on a free port
   * ```ts ignore
   * await using kafka = KafkaListener.listen({ backend: node, apis: createKafkaApiRegistry().apis });
   * console.log(`Kafka listener on ${kafka.address.host}:${kafka.address.port}`);
   * ```
   */
  static listen(options: KafkaListenerOptions): KafkaListener {
    const hostname = options.hostname ?? "127.0.0.1";
    const port = options.port ?? 0;
    const tls = options.tls ?? null;
    const listener: Deno.Listener<Deno.Conn, Deno.NetAddr> = tls === null
      ? Deno.listen({ hostname, port, transport: "tcp" })
      : Deno.listenTls({ hostname, port, transport: "tcp", cert: tls.cert, key: tls.key });
    return new KafkaListener(listener, options);
  }

  /** Whether the port speaks TLS. */
  get tls(): boolean {
    return (this.#options.tls ?? null) !== null;
  }

  /** Where clients connect (the advertised host and the bound port) and this node's id. */
  get address(): KafkaBrokerAddress {
    return this.#self;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  async #acceptLoop(): Promise<void> {
    const maxConnections = this.#options.maxConnections ?? 1024;
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (e) {
        if (this.#closing === null) {
          logger.error("Kafka listener stopped accepting: {error}", { error: String(e) });
        }
        return;
      }
      if (this.#closing !== null || this.#connections.size >= maxConnections) {
        if (this.#closing === null) {
          logger.warn("Kafka listener: {max} connections open, refusing one", {
            max: maxConnections,
          });
        }
        try {
          conn.close();
        } catch { /* gone */ }
        continue;
      }
      const connection = new KafkaConnection(conn, {
        id: this.#nextId++,
        backend: this.#options.backend,
        self: this.#self,
        apis: this.#options.apis,
        maxRequestBytes: this.#options.maxRequestBytes ?? 8 * 1024 * 1024 + 64 * 1024,
        maxQueuedRequests: this.#options.maxQueuedRequests ?? 32,
        auth: this.#options.auth ?? null,
        ...(this.#options.topology === undefined ? {} : { topology: this.#options.topology }),
        idleTimeoutMs: this.#options.idleTimeoutMs ?? 600_000,
      });
      this.#connections.add(connection);
      connection.done.finally(() => this.#connections.delete(connection));
    }
  }

  /** Stops accepting, closes every connection and waits for them. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        this.#listener.close();
      } catch { /* already closed */ }
      await this.#accepting;
      await Promise.all([...this.#connections].map((c) => c.close()));
    })();
    return this.#closing;
  }

  /** Same as {@linkcode KafkaListener.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
