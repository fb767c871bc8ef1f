/**
 * Heartbeat (key 12), versions 0–3: keeps a classic member's session alive;
 * `REBALANCE_IN_PROGRESS` (27) tells it to rejoin, `ILLEGAL_GENERATION` (22)
 * and `UNKNOWN_MEMBER_ID` (25) that it was left behind.
 *
 * @module
 */
import type { KafkaApi } from "../handler.ts";
import type { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { kafkaErrorCode } from "../protocol/error_codes.ts";
import { groupsOf, kafkaCode, requireGroupAccess } from "./_groups_backend.ts";

/** A decoded Heartbeat request. */
export interface HeartbeatWireRequest {
  /** Group id. */
  groupId: string;
  /** The member's generation. */
  generationId: number;
  /** Member id. */
  memberId: string;
}

/**
 * Decodes a Heartbeat request body (v0–3).
 *
 * @param r Reader at the body.
 * @param version API version.
 * @returns The request.
 */
export function decodeHeartbeatRequest(r: KafkaReader, version: number): HeartbeatWireRequest {
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  if (version >= 3) r.nullableString(); // group_instance_id
  return { groupId, generationId, memberId };
}

/**
 * Encodes a Heartbeat response body (v0–3).
 *
 * @param errorCode Kafka error number.
 * @param version API version.
 * @returns The body.
 */
export function encodeHeartbeatResponse(errorCode: number, version: number): Uint8Array {
  const w = new KafkaWriter(8);
  if (version >= 1) w.int32(0); // throttle_time_ms
  return w.int16(errorCode).finish();
}

/** Heartbeat 0–3. */
export const heartbeatApi: KafkaApi = {
  key: API_KEYS.Heartbeat,
  name: "Heartbeat",
  minVersion: 0,
  maxVersion: 3,
  handle: async (ctx, req) => {
    const request = decodeHeartbeatRequest(req.body, req.apiVersion);
    let errorCode: number;
    try {
      requireGroupAccess(ctx, request.groupId);
      errorCode = kafkaCode(
        await groupsOf(ctx).classicHeartbeat(request.groupId, {
          memberId: request.memberId,
          generationId: request.generationId,
        }),
      );
    } catch (e) {
      errorCode = kafkaErrorCode(e);
    }
    return encodeHeartbeatResponse(errorCode, req.apiVersion);
  },
};
