/**
 * ListGroups (key 16), versions 0–2: every known group (Kafka-client and
 * HTTP/SDK groups alike), protocol type `consumer`.
 *
 * @module
 */
import type { KafkaApi } from "../handler.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS, kafkaErrorCode } from "../protocol/error_codes.ts";
import { groupsOf } from "./_groups_backend.ts";
import { mayAccess } from "../kafka_auth.ts";

/**
 * Encodes a ListGroups response body (v0–2).
 *
 * @param res Error number and groups.
 * @param version API version.
 * @returns The body.
 */
export function encodeListGroupsResponse(
  res: { errorCode: number; groups: { groupId: string; protocolType: string }[] },
  version: number,
): Uint8Array {
  const w = new KafkaWriter(64);
  if (version >= 1) w.int32(0); // throttle_time_ms
  w.int16(res.errorCode);
  w.array(false, res.groups, (w, g) => void w.string(g.groupId).string(g.protocolType));
  return w.finish();
}

/** ListGroups 0–2 (the request body is empty). */
export const listGroupsApi: KafkaApi = {
  key: API_KEYS.ListGroups,
  name: "ListGroups",
  minVersion: 0,
  maxVersion: 2,
  handle: async (ctx, req) => {
    try {
      const groups = await groupsOf(ctx).listGroups();
      return encodeListGroupsResponse({
        errorCode: KAFKA_ERRORS.NONE,
        // Only the groups the principal may use (all of them with auth off or `admin` on cluster).
        groups: groups.filter((g) => mayAccess(ctx, `group:${g.groupId}`, ["consume"]))
          .map((g) => ({ groupId: g.groupId, protocolType: "consumer" })),
      }, req.apiVersion);
    } catch (e) {
      return encodeListGroupsResponse({ errorCode: kafkaErrorCode(e), groups: [] }, req.apiVersion);
    }
  },
};
