/**
 * CreateTopics (key 19), versions 0–4. Partitions and replication factor -1
 * take the broker's defaults; configs are Kafka-style strings; manual replica
 * assignments are refused (INVALID_REPLICA_ASSIGNMENT, 39). `validate_only`
 * (v1+) checks the name and that the topic does not exist, creating nothing.
 *
 * @module
 */
import type { CreateTopicRequest } from "../../../client/protocol/mod.ts";
import { validateTopicName, WeirError } from "../../../client/protocol/mod.ts";
import type { KafkaApi, KafkaRequestContext } from "../handler.ts";
import type { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS, kafkaErrorCode } from "../protocol/error_codes.ts";
import { mayAccess } from "../kafka_auth.ts";

/** One topic to create. */
export interface CreatableTopic {
  /** Name. */
  name: string;
  /** Partitions, -1 = default. */
  numPartitions: number;
  /** Replication factor, -1 = default. */
  replicationFactor: number;
  /** Manual assignments (refused when non-empty). */
  assignments: number;
  /** Configs by name. */
  configs: Record<string, string>;
}

/** A decoded CreateTopics request. */
export interface CreateTopicsRequest {
  /** Topics. */
  topics: CreatableTopic[];
  /** Timeout (ms). */
  timeoutMs: number;
  /** Check only (v1+). */
  validateOnly: boolean;
}

/** One topic's answer. */
export interface CreateTopicResult {
  /** Name. */
  name: string;
  /** Kafka error number. */
  errorCode: number;
  /** Message (v1+), or null. */
  errorMessage: string | null;
}

/**
 * Decodes a CreateTopics request body (v0–4).
 *
 * @param r Reader at the body.
 * @param version API version.
 * @returns The request.
 */
export function decodeCreateTopicsRequest(r: KafkaReader, version: number): CreateTopicsRequest {
  const topics = r.array(false, (r) => {
    const name = r.string();
    const numPartitions = r.int32();
    const replicationFactor = r.int16();
    const assignments = r.array(false, (r) => {
      r.int32();
      return r.array(false, (r) => r.int32());
    }).length;
    const configs: Record<string, string> = {};
    for (const [k, v] of r.array(false, (r) => [r.string(), r.nullableString()] as const)) {
      if (v !== null) configs[k] = v;
    }
    return { name, numPartitions, replicationFactor, assignments, configs };
  });
  const timeoutMs = r.int32();
  const validateOnly = version >= 1 ? r.boolean() : false;
  return { topics, timeoutMs, validateOnly };
}

/**
 * Encodes a CreateTopics response body (v0–4).
 *
 * @param results One per topic.
 * @param version API version.
 * @returns The body.
 */
export function encodeCreateTopicsResponse(
  results: readonly CreateTopicResult[],
  version: number,
): Uint8Array {
  const w = new KafkaWriter(64);
  if (version >= 2) w.int32(0); // throttle_time_ms
  w.array(false, results, (w, t) => {
    w.string(t.name).int16(t.errorCode);
    if (version >= 1) w.nullableString(t.errorMessage);
  });
  return w.finish();
}

async function createOne(
  ctx: KafkaRequestContext,
  t: CreatableTopic,
  validateOnly: boolean,
): Promise<CreateTopicResult> {
  try {
    if (!mayAccess(ctx, `topic:${t.name}`, ["admin"])) {
      return {
        name: t.name,
        errorCode: KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED,
        errorMessage: `Cannot create topic "${t.name}": not allowed`,
      };
    }
    if (t.assignments > 0) {
      return {
        name: t.name,
        errorCode: KAFKA_ERRORS.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: `Cannot create topic "${t.name}": manual replica assignment is not supported`,
      };
    }
    if (validateOnly) {
      validateTopicName(t.name);
      const exists = await ctx.backend.describeTopic(t.name).then(() => true, () => false);
      if (exists) {
        throw new WeirError(
          "TOPIC_ALREADY_EXISTS",
          `Cannot create topic "${t.name}": it already exists`,
        );
      }
      return { name: t.name, errorCode: KAFKA_ERRORS.NONE, errorMessage: null };
    }
    const request: CreateTopicRequest = { name: t.name, configs: t.configs };
    if (t.numPartitions !== -1) request.partitions = t.numPartitions;
    if (t.replicationFactor !== -1) request.replicationFactor = t.replicationFactor;
    await ctx.backend.createTopic(request);
    return { name: t.name, errorCode: KAFKA_ERRORS.NONE, errorMessage: null };
  } catch (e) {
    return {
      name: t.name,
      errorCode: kafkaErrorCode(e),
      errorMessage: e instanceof Error ? e.message : String(e),
    };
  }
}

/**
 * Creates the topics one after another (the node serializes topic changes).
 *
 * @param ctx Handler context.
 * @param req The decoded request.
 * @returns One result per topic.
 */
export async function answerCreateTopics(
  ctx: KafkaRequestContext,
  req: CreateTopicsRequest,
): Promise<CreateTopicResult[]> {
  const out: CreateTopicResult[] = [];
  for (const t of req.topics) out.push(await createOne(ctx, t, req.validateOnly));
  return out;
}

/** CreateTopics 0–4. */
export const createTopicsApi: KafkaApi = {
  key: API_KEYS.CreateTopics,
  name: "CreateTopics",
  minVersion: 0,
  maxVersion: 4,
  handle: async (ctx, req) => {
    const request = decodeCreateTopicsRequest(req.body, req.apiVersion);
    return encodeCreateTopicsResponse(await answerCreateTopics(ctx, request), req.apiVersion);
  },
};
