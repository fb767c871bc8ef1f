/**
 * {@linkcode createKafkaApiRegistry}: the registry of every Kafka API the
 * listener serves. Core APIs are registered here; the group APIs of
 * `groups/` register with one line (`registry.registerAll(GROUP_APIS)`).
 *
 * @module
 */
import { KafkaApiRegistry } from "./api_registry.ts";
import { apiVersionsApi } from "./apis/api_versions.ts";
import { metadataApi } from "./apis/metadata.ts";
import { produceApi } from "./apis/produce.ts";
import { fetchApi } from "./apis/fetch.ts";
import { listOffsetsApi } from "./apis/list_offsets.ts";
import { createTopicsApi } from "./apis/create_topics.ts";
import { deleteTopicsApi } from "./apis/delete_topics.ts";
import { initProducerIdApi } from "./apis/init_producer_id.ts";
import { describeConfigsApi } from "./apis/describe_configs.ts";
import { saslHandshakeApi } from "./apis/sasl_handshake.ts";
import { saslAuthenticateApi } from "./apis/sasl_authenticate.ts";
import { GROUP_APIS } from "./groups/mod.ts";

/** The core APIs (everything but consumer groups). */
export const CORE_APIS = [
  apiVersionsApi,
  metadataApi,
  produceApi,
  fetchApi,
  listOffsetsApi,
  createTopicsApi,
  deleteTopicsApi,
  initProducerIdApi,
  describeConfigsApi,
  saslHandshakeApi,
  saslAuthenticateApi,
] as const;

/**
 * A registry with every API the listener serves.
 *
 * @returns A new registry.
 *
 * @example What ApiVersions advertises
 * ```ts
 * import { createKafkaApiRegistry } from "./kafka_apis.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const fetch = createKafkaApiRegistry().get(1)!;
 * assertEquals([fetch.name, fetch.minVersion, fetch.maxVersion], ["Fetch", 4, 11]);
 * ```
 */
export function createKafkaApiRegistry(): KafkaApiRegistry {
  const registry = new KafkaApiRegistry().registerAll(CORE_APIS);
  registry.registerAll(GROUP_APIS); // consumer groups (broker/kafka/groups/)
  return registry;
}
