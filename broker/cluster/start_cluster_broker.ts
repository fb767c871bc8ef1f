/**
 * {@linkcode startClusterBroker}: one cluster node (`--nats` set) with its
 * HTTP edge listening. `deno task start --nats <url>` runs it.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { WeirError } from "../../client/protocol/mod.ts";
import { loadSecurity } from "../auth/mod.ts";
import { type BrokerConfig, type BrokerOptions, resolveConfig } from "../config.ts";
import { createApp } from "../http/mod.ts";
import { BrokerMetrics } from "../metrics/mod.ts";
import { clusterTopology, createKafkaApiRegistry, KafkaListener } from "../kafka/mod.ts";
import { ClusterNode } from "./cluster_node.ts";

const logger = getLogger(["weir", "cluster"]);

/** A running cluster node. `close()` leaves the cluster cleanly. */
export interface ClusterBroker extends AsyncDisposable {
  /** Base URL of this node's HTTP edge. */
  readonly url: string;
  /** Host and port the edge listens on. */
  readonly address: { readonly host: string; readonly port: number };
  /** Where the Kafka listener accepts clients, or null when `kafkaPort` is unset. */
  readonly kafkaAddress: { readonly host: string; readonly port: number } | null;
  /** The settings in force. */
  readonly config: BrokerConfig;
  /** The cluster node (actors, controller, metadata). */
  readonly node: ClusterNode;
  /** Stops the edge, releases the controller lease, leaves the membership, fsyncs. Idempotent. */
  close(): Promise<void>;
}

/**
 * Joins the cluster behind `options.nats` and listens.
 *
 * @param options broker settings; `nats` is required, `nodeId` must be unique in the cluster
 * @returns the running node
 * @throws {WeirError} `INVALID_CONFIG` for bad settings or no `nats`;
 *   `NETWORK_EXCEPTION` when NATS is unreachable
 *
 * @example Three nodes over one nats-server (needs a running `nats-server -js`)
 * ```ts ignore
 * import { startClusterBroker } from "weir/broker";
 *
 * await using a = await startClusterBroker({ nats: "nats://127.0.0.1:4222", nodeId: 1, port: 0, dataDir: "d1" });
 * await using b = await startClusterBroker({ nats: "nats://127.0.0.1:4222", nodeId: 2, port: 0, dataDir: "d2" });
 * ```
 */
export async function startClusterBroker(options: BrokerOptions): Promise<ClusterBroker> {
  const config = resolveConfig(options);
  if (config.nats === undefined) {
    throw new WeirError("INVALID_CONFIG", 'Cannot start a cluster node: setting "nats" is not set');
  }
  const security = await loadSecurity(config);
  if (security.warning !== null) logger.warn("{warning}", { warning: security.warning });
  const node = await ClusterNode.start(config);
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
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  let kafka: KafkaListener | null = null;
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
        topology: clusterTopology(node),
      });
      logger.info("Kafka listener on {host}:{port}", { ...kafka.address });
    }
    await node.advertise(addr.hostname, addr.port, kafka?.address.port);
  } catch (e) {
    await kafka?.close();
    abort.abort();
    await server.finished.catch(() => {});
    await node.close();
    throw e;
  }
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    closing ??= (async () => {
      await kafka?.close();
      abort.abort();
      await server.finished.catch(() => {});
      await node.close();
    })();
  return {
    url: `${security.tls === undefined ? "http" : "https"}://${host}:${addr.port}`,
    address: { host: addr.hostname, port: addr.port },
    kafkaAddress: kafka === null ? null : { host: kafka.address.host, port: kafka.address.port },
    config,
    node,
    close,
    [Symbol.asyncDispose]: close,
  };
}
