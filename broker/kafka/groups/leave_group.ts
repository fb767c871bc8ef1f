/**
 * LeaveGroup (key 13), versions 0–3: v0–2 name one member; v3 a list, with
 * an error per member.
 *
 * @module
 */
import type { KafkaApi } from "../handler.ts";
import type { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS, kafkaErrorCode } from "../protocol/error_codes.ts";
import { groupsOf, kafkaCode, requireGroupAccess } from "./_groups_backend.ts";

/** A decoded LeaveGroup request. */
export interface LeaveGroupWireRequest {
  /** Group id. */
  groupId: string;
  /** Leaving members (one before v3). */
  members: { memberId: string; groupInstanceId: string | null }[];
}

/** A LeaveGroup response. */
export interface LeaveGroupWireResponse {
  /** Top-level error (v0–2: the member's). */
  errorCode: number;
  /** Per member (v3+). */
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

/**
 * Decodes a LeaveGroup request body (v0–3).
 *
 * @param r Reader at the body.
 * @param version API version.
 * @returns The request.
 */
export function decodeLeaveGroupRequest(r: KafkaReader, version: number): LeaveGroupWireRequest {
  const groupId = r.string();
  if (version < 3) return { groupId, members: [{ memberId: r.string(), groupInstanceId: null }] };
  const members = r.array(false, (r) => ({
    memberId: r.string(),
    groupInstanceId: r.nullableString(),
  }));
  return { groupId, members };
}

/**
 * Encodes a LeaveGroup response body (v0–3).
 *
 * @param res The response.
 * @param version API version.
 * @returns The body.
 */
export function encodeLeaveGroupResponse(res: LeaveGroupWireResponse, version: number): Uint8Array {
  const w = new KafkaWriter(32);
  if (version >= 1) w.int32(0); // throttle_time_ms
  w.int16(res.errorCode);
  if (version >= 3) {
    w.array(false, res.members, (w, m) => {
      w.string(m.memberId).nullableString(m.groupInstanceId).int16(m.errorCode);
    });
  }
  return w.finish();
}

/** LeaveGroup 0–3. */
export const leaveGroupApi: KafkaApi = {
  key: API_KEYS.LeaveGroup,
  name: "LeaveGroup",
  minVersion: 0,
  maxVersion: 3,
  handle: async (ctx, req) => {
    const request = decodeLeaveGroupRequest(req.body, req.apiVersion);
    let res: LeaveGroupWireResponse;
    try {
      requireGroupAccess(ctx, request.groupId);
      const errors = await groupsOf(ctx).classicLeave(
        request.groupId,
        request.members.map((m) => m.memberId),
      );
      const members = request.members.map((m, i) => ({
        ...m,
        errorCode: kafkaCode(errors[i] ?? null),
      }));
      const errorCode = req.apiVersion < 3 ? members[0]?.errorCode ?? 0 : KAFKA_ERRORS.NONE;
      res = { errorCode, members };
    } catch (e) {
      res = { errorCode: kafkaErrorCode(e), members: [] };
    }
    return encodeLeaveGroupResponse(res, req.apiVersion);
  },
};
