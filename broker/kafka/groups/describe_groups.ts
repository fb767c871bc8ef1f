/**
 * DescribeGroups (key 15), versions 0–3: a Kafka-client group's state,
 * protocol and members with their metadata and assignment; a group of
 * HTTP/SDK members shows as protocol type `consumer`, protocol `weir`, with
 * each member's assignment encoded as a ConsumerProtocol assignment; a group
 * never seen answers state `Dead` (Kafka's answer before v5).
 *
 * @module
 */
import type { KafkaApi } from "../handler.ts";
import type { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS, kafkaErrorCode } from "../protocol/error_codes.ts";
import { groupsOf, type KafkaGroups, requireGroupAccess } from "./_groups_backend.ts";

/** One described group. */
export interface DescribedGroup {
  /** Kafka error number. */
  errorCode: number;
  /** Group id. */
  groupId: string;
  /** State name (Kafka's). */
  state: string;
  /** Protocol type. */
  protocolType: string;
  /** Chosen protocol. */
  protocol: string;
  /** Members. */
  members: {
    memberId: string;
    clientId: string;
    clientHost: string;
    metadata: Uint8Array;
    assignment: Uint8Array;
  }[];
}

/**
 * Decodes a DescribeGroups request body (v0–3).
 *
 * @param r Reader at the body.
 * @param version API version.
 * @returns The group ids.
 */
export function decodeDescribeGroupsRequest(r: KafkaReader, version: number): string[] {
  const groups = r.array(false, (r) => r.string());
  if (version >= 3) r.boolean(); // include_authorized_operations
  return groups;
}

/**
 * Encodes a DescribeGroups response body (v0–3).
 *
 * @param groups The described groups.
 * @param version API version.
 * @returns The body.
 */
export function encodeDescribeGroupsResponse(
  groups: DescribedGroup[],
  version: number,
): Uint8Array {
  const w = new KafkaWriter(256);
  if (version >= 1) w.int32(0); // throttle_time_ms
  w.array(false, groups, (w, g) => {
    w.int16(g.errorCode).string(g.groupId).string(g.state).string(g.protocolType);
    w.string(g.protocol);
    w.array(false, g.members, (w, m) => {
      w.string(m.memberId).string(m.clientId).string(m.clientHost);
      w.bytes(m.metadata).bytes(m.assignment);
    });
    if (version >= 3) w.int32(-2147483648); // authorized_operations: not asked
  });
  return w.finish();
}

/** A ConsumerProtocolAssignment (version 0) of topic partitions. */
export function encodeConsumerAssignment(
  assignment: readonly { topic: string; partitions: readonly number[] }[],
): Uint8Array {
  const w = new KafkaWriter(64);
  w.int16(0);
  w.array(false, assignment, (w, t) => {
    w.string(t.topic);
    w.array(false, t.partitions, (w, p) => void w.int32(p));
  });
  w.nullableBytes(null);
  return w.finish().slice();
}

async function describeOne(groups: KafkaGroups, groupId: string): Promise<DescribedGroup> {
  const dead: DescribedGroup = {
    errorCode: KAFKA_ERRORS.NONE,
    groupId,
    state: "Dead",
    protocolType: "",
    protocol: "",
    members: [],
  };
  try {
    const d = await groups.classicDescribe(groupId);
    if (d === null) return dead;
    if (d.kind === "classic") {
      return {
        errorCode: KAFKA_ERRORS.NONE,
        groupId,
        state: d.state,
        protocolType: d.protocolType,
        protocol: d.protocolName,
        members: d.members.map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          metadata: m.metadata,
          assignment: m.assignment,
        })),
      };
    }
    const h = await groups.describeGroup(groupId);
    return {
      errorCode: KAFKA_ERRORS.NONE,
      groupId,
      state: h.state === "Reconciling" ? "CompletingRebalance" : h.state,
      protocolType: "consumer",
      protocol: "weir",
      members: h.members.map((m) => ({
        memberId: m.memberId,
        clientId: "weir-http",
        clientHost: "",
        metadata: new Uint8Array(0),
        assignment: encodeConsumerAssignment(m.assignment),
      })),
    };
  } catch (e) {
    return { ...dead, state: "", errorCode: kafkaErrorCode(e) };
  }
}

/** DescribeGroups 0–3. */
export const describeGroupsApi: KafkaApi = {
  key: API_KEYS.DescribeGroups,
  name: "DescribeGroups",
  minVersion: 0,
  maxVersion: 3,
  handle: async (ctx, req) => {
    const ids = decodeDescribeGroupsRequest(req.body, req.apiVersion);
    const groups = groupsOf(ctx);
    const described = await Promise.all(ids.map((id) => {
      try {
        requireGroupAccess(ctx, id);
      } catch (e) {
        return {
          errorCode: kafkaErrorCode(e),
          groupId: id,
          state: "",
          protocolType: "",
          protocol: "",
          members: [],
        } satisfies DescribedGroup;
      }
      return describeOne(groups, id);
    }));
    return encodeDescribeGroupsResponse(described, req.apiVersion);
  },
};
