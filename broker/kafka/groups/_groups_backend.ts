/**
 * Helpers shared by the group APIs: the node's {@linkcode GroupCoordinators}
 * behind a handler's backend, and Weir error names as Kafka error numbers.
 *
 * @module
 */
import { WeirError } from "../../../client/protocol/mod.ts";
import type { GroupCoordinators } from "../../groups.ts";
import type { KafkaRequestContext } from "../handler.ts";
import { mayAccess } from "../kafka_auth.ts";
import { KAFKA_ERRORS, kafkaErrorCode, type KafkaErrorName } from "../protocol/error_codes.ts";

/**
 * The group calls the Kafka APIs make: a `BrokerNode`'s own coordinators, or
 * a cluster node's forwarder to the coordinators' node (`RemoteGroups`).
 */
export type KafkaGroups = Pick<
  GroupCoordinators,
  | "listGroups"
  | "describeGroup"
  | "fetchOffsets"
  | "classicJoin"
  | "classicSync"
  | "classicHeartbeat"
  | "classicLeave"
  | "classicCommit"
  | "classicDescribe"
>;

/**
 * The group coordinators behind `ctx.backend` (a `BrokerNode` or a `ClusterNode`).
 *
 * @param ctx Handler context.
 * @returns The node's group coordinators.
 * @throws {WeirError} `COORDINATOR_NOT_AVAILABLE` when the backend has none.
 */
export function groupsOf(ctx: KafkaRequestContext): KafkaGroups {
  const backend = ctx.backend as KafkaRequestContext["backend"] & { groups?: KafkaGroups };
  const groups = "groups" in backend ? backend.groups : undefined;
  if (groups === undefined) {
    throw new WeirError(
      "COORDINATOR_NOT_AVAILABLE",
      "Cannot serve Kafka group requests: the backend has no group coordinators",
    );
  }
  return groups;
}

/**
 * Refuses a group request the connection's principal has no right to: with
 * `--auth-file` on, every group API needs `consume` on `group:<id>` (Kafka's
 * READ/DESCRIBE on the group), as on the HTTP edge.
 *
 * @param ctx Handler context (auth store and the connection's principal).
 * @param groupId The group the request names.
 * @throws {WeirError} `GROUP_AUTHORIZATION_FAILED` when the principal lacks the right.
 */
export function requireGroupAccess(ctx: KafkaRequestContext, groupId: string): void {
  if (mayAccess(ctx, `group:${groupId}`, ["consume"])) return;
  throw new WeirError(
    "GROUP_AUTHORIZATION_FAILED",
    `Cannot use group ${JSON.stringify(groupId)}: principal ${
      JSON.stringify(ctx.connection.principal?.name ?? "")
    } is not allowed`,
  );
}

/**
 * Whether the connection's principal may read a topic's offsets in a group
 * (`consume` on `topic:<name>`, Kafka's READ on the topic for OffsetCommit
 * and DESCRIBE for OffsetFetch).
 *
 * @param ctx Handler context.
 * @param topic The topic.
 * @returns True when allowed (always with auth off).
 */
export function mayUseTopicOffsets(ctx: KafkaRequestContext, topic: string): boolean {
  return mayAccess(ctx, `topic:${topic}`, ["consume"]);
}

/**
 * A Weir error name (or null for success) as a Kafka error number.
 *
 * @param name An error code such as `"ILLEGAL_GENERATION"`, or null.
 * @returns The Kafka number (0 for null).
 */
export function kafkaCode(name: string | null): number {
  if (name === null) return KAFKA_ERRORS.NONE;
  if (Object.hasOwn(KAFKA_ERRORS, name)) return KAFKA_ERRORS[name as KafkaErrorName];
  return kafkaErrorCode(new WeirError(name, name));
}

/** Kafka's `client_host` form of a connection's peer (`/host`). */
export function clientHost(remote: string): string {
  const colon = remote.lastIndexOf(":");
  return `/${colon > 0 ? remote.slice(0, colon) : remote}`;
}
