/**
 * {@linkcode serveNode}: puts a started node (single or cluster) behind its
 * listeners — the HTTP edge and, when `kafkaPort` is set, the Kafka listener —
 * and advertises where they are. `startBroker` and `startClusterBroker` differ
 * only in the node they start.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { EdgeSecuritySettings } from "./auth/mod.ts";
import type { BrokerConfig } from "./config.ts";
import { createApp } from "./http/mod.ts";
import type { EdgeBackend } from "./http/backend.ts";
import { createKafkaApiRegistry, KafkaListener, type KafkaTopology } from "./kafka/mod.ts";
import { BrokerMetrics, type MetricsSource } from "./metrics/mod.ts";

const logger = getLogger(["weir", "broker"]);

/** What {@linkcode serveNode} needs of a node. */
export interface ServableNode extends EdgeBackend, MetricsSource {
  /** Records where this node's listeners are reachable. */
  advertise(host: string, port: number, kafkaPort?: number): Promise<void>;
  /** Flushes and stops the node. */
  close(): Promise<void>;
}

/** Options of {@linkcode serveNode}. */
export interface ServeNodeOptions {
  /** Auth, TLS and quotas, as `loadSecurity()` read them. */
  security: EdgeSecuritySettings;
  /** Brokers and group coordinators for Kafka clients (cluster mode); default: this node alone. */
  topology?: KafkaTopology;
}

/** The listeners of a served node. */
export interface ServedNode {
  /** Base URL of the HTTP edge (`https://` with TLS). */
  readonly url: string;
  /** Host and port the edge listens on. */
  readonly address: { readonly host: string; readonly port: number };
  /** Where the Kafka listener accepts clients, or null when `kafkaPort` is unset. */
  readonly kafkaAddress: { readonly host: string; readonly port: number } | null;
  /** Stops the Kafka listener, then the edge (draining requests), then the node. Idempotent. */
  close(): Promise<void>;
}

/**
 * Listens for HTTP (and Kafka) in front of `node`. On any failure the node is
 * closed before the error is rethrown, so the caller owns nothing.
 *
 * @param config the settings in force (host, ports, request limit)
 * @param node a started node
 * @param options security settings and the Kafka topology
 * @returns the listeners and their `close()`
 */
export async function serveNode(
  config: BrokerConfig,
  node: ServableNode,
  options: ServeNodeOptions,
): Promise<ServedNode> {
  const { security } = options;
  const app = createApp(node, {
    metrics: new BrokerMetrics({ source: node }),
    auth: security.auth,
    quotas: security.quotas,
  });
  const abort = new AbortController();
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    const listening = Promise.withResolvers<Deno.NetAddr>();
    server = Deno.serve({
      hostname: config.host,
      port: config.port,
      signal: abort.signal,
      ...security.tls,
      onListen: (addr) => listening.resolve(addr),
      onError: (e) => {
        logger.error("HTTP server error: {error}", { error: String(e) });
        return Response.json(
          { error: { code: "UNKNOWN_SERVER_ERROR", message: "Cannot answer: internal error" } },
          { status: 500 },
        );
      },
    }, app.fetch);
    await listening.promise;
  } catch (e) {
    await node.close();
    throw e;
  }
  const addr = server.addr;
  let kafka: KafkaListener | null = null;
  const stop = async (): Promise<void> => {
    await kafka?.close();
    abort.abort();
    await server.finished.catch(() => {});
    await node.close();
  };
  try {
    if (config.kafkaPort !== undefined) {
      kafka = KafkaListener.listen({
        backend: node,
        apis: createKafkaApiRegistry().apis,
        hostname: config.host,
        port: config.kafkaPort,
        nodeId: config.nodeId,
        maxRequestBytes: config.maxRequestBytes + 64 * 1024,
        auth: security.auth ?? null,
        tls: security.tls ?? null,
        ...(options.topology === undefined ? {} : { topology: options.topology }),
      });
      logger.info("Kafka listener on {host}:{port} ({protocol})", {
        ...kafka.address,
        protocol: `${security.auth === undefined ? "" : "SASL_"}${kafka.tls ? "SSL" : "PLAINTEXT"}`,
      });
    }
    await node.advertise(addr.hostname, addr.port, kafka?.address.port);
  } catch (e) {
    await stop();
    throw e;
  }
  let closing: Promise<void> | null = null;
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return {
    url: `${security.tls === undefined ? "http" : "https"}://${host}:${addr.port}`,
    address: { host: addr.hostname, port: addr.port },
    kafkaAddress: kafka === null ? null : { host: kafka.address.host, port: kafka.address.port },
    close: () => closing ??= stop(),
  };
}
