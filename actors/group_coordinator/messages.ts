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
  | { type: "isIdle" };

/** Answer to `describe`: the group plus its committed offsets. */
export interface GroupCoordinatorDescription extends GroupDescription {
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
  state: GroupDescription["state"];
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
}
