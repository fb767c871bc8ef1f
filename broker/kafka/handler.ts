/**
 * The contract between the Kafka listener and the code that answers one API:
 * a {@linkcode KafkaApi} names its key and the versions it implements, and
 * its {@linkcode KafkaHandler} turns one decoded request header plus a body
 * reader into a response body (the listener adds the size and the response
 * header) or `null` for no response (Produce with acks=0).
 *
 * Handlers answer per-topic/per-partition failures inside the response with
 * Kafka error numbers (`protocol/error_codes.ts`); a handler that throws
 * makes the listener close the connection (Kafka's answer to a request it
 * cannot parse).
 *
 * @module
 */
import type { AuthStore, Principal } from "../auth/mod.ts";
import type { EdgeBackend } from "../http/backend.ts";
import type { KafkaReader } from "./protocol/reader.ts";

/**
 * What the Kafka APIs need from the broker: the same backend as the HTTP edge
 * (`BrokerNode` implements it), batches passed through untouched.
 */
export type KafkaBackend = EdgeBackend;

/** Where a broker's Kafka listener is reachable (Metadata, FindCoordinator). */
export interface KafkaBrokerAddress {
  /** Kafka node id (Weir's `nodeId`). */
  readonly nodeId: number;
  /** Host clients connect to. */
  readonly host: string;
  /** Port clients connect to. */
  readonly port: number;
}

/**
 * The brokers around a listener (cluster mode): Metadata lists every live
 * node's Kafka listener, FindCoordinator names the node hosting a group's
 * coordinator. Without one a listener reports only itself.
 */
export interface KafkaTopology {
  /** Live brokers that have a Kafka listener, sorted by node id. */
  brokers(): Promise<readonly KafkaBrokerAddress[]>;
  /** The broker hosting the coordinator of `groupId`, or null when it is not live now. */
  groupCoordinator(groupId: string): Promise<KafkaBrokerAddress | null>;
}

/** Per-connection state, shared by every request of one TCP connection. */
export interface ConnectionState {
  /** Listener-unique id of the connection. */
  readonly id: number;
  /** Peer address, `host:port`. */
  readonly remote: string;
  /** Aborted when the connection closes (long polls stop waiting). */
  readonly signal: AbortSignal;
  /** Principal authenticated by SASL/PLAIN, or null (always null when auth is off). */
  principal: Principal | null;
  /** SASL mechanism chosen by SaslHandshake, or null. */
  saslMechanism: string | null;
}

/** What a handler gets besides the request. */
export interface KafkaRequestContext {
  /** The broker. */
  readonly backend: KafkaBackend;
  /** This node's Kafka listener. */
  readonly self: KafkaBrokerAddress;
  /** The other brokers (cluster mode); absent = this node alone. */
  readonly topology?: KafkaTopology;
  /** The APIs the listener serves (ApiVersions lists them). */
  readonly apis: ReadonlyMap<number, KafkaApi>;
  /** The connection the request came on. */
  readonly connection: ConnectionState;
  /** Principals and grants when `--auth-file` is on, else null (everything allowed). */
  readonly auth: AuthStore | null;
}

/** One decoded request: header fields plus a reader positioned at the body. */
export interface KafkaRequest {
  /** API key. */
  readonly apiKey: number;
  /** API version (within the handler's range). */
  readonly apiVersion: number;
  /** Echoed in the response header. */
  readonly correlationId: number;
  /** `client.id` of the request header. */
  readonly clientId: string | null;
  /** Whether this version is flexible (compact fields, tagged fields). */
  readonly flexible: boolean;
  /** Reader over the request body (header already consumed). */
  readonly body: KafkaReader;
}

/**
 * Answers one request: the response body without size or header, or null
 * for no response.
 */
export type KafkaHandler = (
  ctx: KafkaRequestContext,
  request: KafkaRequest,
) => Promise<Uint8Array | null>;

/** One Kafka API as the listener serves it. */
export interface KafkaApi {
  /** API key (`protocol/api_keys.ts`). */
  readonly key: number;
  /** Name for logs, e.g. `"Fetch"`. */
  readonly name: string;
  /** Lowest version implemented. */
  readonly minVersion: number;
  /** Highest version implemented (advertised by ApiVersions). */
  readonly maxVersion: number;
  /**
   * First flexible version per the message schema's `flexibleVersions`
   * (request header v2, response header v1 from there on); omitted when no
   * implemented version is flexible.
   */
  readonly flexibleFrom?: number;
  /** The handler. */
  readonly handle: KafkaHandler;
}
