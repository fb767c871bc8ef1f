/**
 * {@linkcode connect}: the SDK's entry point. A {@linkcode Weir} connection
 * holds the HTTP client and makes topics, producers, consumers and the admin
 * facade; closing it closes (and flushes) everything it made.
 *
 * @module
 */
import { Admin } from "./admin.ts";
import { Consumer, type ConsumerOptions } from "./consumer.ts";
import { type FetchLike, HttpClient, type RetryOptions } from "./http.ts";
import { Producer, type ProducerOptions } from "./producer.ts";
import { WeirError } from "./protocol/mod.ts";
import {
  type KeyOf,
  type TopicCodecs,
  type TopicLike,
  TypedTopic,
  type ValueOf,
} from "./typed_topic.ts";

/** Options of {@linkcode connect}. */
export interface ConnectOptions {
  /** Base URL of a Weir broker, e.g. `http://127.0.0.1:9021`. */
  url: string;
  /** API key, sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** The fetch to use (default: the global `fetch`); e.g. a Hono app's `request` in tests. */
  fetch?: FetchLike;
  /** Aborts every request of the connection (and fails `connect` itself). */
  signal?: AbortSignal;
  /** Retry policy for retriable error codes and network failures. */
  retry?: RetryOptions;
  /** Check that the broker answers `GET /healthz` before resolving (default true). */
  check?: boolean;
}

/** A connection to Weir (see {@linkcode connect}). */
export class Weir implements AsyncDisposable {
  /** Topic administration. */
  readonly admin: Admin;
  readonly #http: HttpClient;
  readonly #owned = new Set<Producer | Consumer<TopicLike>>();
  #closing: Promise<void> | undefined;

  /**
   * Wraps an HTTP client (use {@linkcode connect}).
   *
   * @param http The client.
   */
  constructor(http: HttpClient) {
    this.#http = http;
    this.admin = new Admin(http);
  }

  /** The broker's base URL. */
  get url(): string {
    return this.#http.url;
  }

  /**
   * A typed topic: a name plus codecs for keys and values.
   *
   * @param name Topic name.
   * @param codecs `{ key?, value? }`: a zod schema, `"json"` (default for values),
   *   `"string"` (default for keys) or `"bytes"`.
   * @returns The typed topic, for `send` and `consumer({ topics })`.
   */
  topic<const C extends TopicCodecs = Record<never, never>>(
    name: string,
    codecs?: C,
  ): TypedTopic<KeyOf<C>, ValueOf<C>> {
    return new TypedTopic<KeyOf<C>, ValueOf<C>>(name, codecs ?? {});
  }

  /**
   * A producer; closed (and flushed) with the connection.
   *
   * @param options Acks, linger, batch size, idempotence.
   * @returns The producer.
   * @throws {WeirError} `INVALID_REQUEST` for a bad option or a closed connection.
   */
  producer(options: ProducerOptions = {}): Producer {
    this.#open("create a producer");
    return this.#own(new Producer(this.#http, options));
  }

  /**
   * A consumer; closed with the connection. With `groupId` it joins the
   * group and reads what the broker assigns; without, assign partitions with
   * `consumer.assign(...)`.
   *
   * @param options Topics, group, offset reset, commits, prefetch bounds.
   * @returns The consumer.
   * @throws {WeirError} `INVALID_REQUEST` for a bad option or a closed connection;
   *   `INVALID_GROUP_ID`.
   */
  consumer<T extends TopicLike = string>(options: ConsumerOptions<T> = {}): Consumer<T> {
    this.#open("create a consumer");
    return this.#own(new Consumer<T>(this.#http, options)) as Consumer<T>;
  }

  /** Closes producers (flushing them), consumers, then aborts what is left. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#owned].map((o) => o.close()));
      this.#owned.clear();
      this.#http.close();
    })();
    return this.#closing;
  }

  /** Same as {@linkcode Weir.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #open(what: string): void {
    if (this.#closing !== undefined) {
      throw new WeirError("INVALID_REQUEST", `Cannot ${what}: the connection is closed`);
    }
  }

  #own<R extends Producer | Consumer<never>>(resource: R): R {
    this.#owned.add(resource as Producer | Consumer<TopicLike>);
    return resource;
  }
}

/**
 * Connects to a Weir broker over HTTP. Uses only `fetch` and web streams, so
 * it runs on Deno, Node ≥ 20, Bun and browsers.
 *
 * @param options URL, API key, fetch, signal, retry policy.
 * @returns The connection; close it with `close()` or `await using`.
 * @throws {WeirError} `INVALID_REQUEST` for a bad URL; `NETWORK_EXCEPTION` or the broker's code
 *   when the health check fails; `REQUEST_ABORTED` when `signal` aborts.
 *
 * @example Connect through an injected fetch
 * ```ts
 * import { connect } from "weir";
 * import { assertEquals } from "@std/assert";
 *
 * const fakeFetch = (input: string | URL | Request): Response => {
 *   const url = new URL(input instanceof Request ? input.url : input);
 *   const body = url.pathname === "/v1/topics"
 *     ? { topics: [{ name: "orders", partitions: 4, replicationFactor: 1 }] }
 *     : { status: "ok" };
 *   return Response.json(body);
 * };
 * await using weir = await connect({ url: "http://weir.test", fetch: fakeFetch });
 * const topics = await weir.admin.listTopics();
 * assertEquals(topics.map((t) => t.name), ["orders"]);
 * ```
 */
export async function connect(options: ConnectOptions): Promise<Weir> {
  const http = new HttpClient(options);
  if (options.check !== false) {
    try {
      const response = await http.request("/healthz");
      await response.body?.cancel();
    } catch (e) {
      http.close();
      throw e;
    }
  }
  return new Weir(http);
}
