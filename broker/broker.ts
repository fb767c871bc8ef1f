/**
 * {@linkcode startBroker}: one embedded node with its HTTP edge listening.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { WeirError } from "../client/protocol/mod.ts";
import { type BrokerConfig, type BrokerOptions, resolveConfig } from "./config.ts";
import { BrokerNode } from "./node.ts";
import { loadSecurity } from "./auth/mod.ts";
import { serveNode } from "./edge_server.ts";

const logger = getLogger(["weir", "broker"]);

/** A running broker. `close()` (or leaving an `await using` scope) shuts it down cleanly. */
export interface Broker extends AsyncDisposable {
  /** Base URL of the HTTP edge, e.g. `http://127.0.0.1:9021`. */
  readonly url: string;
  /** Host and port the edge listens on. */
  readonly address: { readonly host: string; readonly port: number };
  /** The settings in force. */
  readonly config: BrokerConfig;
  /** The node (actors and backend). */
  readonly node: BrokerNode;
  /** Where the Kafka wire-protocol listener accepts clients, or null when `kafkaPort` is unset. */
  readonly kafkaAddress: { readonly host: string; readonly port: number } | null;
  /** Stops accepting requests, drains in-flight ones, flushes and fsyncs every log, stops the actors. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a broker: recovers every partition under `dataDir`, then listens.
 *
 * @param options Settings (see `BrokerConfigSchema`); `port: 0` picks a free port.
 * @returns The running broker.
 * @throws {WeirError} `INVALID_CONFIG` for bad settings.
 *
 * @example Start on a free port and stop
 * ```ts
 * import { startBroker } from "weir/broker";
 * import { assertEquals } from "@std/assert";
 *
 * const dataDir = await Deno.makeTempDir();
 * {
 *   await using broker = await startBroker({ dataDir, port: 0, actorHost: "inline" });
 *   const res = await fetch(`${broker.url}/healthz`);
 *   assertEquals(await res.json(), { status: "ok" });
 * }
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 */
export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  const config = resolveConfig(options);
  if (config.nats !== undefined) {
    throw new WeirError(
      "INVALID_CONFIG",
      'Cannot start a single-node broker with "nats" set: use startClusterBroker() (docs/cluster.md)',
    );
  }
  const security = await loadSecurity(config);
  if (security.warning !== null) logger.warn("{warning}", { warning: security.warning });
  const node = await BrokerNode.start(config);
  const served = await serveNode(config, node, { security });
  return { ...served, config, node, [Symbol.asyncDispose]: served.close };
}
