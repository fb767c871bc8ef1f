/**
 * {@linkcode clusterTopology}: the {@linkcode KafkaTopology} of a cluster
 * node, from its membership view (each node publishes its Kafka port in its
 * `nodes.<id>` record) and the group placement (a group's coordinator runs on
 * the node its id hashes to over the live nodes, docs/cluster.md).
 *
 * @module
 */
import type { ClusterInfo } from "../../client/protocol/mod.ts";
import type { KafkaBrokerAddress, KafkaTopology } from "./handler.ts";

/** What {@linkcode clusterTopology} reads of a cluster node (`ClusterNode` has it). */
export interface ClusterView {
  /** Live nodes as last read: HTTP host, and the Kafka port when the node has a listener. */
  readonly liveNodes: readonly { readonly id: number; readonly host: string; kafkaPort?: number }[];
  /** Re-reads the live nodes and the controller. */
  cluster(): Promise<ClusterInfo>;
  /** The node that coordinates a group (hash of the group id over the live nodes), or null. */
  groupCoordinatorNode(groupId: string): Promise<number | null>;
}

function advertised(host: string): string {
  return host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
}

/**
 * The brokers around a cluster node's Kafka listener.
 *
 * @param view The node (live nodes, controller).
 * @returns Metadata's broker list and FindCoordinator's answer (the group's coordinator node, null
 *   when it has no Kafka listener).
 */
export function clusterTopology(view: ClusterView): KafkaTopology {
  const brokers = (): KafkaBrokerAddress[] =>
    view.liveNodes.flatMap((n) =>
      n.kafkaPort === undefined ? [] : [{
        nodeId: n.id,
        host: advertised(n.host),
        port: n.kafkaPort,
      }]
    );
  return {
    brokers: () => Promise.resolve(brokers()),
    groupCoordinator: async (groupId) => {
      const node = await view.groupCoordinatorNode(groupId);
      return brokers().find((b) => b.nodeId === node) ?? null;
    },
  };
}
