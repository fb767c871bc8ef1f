/**
 * Messages of the cluster controller (`{ kind: "controller", id: "0" }`, a
 * cluster singleton served by the controller lease holder). Plain data.
 *
 * @module
 */
import type { ConfigInput, CreateTopicRequest } from "../../client/protocol/mod.ts";
import type { AlterIsrRequest } from "../../actors/partition/mod.ts";

/** Address of the controller. */
export const CONTROLLER = { kind: "controller", id: "0" } as const;

/** Requests the controller answers. */
export type ControllerRequest =
  | { type: "createTopic"; request: CreateTopicRequest; internal?: boolean }
  | { type: "deleteTopic"; name: string }
  | { type: "alterTopicConfigs"; name: string; configs: Record<string, ConfigInput> }
  | { type: "initProducer" }
  | RejoinRequest
  | AlterIsrRequest;

/**
 * A restarted node (a new incarnation) names the partitions it led before
 * it joined the membership; the controller moves each one still led by it
 * at that epoch to a new epoch (another ISR member, or the node itself).
 */
export interface RejoinRequest {
  /** Discriminator. */
  type: "rejoin";
  /** The restarted node. */
  nodeId: number;
  /** Leaderships of its previous incarnation. */
  stale: { topicId: string; name: string; partition: number; leaderEpoch: number }[];
}
