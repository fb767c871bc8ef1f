/**
 * Messages of the GroupCoordinatorActor: what the broker node may ask one
 * group's coordinator and what it answers. Plain data, structured-clone safe.
 *
 * @module
 */
import type {
  GroupDescription,
  GroupLimits,
  HeartbeatRequest,
  JoinRequest,
  MemberReply,
} from "./group_state.ts";
import type {
  ClassicGroupDescription,
  ClassicGroupStateName,
  ClassicHeartbeatRequest,
  ClassicJoinRequest,
  ClassicJoinResponse,
  ClassicSyncRequest,
  ClassicSyncResponse,
} from "./classic_group_state.ts";

/** Init data of a group coordinator (used again on every restart). */
export interface GroupCoordinatorInit {
  /** The group id (also the actor id). */
  groupId: string;
  /** Partition of `__consumer_offsets` holding this group's offsets. */
  offsetsPartition: number;
  /** Partition counts of the topics that exist when the coordinator starts. */
  partitionCounts: Record<string, number>;
  /** Group limits; unset fields take GroupState's defaults. */
  limits?: Partial<GroupLimits>;
}

/** One offset to commit. */
export interface CommitEntry {
  /** Topic name. */
  topic: string;
  /** Partition index. */
  partition: number;
  /** The next offset the group will read (≥ 0). */
  offset: number;
  /** Free text stored with the offset. */
  metadata?: string;
}

/** One committed offset as answered. */
export interface CommittedEntry {
  /** Topic name. */
  topic: string;
  /** Partition index. */
  partition: number;
  /** The next offset the group will read. */
  offset: number;
  /** Free text stored with the offset ("" when none). */
  metadata: string;
}

/** Requests a group coordinator answers. */
export type GroupRequest =
  | { type: "join"; request: JoinRequest }
  | { type: "heartbeat"; memberId: string; request: HeartbeatRequest }
  | { type: "leave"; memberId: string }
  | {
    type: "commitOffsets";
    memberId?: string;
    memberEpoch?: number;
    offsets: CommitEntry[];
  }
  | { type: "fetchOffsets"; topic?: string }
  | { type: "describe" }
  | { type: "setTopics"; partitionCounts: Record<string, number> }
  | { type: "isIdle" }
  | { type: "classicJoin"; request: ClassicJoinRequest }
  | { type: "classicSync"; request: ClassicSyncRequest }
  | { type: "classicHeartbeat"; request: ClassicHeartbeatRequest }
  | { type: "classicLeave"; memberIds: string[] }
  | { type: "classicCommit"; memberId: string; generationId: number; offsets: CommitEntry[] }
  | { type: "classicDescribe" };

/** Answer to `classicCommit`: a group-level error, or one result per offset. */
export interface ClassicCommitReply {
  /** Set when nothing was committed (fencing, or the group is of the other kind). */
  error: string | null;
  /** Per offset: null when committed, else the error code. */
  results: { topic: string; partition: number; error: string | null }[];
}

/** Answer to `classicDescribe`: a classic group's protocol view (DescribeGroups). */
export type ClassicDescribeReply = ClassicGroupDescription & {
  /** "consumer" when HTTP/SDK members own the group now, else "classic". */
  kind: "consumer" | "classic";
};

/** Answer to `describe`: the group plus its committed offsets. */
export interface GroupCoordinatorDescription extends Omit<GroupDescription, "state"> {
  /** Consumer-group state, or a classic (Kafka-client) group's state with Kafka's names. */
  state: GroupDescription["state"] | ClassicGroupStateName;
  /** Committed offsets, sorted by topic then partition. */
  offsets: CommittedEntry[];
}

/** Answer to `isIdle`. */
export interface IdleReply {
  /** True when the group has no members (it may be passivated). */
  idle: boolean;
  /** Member count. */
  members: number;
  /** The group's state. */
  state: GroupDescription["state"] | ClassicGroupStateName;
  /** "classic" when Kafka clients own the group now. */
  kind?: "consumer" | "classic";
}

/** Reply of each request type. */
export interface GroupReplies {
  /** The new member's id, epoch and first assignment. */
  join: MemberReply;
  /** The member's epoch and full current assignment. */
  heartbeat: MemberReply;
  /** Nothing. */
  leave: null;
  /** What was committed. */
  commitOffsets: { offsets: CommittedEntry[] };
  /** Committed offsets, optionally of one topic. */
  fetchOffsets: { offsets: CommittedEntry[] };
  /** Members, assignment and committed offsets. */
  describe: GroupCoordinatorDescription;
  /** Nothing. */
  setTopics: null;
  /** Whether the group has members. */
  isIdle: IdleReply;
  /** JoinGroup answer (parked until the rebalance completes). */
  classicJoin: ClassicJoinResponse;
  /** SyncGroup answer (parked until the leader's assignment). */
  classicSync: ClassicSyncResponse;
  /** Heartbeat error, or null. */
  classicHeartbeat: { error: string | null };
  /** Per-member errors. */
  classicLeave: { errors: (string | null)[] };
  /** Commit outcome. */
  classicCommit: ClassicCommitReply;
  /** DescribeGroups view. */
  classicDescribe: ClassicDescribeReply;
}
