/**
 * JoinGroup (key 11), versions 0–5: the classic group protocol's join,
 * answered by the group's coordinator actor when the rebalance completes
 * (the request waits, the connection keeps serving others' answers in order).
 * From v4 a new member first gets `MEMBER_ID_REQUIRED` (79) with its id.
 *
 * @module
 */
import type { ClassicJoinResponse } from "../../../actors/group_coordinator/mod.ts";
import type { KafkaApi } from "../handler.ts";
import type { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { kafkaErrorCode } from "../protocol/error_codes.ts";
import { clientHost, groupsOf, kafkaCode, requireGroupAccess } from "./_groups_backend.ts";

/** A decoded JoinGroup request. */
export interface JoinGroupWireRequest {
  /** Group id. */
  groupId: string;
  /** Session timeout (ms). */
  sessionTimeoutMs: number;
  /** Rebalance timeout (ms; v0: the session timeout). */
  rebalanceTimeoutMs: number;
  /** Member id ("" for a new member). */
  memberId: string;
  /** Static membership id (v5+), or null. */
  groupInstanceId: string | null;
  /** Protocol type, e.g. `consumer`. */
  protocolType: string;
  /** Protocols by preference. */
  protocols: { name: string; metadata: Uint8Array }[];
}

/**
 * Decodes a JoinGroup request body (v0–5).
 *
 * @param r Reader at the body.
 * @param version API version.
 * @returns The request.
 */
export function decodeJoinGroupRequest(r: KafkaReader, version: number): JoinGroupWireRequest {
  const groupId = r.string();
  const sessionTimeoutMs = r.int32();
  const rebalanceTimeoutMs = version >= 1 ? r.int32() : sessionTimeoutMs;
  const memberId = r.string();
  const groupInstanceId = version >= 5 ? r.nullableString() : null;
  const protocolType = r.string();
  const protocols = r.array(false, (r) => ({ name: r.string(), metadata: r.bytes().slice() }));
  return {
    groupId,
    sessionTimeoutMs,
    rebalanceTimeoutMs,
    memberId,
    groupInstanceId,
    protocolType,
    protocols,
  };
}

/**
 * Encodes a JoinGroup response body (v0–5).
 *
 * @param res The answer (error as a Kafka number).
 * @param version API version.
 * @returns The body.
 */
export function encodeJoinGroupResponse(
  res: Omit<ClassicJoinResponse, "error"> & { errorCode: number },
  version: number,
): Uint8Array {
  const w = new KafkaWriter(128);
  if (version >= 2) w.int32(0); // throttle_time_ms
  w.int16(res.errorCode).int32(res.generationId).string(res.protocolName ?? "");
  w.string(res.leader).string(res.memberId);
  w.array(false, res.members, (w, m) => {
    w.string(m.memberId);
    if (version >= 5) w.nullableString(m.instanceId);
    w.bytes(m.metadata);
  });
  return w.finish();
}

/** JoinGroup 0–5. */
export const joinGroupApi: KafkaApi = {
  key: API_KEYS.JoinGroup,
  name: "JoinGroup",
  minVersion: 0,
  maxVersion: 5,
  handle: async (ctx, req) => {
    const request = decodeJoinGroupRequest(req.body, req.apiVersion);
    let res: Omit<ClassicJoinResponse, "error"> & { errorCode: number };
    try {
      requireGroupAccess(ctx, request.groupId);
      const reply = await groupsOf(ctx).classicJoin(request.groupId, {
        memberId: request.memberId,
        instanceId: request.groupInstanceId,
        clientId: req.clientId ?? "",
        clientHost: clientHost(ctx.connection.remote),
        protocolType: request.protocolType,
        protocols: request.protocols,
        sessionTimeoutMs: request.sessionTimeoutMs,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs,
        requireKnownMemberId: req.apiVersion >= 4,
      });
      const { error, ...rest } = reply;
      res = { ...rest, errorCode: kafkaCode(error) };
    } catch (e) {
      res = {
        errorCode: kafkaErrorCode(e),
        generationId: -1,
        protocolType: null,
        protocolName: null,
        leader: "",
        memberId: request.memberId,
        members: [],
      };
    }
    return encodeJoinGroupResponse(res, req.apiVersion);
  },
};
