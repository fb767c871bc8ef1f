/**
 * Kafka wire-protocol listener: Kafka clients (kcat, librdkafka, kafkajs)
 * produce to and fetch from Weir over TCP.
 *
 * @module
 */
export * from "./protocol/mod.ts";
export type {
  ConnectionState,
  KafkaApi,
  KafkaBackend,
  KafkaBrokerAddress,
  KafkaHandler,
  KafkaRequest,
  KafkaRequestContext,
  KafkaTopology,
} from "./handler.ts";
export { KafkaApiRegistry } from "./api_registry.ts";
export { CORE_APIS, createKafkaApiRegistry } from "./kafka_apis.ts";
export { KafkaListener, type KafkaListenerOptions, type KafkaListenerTls } from "./listener.ts";
export { ANY_OPERATION, mayAccess, mayAny } from "./kafka_auth.ts";
export { clusterTopology, type ClusterView } from "./cluster_topology.ts";
