/**
 * The metadata registry actor: topics, configs, cluster identity, producer
 * ids. Spawn it with the worker entry `metadata_registry_worker.ts` or inline
 * with {@linkcode MetadataRegistryActor}.
 *
 * @module
 */
export { MetadataRegistryActor } from "./metadata_registry_actor.ts";
export { MetadataJournal } from "./metadata_journal.ts";
export { MetadataState, RESERVED_TOPIC_NAMES } from "./metadata_state.ts";
export type { MetadataRecord } from "./metadata_state.ts";
export type * from "./messages.ts";

/** URL of the registry's Worker entry module. */
export const REGISTRY_WORKER_URL: URL = new URL("./metadata_registry_worker.ts", import.meta.url);
