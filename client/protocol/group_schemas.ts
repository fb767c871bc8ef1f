/**
 * Zod schemas of the consumer-group routes' bodies (API.md "groups" rows) and
 * the group id rule. The HTTP edge validates requests with them and the SDK
 * parses responses with them. Value ranges that carry their own error code
 * (session timeouts, negative offsets, unknown topics) are checked by the
 * broker, not here, so the client sees the specific code.
 *
 * @module
 */
import { z } from "zod";
import { WeirError } from "./errors.ts";

/** Longest group id (Kafka's limit for names). */
export const MAX_GROUP_ID_LENGTH = 249;

/**
 * Checks a consumer group id: 1..249 characters, no control characters.
 *
 * @param groupId The id to check.
 * @throws {WeirError} `INVALID_GROUP_ID` for an empty, too long or control-character id.
 *
 * @example Accept and reject group ids
 * ```ts
 * import { validateGroupId } from "weir/client";
 * import { assertThrows } from "@std/assert";
 *
 * validateGroupId("billing");
 * assertThrows(() => validateGroupId(""));
 * assertThrows(() => validateGroupId("a\nb"));
 * ```
 */
export function validateGroupId(groupId: string): void {
  if (groupId.length === 0 || groupId.length > MAX_GROUP_ID_LENGTH) {
    throw new WeirError(
      "INVALID_GROUP_ID",
      `Cannot use group id ${
        JSON.stringify(groupId.slice(0, 40))
      }: it must have 1 to ${MAX_GROUP_ID_LENGTH} characters (it has ${groupId.length})`,
    );
  }
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(groupId)) {
    throw new WeirError(
      "INVALID_GROUP_ID",
      `Cannot use group id ${
        JSON.stringify(groupId.slice(0, 40))
      }: it must not contain control characters`,
    );
  }
}

/** Partitions of one topic, ascending. */
export const TopicPartitionsSchema = z.object({
  topic: z.string(),
  partitions: z.array(z.number().int()),
});
/** Partitions of one topic, ascending. */
export interface TopicPartitionList {
  /** Topic name. */
  topic: string;
  /** Partitions, ascending. */
  partitions: number[];
}

/** `POST /v1/groups/:group/members` body. */
export const JoinGroupRequestSchema = z.object({
  topics: z.array(z.string()),
  instanceId: z.string().optional(),
  sessionTimeoutMs: z.number().int().optional(),
  rebalanceTimeoutMs: z.number().int().optional(),
});
/** `POST /v1/groups/:group/members` body. */
export type JoinGroupRequest = z.infer<typeof JoinGroupRequestSchema>;

/** `POST /v1/groups/:group/members` answer. */
export const JoinGroupResponseSchema = z.object({
  memberId: z.string(),
  memberEpoch: z.number().int(),
  heartbeatIntervalMs: z.number().int(),
  assignment: z.array(TopicPartitionsSchema),
});
/** `POST /v1/groups/:group/members` answer. */
export type JoinGroupResponse = z.infer<typeof JoinGroupResponseSchema>;

/** `POST /v1/groups/:group/members/:memberId/heartbeat` body. */
export const HeartbeatRequestSchema = z.object({
  memberEpoch: z.number().int(),
  ownedPartitions: z.array(TopicPartitionsSchema),
});
/** `POST /v1/groups/:group/members/:memberId/heartbeat` body. */
export type HeartbeatRequest = z.infer<typeof HeartbeatRequestSchema>;

/** Heartbeat answer: `assignment` is always the member's full current assignment. */
export const HeartbeatResponseSchema = z.object({
  memberId: z.string().optional(),
  memberEpoch: z.number().int(),
  heartbeatIntervalMs: z.number().int(),
  assignment: z.array(TopicPartitionsSchema),
});
/** Heartbeat answer. */
export type HeartbeatResponse = z.infer<typeof HeartbeatResponseSchema>;

/** One offset to commit; `offset` is the next record the group will read. */
export const OffsetCommitSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.number().int(),
  metadata: z.string().optional(),
});
/** One offset to commit. */
export interface OffsetCommit {
  /** Topic name. */
  topic: string;
  /** Partition. */
  partition: number;
  /** The next offset the group will read (Kafka's convention). */
  offset: number;
  /** Free text stored with the offset. */
  metadata?: string | undefined;
}

