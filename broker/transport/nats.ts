/**
 * The NATS transport: actors on other Weir nodes, reached through a real
 * `nats-server`. It implements the runtime's {@linkcode Transport}; the
 * `ActorSystem` hands it only what is not a local actor, and it feeds what
 * arrives from other nodes to the system's local delivery.
 *
 * ## Addressing (shared with the partition replication code)
 *
 * - In cluster mode every partition replica is a local actor with id
 *   `<topic>-<partition>@<nodeId>` on the node that hosts it (single-node
 *   mode keeps `<topic>-<partition>`). An address whose id ends with `@<n>`
 *   is routed to node `n`: each node subscribes to one subject
 *   `weir.<cluster>.node.<n>`; the target's kind and id travel in headers.
 *   `@<me>` never leaves the process.
 * - An address without `@` is a cluster singleton served by whoever holds it,
 *   e.g. `{ kind: "controller", id: "0" }` → subject
 *   `weir.<cluster>.controller.0`, subscribed (by {@linkcode NatsTransport.serve})
 *   only on the node that holds it (the controller lease holder). Subject
 *   tokens are percent-encoded (topic names may hold `.`, which NATS subjects
 *   cannot carry raw). A singleton that is also a local actor (`isLocal`) is
 *   asked directly.
 *
 * ## Wire
 *
 * A tell is a publish, an ask a NATS request/reply. Headers: `Weir-Kind`,
 * `Weir-Id` (URI-encoded), `Weir-Timeout` (ms, asks only); the reply carries
 * `Weir-Status: ok|error`. Bodies are the binary envelope of `_nats_codec.ts`:
 * JSON for structure, `Uint8Array` payloads (record batches) appended raw.
 * An error reply is `{ code, message }` and is rebuilt with the same code.
 *
 * ## Failures
 *
 * - No reply in `timeoutMs` → `REQUEST_TIMED_OUT`; no subscriber for the
 *   subject (node down, singleton not held) → `ACTOR_STOPPED`; both retriable.
 * - While the connection is down, new asks fail at once and asks in flight
 *   fail with the retriable `NETWORK_EXCEPTION`: the caller decides whether to
 *   retry (an ask that failed this way may or may not have been executed).
 *   Tells are buffered by the client and sent after the reconnect.
 * - `close()` fails this node's asks still in flight the same way
 *   (`NETWORK_EXCEPTION`: sent, outcome unknown); asks after it fail with
 *   `ACTOR_STOPPED` (never sent).
 * - A message larger than the server's `max_payload` fails with
 *   `REQUEST_TOO_LARGE`.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import {
  headers as natsHeaders,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  RequestError,
  type Subscription,
  TimeoutError,
} from "@nats-io/transport-node";
import {
  type ActorAddress,
  defaultMakeError,
  type Delivery,
  type DeliveryAskOptions,
  type ErrorFactory,
  type TellOptions,
  toErrorData,
  type Transport,
} from "../../actors/runtime/mod.ts";
import { decodeBody, encodeBody } from "./_nats_codec.ts";

const logger = getLogger(["weir", "transport", "nats"]);

const H_KIND = "Weir-Kind";
const H_ID = "Weir-Id";
const H_TIMEOUT = "Weir-Timeout";
const H_STATUS = "Weir-Status";

/** Options of {@linkcode NatsTransport}. */
export interface NatsTransportOptions {
  /** An open connection; the transport does not close it. */
  readonly connection: NatsConnection;
  /** Cluster id: the second subject token (default `"weir"`). */
  readonly clusterId?: string;
  /** This node's id: the transport serves `weir.<cluster>.node.<nodeId>` when set. */
  readonly nodeId?: number;
  /** Whether an address without `@` is a local actor (asked without NATS). */
  readonly isLocal?: (address: ActorAddress) => boolean;
  /** Rebuilds errors on the caller's side (default: the runtime's `ActorError`). */
  readonly makeError?: ErrorFactory;
}

/** Encodes one subject token: percent-encoding, plus `.`, `*` and `>` which NATS reserves. */
export function subjectToken(text: string): string {
  return encodeURIComponent(text).replaceAll(".", "%2E").replaceAll("*", "%2A");
}

