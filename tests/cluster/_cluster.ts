/**
 * Helpers of the cluster tests: several Weir cluster nodes in this process
 * over one real nats-server, HTTP helpers, polling.
 *
 * @module
 */
import { type ClusterBroker, startClusterBroker } from "../../broker/cluster/mod.ts";
import type { BrokerOptions } from "../../broker/config.ts";
import { type BrokerProcess, startBrokerProcess } from "../_helpers/broker_process.ts";
export { waitFor } from "../_helpers/wait_for.ts";

/** Cluster heartbeat of the tests, ms (keys expire after 3×). */
export const HEARTBEAT_MS = 200;

/** Starts node `id` in `dataDir` against `nats`. */
export function startNode(
  nats: string,
  id: number,
  dataDir: string,
  options: BrokerOptions = {},
): Promise<ClusterBroker> {
  return startClusterBroker({
    nats,
    nodeId: id,
    dataDir,
    port: 0,
    actorHost: "inline",
    clusterId: "test",
    clusterHeartbeatMs: HEARTBEAT_MS,
    replicaLagTimeMaxMs: 1_000,
    logLevel: "warning",
    ...options,
  });
}

/** JSON request; returns status and parsed body. */
export async function http(
  url: string,
  init: { method?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const abort = new AbortController();
  const timer = init.timeoutMs === undefined ? undefined : setTimeout(
    () => abort.abort(new Error(`no answer within ${init.timeoutMs} ms`)),
    init.timeoutMs,
  );
  try {
    const res = await fetch(url, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      signal: abort.signal,
      ...(init.body === undefined
        ? {}
        : { body: JSON.stringify(init.body), headers: { "content-type": "application/json" } }),
    });
    const text = await res.text();
    return { status: res.status, body: text === "" ? {} : JSON.parse(text) };
  } finally {
    clearTimeout(timer);
  }
}

/** Starts node `id` as a child process (`broker/main.ts --nats ...`), heartbeat {@linkcode HEARTBEAT_MS}. */
export function startNodeProcess(
  nats: string,
  id: number,
  dataDir: string,
  options: { clusterId: string; replicaLagTimeMaxMs?: number; heartbeatMs?: number },
): Promise<BrokerProcess> {
  return startBrokerProcess({
    dataDir,
    args: [
      "--nats",
      nats,
      "--node-id",
      String(id),
      "--cluster-id",
      options.clusterId,
      "--cluster-heartbeat-ms",
      String(options.heartbeatMs ?? HEARTBEAT_MS),
      "--replica-lag-time-max-ms",
      String(options.replicaLagTimeMaxMs ?? 1_000),
      "--log-level",
      "warning",
    ],
  });
}

/** One partition in a topic description. */
export interface PartitionView {
  leader: number;
  replicas: number[];
  isr: number[];
  highWatermark: number;
}

/** Partition `p` of `topic` as node `url` describes it. */
export async function partitionOf(url: string, topic: string, p = 0): Promise<PartitionView> {
  const res = await http(`${url}/v1/topics/${encodeURIComponent(topic)}`);
  if (res.status !== 200) throw new Error(`describe ${topic}: ${res.status}`);
  return (res.body.partitions as PartitionView[])[p]!;
}
