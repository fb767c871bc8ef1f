/**
 * The consumer-group APIs of the Kafka listener (classic group protocol:
 * JoinGroup/SyncGroup with client-side assignment, plus offsets), served by
 * the node's group coordinator actors. Register them with
 * `registry.registerAll(GROUP_APIS)`.
 *
 * @module
 */
export { GROUP_APIS } from "./group_apis.ts";
export type { KafkaApi } from "../handler.ts";
