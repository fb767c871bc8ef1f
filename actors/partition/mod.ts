/**
 * The partition actor and its log. Spawn it with the worker entry
 * `partition_worker.ts` ({@linkcode PARTITION_WORKER_URL}) or inline with
 * {@linkcode PartitionActor}.
 *
 * @module
 */
export { logConfigOf, PartitionActor } from "./partition_actor.ts";
export { ProducerState } from "./producer_state.ts";
export type * from "./messages.ts";

/** URL of the partition's Worker entry module. */
export const PARTITION_WORKER_URL: URL = new URL("./partition_worker.ts", import.meta.url);