/** `POST /v1/groups/:group/offsets` body. */
export const CommitOffsetsRequestSchema = z.object({
  memberId: z.string().optional(),
  memberEpoch: z.number().int().optional(),
  offsets: z.array(OffsetCommitSchema),
});
/** `POST /v1/groups/:group/offsets` body. */
export type CommitOffsetsRequest = z.infer<typeof CommitOffsetsRequestSchema>;

/** One committed offset. */
export const CommittedOffsetSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.number().int(),
  metadata: z.string(),
});
/** One committed offset. */
export type CommittedOffset = z.infer<typeof CommittedOffsetSchema>;

/** `GET /v1/groups/:group/offsets` answer, and the 200 of a commit (what was committed). */
export const GroupOffsetsResponseSchema = z.object({ offsets: z.array(CommittedOffsetSchema) });
/** `GET /v1/groups/:group/offsets` answer. */
export type GroupOffsetsResponse = z.infer<typeof GroupOffsetsResponseSchema>;

/**
 * A group's state: no members, every member on its target, or members still
 * moving; a Kafka-client (classic protocol) group uses Kafka's names
 * (`PreparingRebalance`, `CompletingRebalance`, `Stable`, `Dead`, `Empty`).
 */
export const GroupStateNameSchema = z.enum([
  "Empty",
  "Stable",
  "Reconciling",
  "PreparingRebalance",
  "CompletingRebalance",
  "Dead",
]);
/** A group's state. */
export type GroupStateName =
  | "Empty"
  | "Stable"
  | "Reconciling"
  | "PreparingRebalance"
  | "CompletingRebalance"
  | "Dead";

/** One entry of `GET /v1/groups`; `members` is the count. */
export const GroupSummarySchema = z.object({
  groupId: z.string(),
  state: GroupStateNameSchema,
  members: z.number().int(),
});
/** One entry of `GET /v1/groups`. */
export interface GroupSummary {
  /** Group id. */
  groupId: string;
  /** Group state. */
  state: GroupStateName;
  /** Member count. */
  members: number;
}

/** `GET /v1/groups`. */
export const GroupListSchema = z.object({ groups: z.array(GroupSummarySchema) });
/** `GET /v1/groups`. */
export type GroupList = z.infer<typeof GroupListSchema>;

/** One member in a group description. */
export const GroupMemberDescriptionSchema = z.object({
  memberId: z.string(),
  instanceId: z.string().optional(),
  memberEpoch: z.number().int(),
  topics: z.array(z.string()),
  assignment: z.array(TopicPartitionsSchema),
});
/** One member in a group description. */
export interface GroupMemberDescription {
  /** Member id. */
  memberId: string;
  /** Static membership id, when given. */
  instanceId?: string | undefined;
  /** The member's epoch. */
  memberEpoch: number;
  /** Subscribed topics. */
  topics: string[];
  /** Current assignment. */
  assignment: TopicPartitionList[];
}

/** One committed offset with its lag in a group description. */
export const GroupOffsetLagSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  committed: z.number().int(),
  highWatermark: z.number().int(),
  lag: z.number().int(),
});
/** One committed offset with its lag. */
export interface GroupOffsetLag {
  /** Topic name. */
  topic: string;
  /** Partition. */
  partition: number;
  /** Committed offset. */
  committed: number;
  /** The partition's high watermark. */
  highWatermark: number;
  /** highWatermark − committed (never negative). */
  lag: number;
}

/** `GET /v1/groups/:group`. */
export const GroupDescriptionSchema = z.object({
  groupId: z.string(),
  state: GroupStateNameSchema,
  epoch: z.number().int(),
  members: z.array(GroupMemberDescriptionSchema),
  offsets: z.array(GroupOffsetLagSchema),
});
/** `GET /v1/groups/:group`. */
export interface GroupDescriptionResponse {
  /** Group id. */
  groupId: string;
  /** Group state. */
  state: GroupStateName;
  /** Group epoch. */
  epoch: number;
  /** Members with their assignments. */
  members: GroupMemberDescription[];
  /** Committed offsets with lag. */
  offsets: GroupOffsetLag[];
}
