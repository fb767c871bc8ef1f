/**
 * OffsetCommit (key 8), versions 2–7: a classic member commits with its
 * member id and generation (fenced with `ILLEGAL_GENERATION` (22) or
 * `UNKNOWN_MEMBER_ID` (25)); generation -1 with no member id commits while
 * the group has no members (admin tools, `assign()`-style consumers).
 * Offsets go to the same store as HTTP commits (`__consumer_offsets`), each
 * partition answered on its own (an unknown topic fails only its entries).
 *
 * @module
 */
import type { CommitEntry } from "../../../actors/group_coordinator/mod.ts";
import type { KafkaApi } from "../handler.ts";
import type { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS, kafkaErrorCode } from "../protocol/error_codes.ts";
import { groupsOf, kafkaCode, mayUseTopicOffsets, requireGroupAccess } from "./_groups_backend.ts";

/** A decoded OffsetCommit request. */
export interface OffsetCommitWireRequest {
  /** Group id. */
  groupId: string;
  /** Generation (-1 for a simple commit). */
  generationId: number;
  /** Member id ("" for a simple commit). */
  memberId: string;
  /** Offsets per topic. */
  topics: {
    name: string;
    partitions: { partition: number; offset: number; metadata: string | null }[];
  }[];
}

/** An OffsetCommit response: an error per partition. */
export interface OffsetCommitWireResponse {
  /** Per topic, per partition. */
  topics: { name: string; partitions: { partition: number; errorCode: number }[] }[];
}

/**
 * Decodes an OffsetCommit request body (v2–7).
 *
 * @param r Reader at the body.
 * @param version API version.
 * @returns The request.
 */
export function decodeOffsetCommitRequest(
  r: KafkaReader,
  version: number,
): OffsetCommitWireRequest {
  const groupId = r.string();
  const generationId = r.int32();
  const memberId = r.string();
  if (version >= 7) r.nullableString(); // group_instance_id
  if (version <= 4) r.int64(); // retention_time_ms (ignored: offsets are kept while the topic is)
  const topics = r.array(false, (r) => ({
    name: r.string(),
    partitions: r.array(false, (r) => {
      const partition = r.int32();
      const offset = r.int64();
      if (version >= 6) r.int32(); // committed_leader_epoch
      return { partition, offset, metadata: r.nullableString() };
    }),
  }));
  return { groupId, generationId, memberId, topics };
}

/**
 * Encodes an OffsetCommit response body (v2–7).
 *
 * @param res The response.
 * @param version API version.
 * @returns The body.
 */
export function encodeOffsetCommitResponse(
  res: OffsetCommitWireResponse,
  version: number,
): Uint8Array {
  const w = new KafkaWriter(64);
  if (version >= 3) w.int32(0); // throttle_time_ms
  w.array(false, res.topics, (w, t) => {
    w.string(t.name);
    w.array(false, t.partitions, (w, p) => void w.int32(p.partition).int16(p.errorCode));
  });
  return w.finish();
}

/** OffsetCommit 2–7. */
export const offsetCommitApi: KafkaApi = {
  key: API_KEYS.OffsetCommit,
  name: "OffsetCommit",
  minVersion: 2,
  maxVersion: 7,
  handle: async (ctx, req) => {
    const request = decodeOffsetCommitRequest(req.body, req.apiVersion);
    const offsets: CommitEntry[] = [];
    const errors = new Map<string, number>();
    for (const t of request.topics) {
      const allowed = mayUseTopicOffsets(ctx, t.name);
      for (const p of t.partitions) {
        if (!allowed) {
          errors.set(`${t.name}\0${p.partition}`, KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED);
          continue;
        }
        offsets.push({
          topic: t.name,
          partition: p.partition,
          offset: p.offset,
          metadata: p.metadata ?? "",
        });
      }
    }
    try {
      requireGroupAccess(ctx, request.groupId);
      if (offsets.length > 0) {
        const reply = await groupsOf(ctx).classicCommit(request.groupId, {
          memberId: request.memberId,
          generationId: request.generationId,
          offsets,
        });
        for (const r of reply.results) {
          errors.set(`${r.topic}\0${r.partition}`, kafkaCode(r.error));
        }
      }
    } catch (e) {
      const code = kafkaErrorCode(e);
      // A refused group refuses every partition; any other failure only those that were sent.
      const failed = code === KAFKA_ERRORS.GROUP_AUTHORIZATION_FAILED
        ? request.topics.flatMap((t) => t.partitions.map((p) => ({ ...p, topic: t.name })))
        : offsets;
      for (const o of failed) errors.set(`${o.topic}\0${o.partition}`, code);
    }
    const res: OffsetCommitWireResponse = {
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partition: p.partition,
          errorCode: errors.get(`${t.name}\0${p.partition}`) ?? 0,
        })),
      })),
    };
    return encodeOffsetCommitResponse(res, req.apiVersion);
  },
};