/**
 * The node an address lives on: `n` for an id ending in `@<n>`, `undefined`
 * for a cluster singleton.
 */
export function nodeOfAddress(address: ActorAddress): number | undefined {
  const at = address.id.lastIndexOf("@");
  if (at < 0) return undefined;
  const text = address.id.slice(at + 1);
  if (!/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/**
 * A {@linkcode Transport} over NATS subjects. The connection is passed in
 * (the cluster shares it with its KV buckets) and is not closed by `close()`.
 *
 * @example Two systems on one nats-server (needs a running server)
 * ```ts ignore
 * import { connect } from "@nats-io/transport-node";
 * import { ActorSystem } from "../../actors/runtime/mod.ts";
 * import { NatsTransport } from "./nats.ts";
 *
 * const nc = await connect({ servers: "nats://127.0.0.1:4222" });
 * await using system = new ActorSystem({
 *   transport: (local) => new NatsTransport(local, { connection: nc, nodeId: 1 }),
 * });
 * await system.lookup("partition", "orders-0@2").ask({ type: "status" });
 * ```
 */
export class NatsTransport implements Transport {
  /** `"nats"`. */
  readonly name = "nats";
  readonly #local: Delivery;
  readonly #nc: NatsConnection;
  readonly #prefix: string;
  readonly #nodeId: number | undefined;
  readonly #isLocal: (address: ActorAddress) => boolean;
  readonly #makeError: ErrorFactory;
  readonly #subs = new Set<Subscription>();
  readonly #inFlight = new Map<number, (error: Error) => void>();
  readonly #served = new Set<Promise<unknown>>();
  #seq = 0;
  #connected = true;
  #closed: Promise<void> | undefined;

  /**
   * Builds the transport and, when `nodeId` is set, subscribes to this node's subject.
   *
   * @param local the system's local delivery (`system.local`)
   * @param options connection, cluster id, node id
   */
  constructor(local: Delivery, options: NatsTransportOptions) {
    this.#local = local;
    this.#nc = options.connection;
    this.#prefix = `weir.${subjectToken(options.clusterId ?? "weir")}`;
    this.#nodeId = options.nodeId;
    this.#isLocal = options.isLocal ?? (() => false);
    this.#makeError = options.makeError ?? defaultMakeError;
    if (this.#nodeId !== undefined) this.#subscribe(this.nodeSubject(this.#nodeId));
    void this.#watchStatus();
  }

  /**
   * Resolves once the server has this node's subscription (a round trip), so
   * that other nodes' asks find it.
   */
  async ready(): Promise<void> {
    await this.#nc.flush();
  }

  /** The subject of node `n`. */
  nodeSubject(n: number): string {
    return `${this.#prefix}.node.${n}`;
  }

  /** The subject of a cluster singleton. */
  singletonSubject(address: ActorAddress): string {
    return `${this.#prefix}.${subjectToken(address.kind)}.${subjectToken(address.id)}`;
  }

  /**
   * Serves the local actor `address` (a cluster singleton, no `@`) on its
   * subject until the returned handle is disposed (e.g. when the controller
   * lease is lost).
   */
  async serve(address: ActorAddress): Promise<AsyncDisposable> {
    const sub = this.#subscribe(this.singletonSubject(address));
    await this.#nc.flush().catch(() => {});
    return {
      [Symbol.asyncDispose]: async () => {
        if (!this.#subs.delete(sub)) return;
        await this.#drain(sub);
      },
    };
  }

  /** Whether the NATS connection is up (as last reported by the client). */
  get connected(): boolean {
    return this.#connected && !this.#nc.isClosed();
  }

  /** Fire-and-forget; dropped after `close()`, when unroutable or too large. */
  tell(target: ActorAddress, message: unknown, options?: TellOptions): void {
    if (this.#closed !== undefined) return;
    if (this.#isHere(target)) {
      this.#local.tell(target, message, options);
      return;
    }
    try {
      this.#nc.publish(this.#subjectOf(target), encodeBody(message), {
        headers: this.#headers(target),
      });
    } catch (e) {
      logger.warn("Cannot tell {target} over NATS: {error}", {
        target: `${target.kind}/${target.id}`,
        error: String(e),
      });
    }
  }

  /**
   * Asks an actor on another node (or a local one directly).
   *
   * @throws code `REQUEST_TIMED_OUT`, `ACTOR_STOPPED` (no subscriber, or after
   *   `close()`), `NETWORK_EXCEPTION` (NATS down, or still in flight at
   *   `close()`), `REQUEST_TOO_LARGE`, or the remote actor's own code
   */
  ask(target: ActorAddress, message: unknown, options: DeliveryAskOptions): Promise<unknown> {
    const name = `"${target.kind}/${target.id}"`;
    if (this.#closed !== undefined) {
      return Promise.reject(
        this.#makeError("ACTOR_STOPPED", `Cannot ask ${name}: the NATS transport is closed`),
      );
    }
    if (this.#isHere(target)) return this.#local.ask(target, message, options);
    if (!this.connected) {
      return Promise.reject(
        this.#makeError("NETWORK_EXCEPTION", `Cannot ask ${name}: the NATS connection is down`),
      );
    }
    let body: Uint8Array;
    try {
      body = encodeBody(message);
    } catch (e) {
      return Promise.reject(
        this.#makeError("INVALID_REQUEST", `Cannot ask ${name}: ${(e as Error).message}`),
      );
    }
    const max = this.#nc.info?.max_payload;
    if (max !== undefined && body.byteLength > max) {
      return Promise.reject(this.#makeError(
        "REQUEST_TOO_LARGE",
        `Cannot ask ${name}: ${body.byteLength} bytes exceed the NATS max_payload of ${max}`,
      ));
    }
    const headers = this.#headers(target);
    headers.set(H_TIMEOUT, String(Math.max(1, Math.floor(options.timeoutMs))));
    const id = this.#seq++;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    this.#inFlight.set(id, reject);
    this.#nc.request(this.#subjectOf(target), body, { timeout: options.timeoutMs, headers }).then(
      (reply) => resolve(this.#readReply(name, reply)),
      (e) => reject(this.#requestError(name, e, options.timeoutMs)),
    ).catch(reject).finally(() => this.#inFlight.delete(id));
    return promise;
  }

  /**
   * Drains this node's subscriptions (see {@linkcode NatsTransport.serve}'s
   * handle), fails new asks with `ACTOR_STOPPED`, waits for served asks, and
   * fails this node's own asks still in flight with `NETWORK_EXCEPTION`
   * (outcome unknown); idempotent.
   */
  close(): Promise<void> {
    return this.#closed ??= (async () => {
      const subs = [...this.#subs];
      this.#subs.clear();
      await Promise.allSettled(subs.map((sub) => this.#drain(sub)));
      await Promise.allSettled([...this.#served]);
      // Already sent: the target may have executed them, so the outcome is unknown. Not
      // ACTOR_STOPPED, which promises nothing happened (callers resend appends after it).
      for (const reject of this.#inFlight.values()) {
        reject(this.#makeError(
          "NETWORK_EXCEPTION",
          "Cannot finish an ask: the NATS transport closed; it may or may not have been executed",
        ));
      }
      this.#inFlight.clear();
    })();
  }

  /** Same as {@linkcode NatsTransport.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #isHere(target: ActorAddress): boolean {
    const node = nodeOfAddress(target);
    if (node === undefined) return this.#isLocal(target);
    return node === this.#nodeId;
  }

  #subjectOf(target: ActorAddress): string {
    const node = nodeOfAddress(target);
    return node === undefined ? this.singletonSubject(target) : this.nodeSubject(node);
  }

  #headers(target: ActorAddress): MsgHdrs {
    const h = natsHeaders();
    h.set(H_KIND, encodeURIComponent(target.kind));
    h.set(H_ID, encodeURIComponent(target.id));
    return h;
  }

  #readReply(name: string, reply: Msg): unknown {
    const status = reply.headers?.get(H_STATUS);
    if (status === "error") {
      const data = toErrorData(decodeBody(reply.data).value);
      throw this.#makeError(data.code, data.message);
    }
    if (status !== "ok") {
      throw this.#makeError("UNKNOWN_SERVER_ERROR", `Cannot ask ${name}: malformed NATS reply`);
    }
    return decodeBody(reply.data).value;
  }

  #requestError(name: string, e: unknown, timeoutMs: number): Error {
    if (e instanceof RequestError && e.isNoResponders()) {
      return this.#makeError("ACTOR_STOPPED", `Cannot ask ${name}: no node serves it`);
    }
    if (e instanceof TimeoutError) {
      return this.#makeError(
        "REQUEST_TIMED_OUT",
        `Cannot ask ${name}: no reply within ${timeoutMs} ms`,
      );
    }
    if (e instanceof Error && typeof (e as { code?: unknown }).code === "string") return e;
    return this.#makeError("NETWORK_EXCEPTION", `Cannot ask ${name}: ${String(e)}`);
  }

  /**
   * Ends a subscription without losing requests: a plain `unsubscribe()`
   * forgets the subscription at once, so a request the server routed to it
   * before it saw the UNSUB was dropped unanswered and its caller waited for
   * its whole timeout. Draining keeps handling messages until the server
   * confirmed the UNSUB (a PING/PONG after it); they are answered as usual
   * (by the actor, or `ACTOR_STOPPED` when it is gone).
   */
  async #drain(sub: Subscription): Promise<void> {
    if (this.#nc.isClosed() || sub.isClosed()) return;
    try {
      await sub.drain();
    } catch {
      sub.unsubscribe();
    }
  }

  #subscribe(subject: string): Subscription {
    const sub = this.#nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err === null) this.#onMsg(msg);
      },
    });
    this.#subs.add(sub);
    return sub;
  }

  #onMsg(msg: Msg): void {
    const kind = msg.headers?.get(H_KIND);
    const id = msg.headers?.get(H_ID);
    const respond = (status: "ok" | "error", value: unknown) => {
      if (msg.reply === undefined || msg.reply === "") return;
      const h = natsHeaders();
      h.set(H_STATUS, status);
      let body: Uint8Array;
      try {
        body = encodeBody(value);
      } catch (e) {
        h.set(H_STATUS, "error");
        body = encodeBody({ code: "UNKNOWN_SERVER_ERROR", message: String(e) });
      }
      const max = this.#nc.info?.max_payload;
      if (max !== undefined && body.byteLength > max) {
        h.set(H_STATUS, "error");
        body = encodeBody({
          code: "REQUEST_TOO_LARGE",
          message:
            `Cannot answer over NATS: the reply of ${body.byteLength} bytes exceeds max_payload ${max}`,
        });
      }
      try {
        msg.respond(body, { headers: h });
      } catch (e) {
        logger.warn("Cannot answer a NATS ask: {error}", { error: String(e) });
      }
    };
    if (!kind || !id) {
      respond("error", {
        code: "INVALID_REQUEST",
        message: "Cannot route a NATS message: no Weir-Kind/Weir-Id headers",
      });
      return;
    }
    const target = { kind: decodeURIComponent(kind), id: decodeURIComponent(id) };
    let decoded;
    try {
      decoded = decodeBody(msg.data);
    } catch (e) {
      respond("error", { code: "INVALID_REQUEST", message: (e as Error).message });
      return;
    }
    const opts = decoded.transfer.length > 0 ? { transfer: decoded.transfer } : {};
    if (msg.reply === undefined || msg.reply === "") {
      this.#local.tell(target, decoded.value, opts);
      return;
    }
    const timeoutMs = Number(msg.headers?.get(H_TIMEOUT)) || 30_000;
    const served = this.#local.ask(target, decoded.value, { ...opts, timeoutMs }).then(
      (value) => respond("ok", value),
      (e) => respond("error", toErrorData(e)),
    );
    this.#served.add(served);
    void served.finally(() => this.#served.delete(served));
  }

  async #watchStatus(): Promise<void> {
    for await (const s of this.#nc.status()) {
      if (s.type === "disconnect") {
        this.#connected = false;
        for (const reject of this.#inFlight.values()) {
          reject(this.#makeError(
            "NETWORK_EXCEPTION",
            "Cannot finish an ask over NATS: the connection was lost",
          ));
        }
        this.#inFlight.clear();
      } else if (s.type === "reconnect") {
        this.#connected = true;
      }
    }
  }
}
