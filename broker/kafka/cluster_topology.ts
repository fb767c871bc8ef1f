/**
 * {@linkcode clusterTopology}: the {@linkcode KafkaTopology} of a cluster
 * node, from its membership view (each node publishes its Kafka port in its
 * `nodes.<id>` record) and the controller lease (every group coordinator runs
 * on the controller's node, docs/cluster.md).
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
}

function advertised(host: string): string {
  return host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
}

/**
 * The brokers around a cluster node's Kafka listener.
 *
 * @param view The node (live nodes, controller).
 * @returns Metadata's broker list and FindCoordinator's answer for that node.
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
    groupCoordinator: async () => {
      const { controller } = await view.cluster();
      return brokers().find((b) => b.nodeId === controller) ?? null;
    },
  };
}
