/**
 * Cluster mode over NATS (docs/cluster.md): membership, the controller
 * lease and controller, cluster metadata in JetStream KV, and the cluster
 * broker node.
 *
 * @module
 */
export { type ClusterBroker, startClusterBroker } from "./start_cluster_broker.ts";
export { ClusterNode, type ClusterNodeOptions, replicaId } from "./cluster_node.ts";
export {
  type ClusterBucketOptions,
  type ClusterBuckets,
  type NodeInfo,
  openClusterBuckets,
} from "./buckets.ts";
export { Membership, type MembershipOptions } from "./membership.ts";
export { ControllerLease, type ControllerLeaseOptions } from "./controller_lease.ts";
export { Controller, controllerActor, type ControllerOptions } from "./controller.ts";
export { CONTROLLER, type ControllerRequest } from "./controller_messages.ts";
export { MetadataStore, type StoredTopic, type TopicRevision } from "./metadata_store.ts";
export { MetadataFollower, type MetadataFollowerOptions } from "./metadata_follower.ts";
export {
  type ClusterTopic,
  NO_LEADER,
  type PartitionAssignment,
  topicKey,
  topicOfKey,
} from "./cluster_topic.ts";
export { type PlacementOptions, placeReplicas } from "./placement.ts";
export { planFailover } from "./failover.ts";
export { type AlterIsrProposal, planAlterIsr } from "./alter_isr.ts";
export { connectToCluster } from "./connection.ts";
export {
  GROUPS_KIND,
  groupsActor,
  groupsAddress,
  type GroupsMethod,
  type GroupsRequest,
} from "./cluster_groups.ts";
export { coordinatorNode, coordinatorWeight } from "./group_placement.ts";
export { NodeGroups, type NodeGroupsOptions } from "./node_groups.ts";
export { KvOffsetStore } from "./kv_offset_store.ts";
export { decodeKeyToken, encodeKeyToken } from "./cluster_topic.ts";
