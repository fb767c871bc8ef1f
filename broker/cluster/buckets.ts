/**
 * The JetStream KV buckets of one cluster (NATS's Raft stores them; Weir
 * writes no consensus of its own):
 *
 * | bucket | keys | max age |
 * |---|---|---|
 * | `weir_<cluster>_nodes` | `nodes.<id>` = {@linkcode NodeInfo} JSON, renewed by each node | `3 × heartbeatMs` |
 * | `weir_<cluster>_lease` | `controller` = `{ nodeId }`, renewed by the holder (compare-and-set on revision) | `3 × heartbeatMs` |
 * | `weir_<cluster>_meta` | `topics.<enc name>` = `ClusterTopic` JSON, written by the controller only | none |
 * | `weir_<cluster>_groups` | `groups.<enc group id>` = committed offsets of the group | none |
 *
 * nats-server 2.9 has no per-message TTL, so liveness and the lease are a
 * bucket max age plus regular renewal: a node that stops renewing vanishes
 * from the bucket after the max age.
 *
 * @module
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { type KV, Kvm } from "@nats-io/kv";

/** A live node as stored in the membership bucket. */
export interface NodeInfo {
  /** Node id. */
  id: number;
  /** HTTP host. */
  host: string;
  /** HTTP port. */
  port: number;
  /** Kafka listener port, when there is one. */
  kafkaPort?: number;
  /** When the node started (ms since the epoch). */
  startedAt: number;
}

/** The three buckets of a cluster. */
export interface ClusterBuckets {
  /** Membership: `nodes.<id>`. */
  readonly nodes: KV;
  /** Controller lease: `controller`. */
  readonly lease: KV;
  /** Metadata: `topics.<enc name>`. */
  readonly meta: KV;
  /** Committed offsets: `groups.<enc group id>`. */
  readonly groups: KV;
}

/** Options of {@linkcode openClusterBuckets}. */
export interface ClusterBucketOptions {
  /** Cluster id (`[A-Za-z0-9_-]+`). */
  readonly clusterId: string;
  /** Renewal period of membership and lease, ms; keys live 3× this long. */
  readonly heartbeatMs: number;
}

/**
 * Opens (creating when missing) the cluster's KV buckets.
 *
 * @param nc an open connection to a JetStream-enabled nats-server
 * @param options cluster id and heartbeat
 * @returns the buckets
 */
export async function openClusterBuckets(
  nc: NatsConnection,
  options: ClusterBucketOptions,
): Promise<ClusterBuckets> {
  const kvm = new Kvm(nc);
  const ttl = options.heartbeatMs * 3;
  const prefix = `weir_${options.clusterId}`;
  const [nodes, lease, meta, groups] = await Promise.all([
    kvm.create(`${prefix}_nodes`, { history: 1, ttl }),
    kvm.create(`${prefix}_lease`, { history: 1, ttl }),
    kvm.create(`${prefix}_meta`, { history: 1 }),
    kvm.create(`${prefix}_groups`, { history: 1 }),
  ]);
  return { nodes, lease, meta, groups };
}
