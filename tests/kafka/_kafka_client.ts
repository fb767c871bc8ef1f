/**
 * A tiny hand-written Kafka client for tests: frames requests (header v1, or
 * v2 when `flexible`), reads size-prefixed responses in order, and exposes
 * the raw socket for sending garbage.
 *
 * @module
 */
import { KafkaReader, KafkaWriter } from "../../broker/kafka/mod.ts";

/** A decoded response: correlation id and a reader at the body. */
export interface RawResponse {
  /** Echoed correlation id. */
  correlationId: number;
  /** Reader positioned after the correlation id (tagged fields of header v1 not skipped). */
  body: KafkaReader;
}

/** A raw Kafka connection for tests. */
export class KafkaTestClient implements AsyncDisposable {
  readonly conn: Deno.TcpConn | Deno.TlsConn;
  #buf = new Uint8Array(0);
  #nextCorrelationId = 1;
  #closed = false;

  private constructor(conn: Deno.TcpConn | Deno.TlsConn) {
    this.conn = conn;
  }

  /** Connects to `host:port`. */
  static async connect(address: { host: string; port: number }): Promise<KafkaTestClient> {
    const conn = await Deno.connect({ hostname: address.host, port: address.port });
    return new KafkaTestClient(conn);
  }

  /** Connects to `host:port` over TLS, trusting `caCerts` (PEM texts), and completes the handshake. */
  static async connectTls(
    address: { host: string; port: number },
    options: { caCerts: string[] },
  ): Promise<KafkaTestClient> {
    const conn = await Deno.connectTls({
      hostname: address.host,
      port: address.port,
      caCerts: options.caCerts,
    });
    try {
      await conn.handshake();
    } catch (e) {
      conn.close();
      throw e;
    }
    return new KafkaTestClient(conn);
  }

  /** Encodes one request frame (size, header, body). */
  frame(
    apiKey: number,
    apiVersion: number,
    body: Uint8Array,
    options: { flexible?: boolean; correlationId?: number; clientId?: string | null } = {},
  ): { bytes: Uint8Array; correlationId: number } {
    const correlationId = options.correlationId ?? this.#nextCorrelationId++;
    const w = new KafkaWriter(64 + body.byteLength);
    w.int32(0).int16(apiKey).int16(apiVersion).int32(correlationId);
    w.nullableString(options.clientId === undefined ? "weir-test" : options.clientId);
    if (options.flexible) w.uvarint(0);
    w.raw(body);
    w.int32At(0, w.length - 4);
    return { bytes: w.finish(), correlationId };
  }

  /** Writes raw bytes. */
  async send(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.byteLength) off += await this.conn.write(bytes.subarray(off));
  }

  /** Reads one response frame; null when the broker closed the connection. */
  async receive(): Promise<RawResponse | null> {
    while (true) {
      if (this.#buf.byteLength >= 4) {
        const size = new DataView(this.#buf.buffer, this.#buf.byteOffset).getInt32(0);
        if (this.#buf.byteLength >= 4 + size) {
          const frame = this.#buf.slice(4, 4 + size);
          this.#buf = this.#buf.slice(4 + size);
          const reader = new KafkaReader(frame);
          return { correlationId: reader.int32(), body: reader };
        }
      }
      const chunk = new Uint8Array(64 * 1024);
      let n: number | null;
      try {
        n = await this.conn.read(chunk);
      } catch {
        n = null;
      }
      if (n === null) return null;
      const next = new Uint8Array(this.#buf.byteLength + n);
      next.set(this.#buf);
      next.set(chunk.subarray(0, n), this.#buf.byteLength);
      this.#buf = next;
    }
  }

  /** Sends one request and reads its response body (skipping header v1 tags when flexible). */
  async request(
    apiKey: number,
    apiVersion: number,
    body: Uint8Array,
    options: { flexible?: boolean } = {},
  ): Promise<KafkaReader> {
    const { bytes, correlationId } = this.frame(apiKey, apiVersion, body, options);
    await this.send(bytes);
    const res = await this.receive();
    if (res === null) throw new Error(`Cannot read a response to API ${apiKey}: connection closed`);
    if (res.correlationId !== correlationId) {
      throw new Error(
        `Cannot match a response: correlation ${res.correlationId} != ${correlationId}`,
      );
    }
    if (options.flexible && apiKey !== 18) res.body.skipTaggedFields();
    return res.body;
  }

  /** Waits until the broker closes the connection (reads and drops anything it sends). */
  async closedByPeer(): Promise<boolean> {
    const chunk = new Uint8Array(4096);
    while (true) {
      try {
        if (await this.conn.read(chunk) === null) return true;
      } catch {
        return true;
      }
    }
  }

  /** Closes the socket. Idempotent. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.conn.close();
      } catch { /* closed */ }
    }
    return Promise.resolve();
  }

  /** Same as close(). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
