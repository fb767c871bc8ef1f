/**
 * FindCoordinator (key 10), versions 0–2: the coordinator of every group is
 * this node, or in cluster mode the node hosting the group coordinators
 * (`ctx.topology`; COORDINATOR_NOT_AVAILABLE (15) while none is live). Transaction coordinators (key type 1) do not exist:
 * `COORDINATOR_NOT_AVAILABLE`.
 *
 * @module
 */
import { validateGroupId } from "../../../client/protocol/mod.ts";
import type { KafkaApi, KafkaBrokerAddress } from "../handler.ts";
import type { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS, kafkaErrorCode } from "../protocol/error_codes.ts";
import { requireGroupAccess } from "./_groups_backend.ts";

/** A decoded FindCoordinator request. */
export interface FindCoordinatorRequest {
  /** Group id (or transactional id). */
  key: string;
  /** 0 = group, 1 = transaction. */
  keyType: number;
}

/** A FindCoordinator response. */
export interface FindCoordinatorResponse {
  /** Kafka error number. */
  errorCode: number;
  /** Error message (v1+), or null. */
  errorMessage: string | null;
  /** The coordinator (node id -1, host "", port -1 on error). */
  node: KafkaBrokerAddress;
}

/**
 * Decodes a FindCoordinator request body (v0–2).
 *
 * @param r Reader at the body.
 * @param version API version.
 * @returns The request.
 */
export function decodeFindCoordinatorRequest(
  r: KafkaReader,
  version: number,
): FindCoordinatorRequest {
  const key = r.string();
  const keyType = version >= 1 ? r.int8() : 0;
  return { key, keyType };
}

/**
 * Encodes a FindCoordinator response body (v0–2).
 *
 * @param res The response.
 * @param version API version.
 * @returns The body.
 */
export function encodeFindCoordinatorResponse(
  res: FindCoordinatorResponse,
  version: number,
): Uint8Array {
  const w = new KafkaWriter(64);
  if (version >= 1) w.int32(0); // throttle_time_ms
  w.int16(res.errorCode);
  if (version >= 1) w.nullableString(res.errorMessage);
  w.int32(res.node.nodeId).string(res.node.host).int32(res.node.port);
  return w.finish();
}

/** FindCoordinator 0–2. */
export const findCoordinatorApi: KafkaApi = {
  key: API_KEYS.FindCoordinator,
  name: "FindCoordinator",
  minVersion: 0,
  maxVersion: 2,
  handle: async (ctx, req) => {
    const request = decodeFindCoordinatorRequest(req.body, req.apiVersion);
    const none = { nodeId: -1, host: "", port: -1 };
    let res: FindCoordinatorResponse;
    if (request.keyType !== 0) {
      res = {
        errorCode: KAFKA_ERRORS.COORDINATOR_NOT_AVAILABLE,
        errorMessage: "Cannot find a transaction coordinator: Weir has no transactions",
        node: none,
      };
    } else {
      try {
        validateGroupId(request.key);
        requireGroupAccess(ctx, request.key);
        const node = ctx.topology === undefined
          ? ctx.self
          : await ctx.topology.groupCoordinator(request.key);
        res = node === null
          ? {
            errorCode: KAFKA_ERRORS.COORDINATOR_NOT_AVAILABLE,
            errorMessage:
              `Cannot find the coordinator of group "${request.key}": no live node hosts it`,
            node: none,
          }
          : { errorCode: KAFKA_ERRORS.NONE, errorMessage: null, node };
      } catch (e) {
        res = { errorCode: kafkaErrorCode(e), errorMessage: String(e), node: none };
      }
    }
    return encodeFindCoordinatorResponse(res, req.apiVersion);
  },
};
