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
import { serveNode } from "../edge_server.ts";
import { clusterTopology } from "../kafka/mod.ts";
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
  const served = await serveNode(config, node, { security, topology: clusterTopology(node) });
  return { ...served, config, node, [Symbol.asyncDispose]: served.close };
}
