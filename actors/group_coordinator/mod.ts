/**
 * The consumer-group coordinator: one actor per group (spawn it with the
 * worker entry {@linkcode GROUP_COORDINATOR_WORKER_URL} or inline with
 * {@linkcode GroupCoordinatorActor}), its pure group logic
 * ({@linkcode GroupState}, {@linkcode computeTargetAssignment}) and the
 * storage of committed offsets in `__consumer_offsets`.
 *
 * @module
 */
export { GroupCoordinatorActor, MAX_OFFSET_METADATA } from "./group_coordinator_actor.ts";
export type { GroupCoordinatorOptions } from "./group_coordinator_actor.ts";
export { DEFAULT_GROUP_LIMITS, GroupState } from "./group_state.ts";
export type * from "./group_state.ts";
export { ClassicGroupState, DEFAULT_CLASSIC_GROUP_LIMITS } from "./classic_group_state.ts";
export type * from "./classic_group_state.ts";
export { decodeAssignment, decodeSubscriptionTopics } from "./classic_consumer_protocol.ts";
export { computeTargetAssignment } from "./assignor.ts";
export type { AssignorInput, AssignorMember } from "./assignor.ts";
export { MemoryOffsetStore, PartitionOffsetStore } from "./offset_store.ts";
export type {
  OffsetsFetchReply,
  OffsetsPartitionRequest,
  OffsetStore,
  PartitionOffsetStoreOptions,
} from "./offset_store.ts";
export {
  applyOffsetEntries,
  decodeOffsetRecord,
  encodeOffsetEntries,
  offsetKey,
  OFFSETS_TOPIC,
} from "./offsets_codec.ts";
export type { DecodedOffsetRecord, OffsetEntry, OffsetMap, OffsetValue } from "./offsets_codec.ts";
export type * from "./messages.ts";

/** URL of the group coordinator's Worker entry module. */
export const GROUP_COORDINATOR_WORKER_URL: URL = new URL(
  "./group_coordinator_worker.ts",
  import.meta.url,
);
