/**
 * {@linkcode RemoteGroups}: the Kafka classic-group calls of
 * `GroupCoordinators`, answered by each group's coordinator node (behind
 * `groups/node@<n>`, placed by hash of the group id), so the Kafka listener
 * of any node serves JoinGroup/SyncGroup/Heartbeat/LeaveGroup/OffsetCommit/
 * OffsetFetch/DescribeGroups/ListGroups.
 *
 * @module
 */
import type {
  ClassicCommitReply,
  ClassicDescribeReply,
  ClassicHeartbeatRequest,
  ClassicJoinRequest,
  ClassicJoinResponse,
  ClassicSyncRequest,
  ClassicSyncResponse,
  CommitEntry,
} from "../../actors/group_coordinator/mod.ts";
import type {
  GroupDescriptionResponse,
  GroupOffsetsResponse,
  GroupSummary,
} from "../../client/protocol/mod.ts";
import type { GroupsMethod } from "./cluster_groups.ts";

/** Sends one `GroupCoordinators` call to the group's node and returns its answer. */
export type AskGroups = <T>(method: GroupsMethod, args: unknown[]) => Promise<T>;

/** The group calls the Kafka listener makes, forwarded to the coordinators' node. */
export class RemoteGroups {
  readonly #ask: AskGroups;

  /** @param ask forwards one call (retries included) */
  constructor(ask: AskGroups) {
    this.#ask = ask;
  }

  /** Every group with its state. */
  listGroups(): Promise<GroupSummary[]> {
    return this.#ask("listGroups", []);
  }

  /** One group (HTTP/SDK members). */
  describeGroup(groupId: string): Promise<GroupDescriptionResponse> {
    return this.#ask("describeGroup", [groupId]);
  }

  /** Committed offsets of a group. */
  fetchOffsets(groupId: string, options: { topic?: string } = {}): Promise<GroupOffsetsResponse> {
    return this.#ask("fetchOffsets", [groupId, options]);
  }

  /** Kafka JoinGroup (parked on the coordinator until the rebalance completes). */
  classicJoin(groupId: string, request: ClassicJoinRequest): Promise<ClassicJoinResponse> {
    return this.#ask("classicJoin", [groupId, request]);
  }

  /** Kafka SyncGroup. */
  classicSync(groupId: string, request: ClassicSyncRequest): Promise<ClassicSyncResponse> {
    return this.#ask("classicSync", [groupId, request]);
  }

  /** Kafka Heartbeat: the error to answer, or null. */
  classicHeartbeat(groupId: string, request: ClassicHeartbeatRequest): Promise<string | null> {
    return this.#ask("classicHeartbeat", [groupId, request]);
  }

  /** Kafka LeaveGroup: one error (or null) per member. */
  classicLeave(groupId: string, memberIds: string[]): Promise<(string | null)[]> {
    return this.#ask("classicLeave", [groupId, memberIds]);
  }

  /** Kafka OffsetCommit. */
  classicCommit(
    groupId: string,
    request: { memberId: string; generationId: number; offsets: CommitEntry[] },
  ): Promise<ClassicCommitReply> {
    return this.#ask("classicCommit", [groupId, request]);
  }

  /** Kafka DescribeGroups of a classic group, or null when it is not one. */
  classicDescribe(groupId: string): Promise<ClassicDescribeReply | null> {
    return this.#ask("classicDescribe", [groupId]);
  }
}
