/**
 * SyncGroup (key 14), versions 0–3: the leader hands out the assignment;
 * every member (leader included) gets its own once the leader's arrives.
 *
 * @module
 */
import type { KafkaApi } from "../handler.ts";
import type { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { kafkaErrorCode } from "../protocol/error_codes.ts";
import { groupsOf, kafkaCode, requireGroupAccess } from "./_groups_backend.ts";

/** A decoded SyncGroup request. */
export interface SyncGroupWireRequest {
  /** Group id. */
  groupId: string;
  /** Generation the member joined. */
  generationId: number;
  /** Member id. */
  memberId: string;
  /** Static membership id (v3+), or null. */
  groupInstanceId: string | null;
  /** The leader's assignments (empty from followers). */
  assignments: { memberId: string; assignment: Uint8Array }[];
}

/**
 * Decodes a SyncGroup request body (v0–3).
 *
 * @param r Reader at the body.
 * @param version API version.
 * @returns The request.
 */
export function decodeSyncGroupRequest(r: KafkaReader, version: number): SyncGroupWireRequest {
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  const groupInstanceId = version >= 3 ? r.nullableString() : null;
  const assignments = r.array(false, (r) => ({
    memberId: r.string(),
    assignment: r.bytes().slice(),
  }));
  return { groupId, generationId, memberId, groupInstanceId, assignments };
}

/**
 * Encodes a SyncGroup response body (v0–3).
 *
 * @param res Error number and the member's assignment.
 * @param version API version.
 * @returns The body.
 */
export function encodeSyncGroupResponse(
  res: { errorCode: number; assignment: Uint8Array },
  version: number,
): Uint8Array {
  const w = new KafkaWriter(64);
  if (version >= 1) w.int32(0); // throttle_time_ms
  w.int16(res.errorCode).bytes(res.assignment);
  return w.finish();
}

/** SyncGroup 0–3. */
export const syncGroupApi: KafkaApi = {
  key: API_KEYS.SyncGroup,
  name: "SyncGroup",
  minVersion: 0,
  maxVersion: 3,
  handle: async (ctx, req) => {
    const request = decodeSyncGroupRequest(req.body, req.apiVersion);
    let res: { errorCode: number; assignment: Uint8Array };
    try {
      requireGroupAccess(ctx, request.groupId);
      const reply = await groupsOf(ctx).classicSync(request.groupId, {
        memberId: request.memberId,
        generationId: request.generationId,
        instanceId: request.groupInstanceId,
        assignments: request.assignments,
      });
      res = { errorCode: kafkaCode(reply.error), assignment: reply.assignment };
    } catch (e) {
      res = { errorCode: kafkaErrorCode(e), assignment: new Uint8Array(0) };
    }
    return encodeSyncGroupResponse(res, req.apiVersion);
  },
};
