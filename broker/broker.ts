/**
 * {@linkcode startBroker}: one embedded node with its HTTP edge listening.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import { WeirError } from "../client/protocol/mod.ts";
import { createApp } from "./http/mod.ts";
import { type BrokerConfig, type BrokerOptions, resolveConfig } from "./config.ts";
import { BrokerNode } from "./node.ts";
import { BrokerMetrics } from "./metrics/mod.ts";
import { loadSecurity } from "./auth/mod.ts";
import { createKafkaApiRegistry, KafkaListener } from "./kafka/mod.ts";

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
        return new Response(
          JSON.stringify({
            error: { code: "UNKNOWN_SERVER_ERROR", message: "Cannot answer: internal error" },
          }),
          { status: 500, headers: { "content-type": "application/json" } },
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
  await node.advertise(addr.hostname, addr.port);
  let kafka: KafkaListener | null = null;
  if (config.kafkaPort !== undefined) {
    try {
      kafka = KafkaListener.listen({
        backend: node,
        apis: createKafkaApiRegistry().apis,
        hostname: config.host,
        port: config.kafkaPort,
        nodeId: config.nodeId,
        maxRequestBytes: config.maxRequestBytes + 64 * 1024,
        auth: security.auth ?? null,
      });
    } catch (e) {
      abort.abort();
      await server.finished.catch(() => {});
      await node.close();
      throw e;
    }
    logger.info("Kafka listener on {host}:{port}", { ...kafka.address });
  }
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await kafka?.close();
      abort.abort();
      await server.finished.catch(() => {});
      await node.close();
    })();
    return closing;
  };
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
