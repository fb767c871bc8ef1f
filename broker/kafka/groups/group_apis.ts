/**
 * {@linkcode GROUP_APIS}: the consumer-group APIs of the Kafka listener, in
 * one list for `registry.registerAll(GROUP_APIS)`.
 *
 * @module
 */
import type { KafkaApi } from "../handler.ts";
import { findCoordinatorApi } from "./find_coordinator.ts";
import { joinGroupApi } from "./join_group.ts";
import { syncGroupApi } from "./sync_group.ts";
import { heartbeatApi } from "./heartbeat.ts";
import { leaveGroupApi } from "./leave_group.ts";
import { offsetCommitApi } from "./offset_commit.ts";
import { offsetFetchApi } from "./offset_fetch.ts";
import { listGroupsApi } from "./list_groups.ts";
import { describeGroupsApi } from "./describe_groups.ts";

/** Every group API: FindCoordinator 0–2, JoinGroup 0–5, SyncGroup 0–3, Heartbeat 0–3,
 * LeaveGroup 0–3, OffsetCommit 2–7, OffsetFetch 1–5, ListGroups 0–2, DescribeGroups 0–3. */
export const GROUP_APIS: readonly KafkaApi[] = [
  findCoordinatorApi,
  joinGroupApi,
  syncGroupApi,
  heartbeatApi,
  leaveGroupApi,
  offsetCommitApi,
  offsetFetchApi,
  listGroupsApi,
  describeGroupsApi,
];
