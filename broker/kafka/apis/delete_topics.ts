/**
 * DeleteTopics (key 20), versions 0–3: deletes each named topic in turn.
 *
 * @module
 */
import type { KafkaApi, KafkaRequestContext } from "../handler.ts";
import type { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS, kafkaErrorCode } from "../protocol/error_codes.ts";
import { mayAccess } from "../kafka_auth.ts";

/** A decoded DeleteTopics request. */
export interface DeleteTopicsRequest {
  /** Names to delete. */
  names: string[];
  /** Timeout (ms). */
  timeoutMs: number;
}

/**
 * Decodes a DeleteTopics request body (v0–3).
 *
 * @param r Reader at the body.
 * @returns The request.
 */
export function decodeDeleteTopicsRequest(r: KafkaReader): DeleteTopicsRequest {
  const names = r.array(false, (r) => r.string());
  return { names, timeoutMs: r.int32() };
}

/**
 * Encodes a DeleteTopics response body (v0–3).
 *
 * @param results Name and Kafka error number per topic.
 * @param version API version.
 * @returns The body.
 */
export function encodeDeleteTopicsResponse(
  results: readonly { name: string; errorCode: number }[],
  version: number,
): Uint8Array {
  const w = new KafkaWriter(64);
  if (version >= 1) w.int32(0); // throttle_time_ms
  w.array(false, results, (w, t) => w.string(t.name).int16(t.errorCode));
  return w.finish();
}

/**
 * Deletes the topics one after another.
 *
 * @param ctx Handler context.
 * @param req The decoded request.
 * @returns Name and Kafka error number per topic.
 */
export async function answerDeleteTopics(
  ctx: KafkaRequestContext,
  req: DeleteTopicsRequest,
): Promise<{ name: string; errorCode: number }[]> {
  const out: { name: string; errorCode: number }[] = [];
  for (const name of req.names) {
    if (!mayAccess(ctx, `topic:${name}`, ["admin"])) {
      out.push({ name, errorCode: KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED });
      continue;
    }
    try {
      await ctx.backend.deleteTopic(name);
      out.push({ name, errorCode: KAFKA_ERRORS.NONE });
    } catch (e) {
      out.push({ name, errorCode: kafkaErrorCode(e) });
    }
  }
  return out;
}

/** DeleteTopics 0–3. */
export const deleteTopicsApi: KafkaApi = {
  key: API_KEYS.DeleteTopics,
  name: "DeleteTopics",
  minVersion: 0,
  maxVersion: 3,
  handle: async (ctx, req) => {
    const request = decodeDeleteTopicsRequest(req.body);
    return encodeDeleteTopicsResponse(await answerDeleteTopics(ctx, request), req.apiVersion);
  },
};
