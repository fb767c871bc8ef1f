/**
 * Weir's broker: {@linkcode startBroker} runs one embedded node (actors,
 * partition logs, HTTP edge). `import { startBroker } from "weir/broker"`.
 *
 * @module
 */
export { type Broker, startBroker } from "./broker.ts";
export { type ClusterBroker, ClusterNode, startClusterBroker } from "./cluster/mod.ts";
export {
  type BrokerConfig,
  BrokerConfigSchema,
  type BrokerOptions,
  resolveConfig,
} from "./config.ts";
export { BrokerNode, type BrokerNodeOptions, partitionId } from "./node.ts";
export type { EdgeBackend } from "./http/backend.ts";
