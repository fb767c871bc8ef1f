/**
 * The NATS connection of a cluster node, from the broker config: `nats`
 * (server URL, comma-separated for several), `natsUser`/`natsPass` or
 * `natsToken`, `natsCa` (verify the server's TLS certificate). The client
 * reconnects forever; asks fail retriably meanwhile (see the transport).
 *
 * @module
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { WeirError } from "../../client/protocol/mod.ts";
import type { BrokerConfig } from "../config.ts";

/**
 * Connects to the cluster's nats-server.
 *
 * @throws {WeirError} `INVALID_CONFIG` without `nats`; `NETWORK_EXCEPTION`
 *   when the server cannot be reached
 */
export async function connectToCluster(config: BrokerConfig): Promise<NatsConnection> {
  if (config.nats === undefined) {
    throw new WeirError("INVALID_CONFIG", 'Cannot join a cluster: setting "nats" is not set');
  }
  const options: Parameters<typeof connect>[0] = {
    servers: config.nats.split(",").map((s) => s.trim()).filter((s) => s !== ""),
    name: `weir-${config.clusterId}-${config.nodeId}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: Math.min(250, config.clusterHeartbeatMs),
    pingInterval: Math.max(1000, config.clusterHeartbeatMs * 2),
  };
  if (config.natsUser !== undefined) options.user = config.natsUser;
  if (config.natsPass !== undefined) options.pass = config.natsPass;
  if (config.natsToken !== undefined) options.token = config.natsToken;
  if (config.natsCa !== undefined) options.tls = { caFile: config.natsCa };
  try {
    return await connect(options);
  } catch (e) {
    throw new WeirError(
      "NETWORK_EXCEPTION",
      `Cannot connect to NATS at ${JSON.stringify(config.nats)}: ${(e as Error).message}`,
      { cause: e },
    );
  }
}
