/**
 * Messages of the MetadataRegistryActor: what callers may ask and what it
 * answers. Plain data, structured-clone safe.
 *
 * @module
 */
import type { ConfigInput, CreateTopicRequest, TopicConfigs } from "../../client/protocol/mod.ts";

/** A topic as the registry knows it. */
export interface TopicMetadata {
  /** Topic name. */
  name: string;
  /** Unique id given at creation (a re-created topic gets a new one). */
  topicId: string;
  /** Partition count. */
  partitions: number;
  /** Replicas per partition. */
  replicationFactor: number;
  /** Configs set explicitly for this topic (the rest are defaults). */
  configs: Partial<TopicConfigs>;
  /** Creation time (ms since the epoch). */
  createdAt: number;
}

/** What the registry knows of the cluster. */
export interface ClusterMetadata {
  /** Random id chosen when the data directory was first used. */
  clusterId: string;
  /** The node that runs the active registry. */
  controller: number;
  /** Known brokers. */
  brokers: { id: number; host: string; port: number }[];
}

/** Requests the registry answers. */
export type RegistryRequest =
  | { type: "createTopic"; request: CreateTopicRequest; internal?: boolean }
  | { type: "deleteTopic"; name: string }
  | { type: "alterTopicConfigs"; name: string; configs: Record<string, ConfigInput> }
  | { type: "getTopic"; name: string }
  | { type: "listTopics" }
  | { type: "cluster" }
  | { type: "registerBroker"; broker: { id: number; host: string; port: number } }
  | { type: "initProducer" }
  | { type: "registerGroup"; groupId: string }
  | { type: "listGroups" };

/** Reply of each request type. */
export interface RegistryReplies {
  createTopic: TopicMetadata;
  deleteTopic: TopicMetadata;
  alterTopicConfigs: TopicMetadata;
  getTopic: TopicMetadata;
  listTopics: TopicMetadata[];
  cluster: ClusterMetadata;
  registerBroker: ClusterMetadata;
  initProducer: { producerId: number; producerEpoch: number };
  registerGroup: null;
  listGroups: string[];
}

/** Init data of a registry actor. */
export interface RegistryInit {
  /** Directory of the metadata log (`<data-dir>/__cluster_metadata-0`). */
  dir: string;
  /** This node's id. */
  nodeId: number;
  /** Upper bound of partitions per topic. */
  maxPartitionsPerTopic?: number;
  /** Upper bound of topics. */
  maxTopics?: number;
}
