/**
 * OffsetFetch (key 9), versions 1–5: a group's committed offsets (the same
 * ones `GET /v1/groups/:group/offsets` shows); a partition without one
 * answers offset -1. From v2 a null topic list asks for every committed
 * offset of the group.
 *
 * @module
 */
import type { KafkaApi } from "../handler.ts";
import type { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS, kafkaErrorCode } from "../protocol/error_codes.ts";
import { groupsOf, mayUseTopicOffsets, requireGroupAccess } from "./_groups_backend.ts";

/** A decoded OffsetFetch request. */
export interface OffsetFetchWireRequest {
  /** Group id. */
  groupId: string;
  /** Topics and partitions asked for, or null for all (v2+). */
  topics: { name: string; partitions: number[] }[] | null;
}

/** One partition's committed offset. */
export interface OffsetFetchPartition {
  /** Partition index. */
  partition: number;
  /** Committed offset, or -1. */
  offset: number;
  /** Commit metadata ("" when none). */
  metadata: string | null;
  /** Kafka error number. */
  errorCode: number;
}

/** An OffsetFetch response. */
export interface OffsetFetchWireResponse {
  /** Per topic. */
  topics: { name: string; partitions: OffsetFetchPartition[] }[];
  /** Top-level error (v2+). */
  errorCode: number;
}

/**
 * Decodes an OffsetFetch request body (v1–5).
 *
 * @param r Reader at the body.
 * @param _version API version.
 * @returns The request.
 */
export function decodeOffsetFetchRequest(
  r: KafkaReader,
  _version: number,
): OffsetFetchWireRequest {
  const groupId = r.string();
  const topics = r.nullableArray(false, (r) => ({
    name: r.string(),
    partitions: r.array(false, (r) => r.int32()),
  }));
  return { groupId, topics };
}

/**
 * Encodes an OffsetFetch response body (v1–5).
 *
 * @param res The response.
 * @param version API version.
 * @returns The body.
 */
export function encodeOffsetFetchResponse(
  res: OffsetFetchWireResponse,
  version: number,
): Uint8Array {
  const w = new KafkaWriter(128);
  if (version >= 3) w.int32(0); // throttle_time_ms
  w.array(false, res.topics, (w, t) => {
    w.string(t.name);
    w.array(false, t.partitions, (w, p) => {
      w.int32(p.partition).int64(p.offset);
      if (version >= 5) w.int32(-1); // committed_leader_epoch
      w.nullableString(p.metadata).int16(p.errorCode);
    });
  });
  if (version >= 2) w.int16(res.errorCode);
  return w.finish();
}

/** OffsetFetch 1–5. */
export const offsetFetchApi: KafkaApi = {
  key: API_KEYS.OffsetFetch,
  name: "OffsetFetch",
  minVersion: 1,
  maxVersion: 5,
  handle: async (ctx, req) => {
    const request = decodeOffsetFetchRequest(req.body, req.apiVersion);
    let res: OffsetFetchWireResponse;
    try {
      requireGroupAccess(ctx, request.groupId);
      const { offsets } = await groupsOf(ctx).fetchOffsets(request.groupId);
      const byKey = new Map(offsets.map((o) => [`${o.topic}\0${o.partition}`, o]));
      let topics: { name: string; partitions: number[] }[];
      if (request.topics === null) {
        const all = new Map<string, number[]>();
        for (const o of offsets) {
          // "All topics" lists only those the principal may read (Kafka's DESCRIBE filter).
          if (!mayUseTopicOffsets(ctx, o.topic)) continue;
          all.set(o.topic, [...(all.get(o.topic) ?? []), o.partition]);
        }
        topics = [...all].map(([name, partitions]) => ({ name, partitions }));
      } else {
        topics = request.topics;
      }
      res = {
        errorCode: KAFKA_ERRORS.NONE,
        topics: topics.map((t) => {
          const allowed = mayUseTopicOffsets(ctx, t.name);
          return {
            name: t.name,
            partitions: t.partitions.map((partition) => {
              const o = allowed ? byKey.get(`${t.name}\0${partition}`) : undefined;
              return {
                partition,
                offset: o?.offset ?? -1,
                metadata: o?.metadata ?? "",
                errorCode: allowed ? KAFKA_ERRORS.NONE : KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED,
              };
            }),
          };
        }),
      };
    } catch (e) {
      const errorCode = kafkaErrorCode(e);
      res = {
        errorCode,
        topics: (request.topics ?? []).map((t) => ({
          name: t.name,
          partitions: t.partitions.map((partition) => ({
            partition,
            offset: -1,
            metadata: "",
            errorCode,
          })),
        })),
      };
    }
    return encodeOffsetFetchResponse(res, req.apiVersion);
  },
};
