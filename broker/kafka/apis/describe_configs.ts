/**
 * DescribeConfigs (key 32), versions 0–2: a topic's configs (every one in
 * force, as Kafka-style strings; `is_default`/source from whether the topic
 * sets it is not tracked, so all are reported as topic configs) and an empty
 * list for a broker resource.
 *
 * @module
 */
import type { KafkaApi, KafkaRequestContext } from "../handler.ts";
import type { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS, kafkaErrorCode } from "../protocol/error_codes.ts";
import { ANY_OPERATION, mayAccess } from "../kafka_auth.ts";

/** Resource type of a topic. */
const TOPIC = 2;
/** Resource type of a broker. */
const BROKER = 4;
/** config_source: dynamic topic config. */
const TOPIC_CONFIG_SOURCE = 1;

/** One resource of a DescribeConfigs request. */
export interface DescribeConfigsResource {
  /** 2 = topic, 4 = broker. */
  type: number;
  /** Topic name or broker id. */
  name: string;
  /** Wanted keys, or null for all. */
  keys: string[] | null;
}

/** One resource's answer. */
export interface DescribeConfigsResult {
  /** Kafka error number. */
  errorCode: number;
  /** Message, or null. */
  errorMessage: string | null;
  /** Resource type. */
  type: number;
  /** Resource name. */
  name: string;
  /** Config names and values. */
  configs: { name: string; value: string | null }[];
}

/**
 * Decodes a DescribeConfigs request body (v0–2).
 *
 * @param r Reader at the body.
 * @param version API version.
 * @returns The resources.
 */
export function decodeDescribeConfigsRequest(
  r: KafkaReader,
  version: number,
): DescribeConfigsResource[] {
  const resources = r.array(false, (r) => ({
    type: r.int8(),
    name: r.string(),
    keys: r.nullableArray(false, (r) => r.string()),
  }));
  if (version >= 1) r.boolean(); // include_synonyms
  return resources;
}

/**
 * Encodes a DescribeConfigs response body (v0–2).
 *
 * @param results One per resource.
 * @param version API version.
 * @returns The body.
 */
export function encodeDescribeConfigsResponse(
  results: readonly DescribeConfigsResult[],
  version: number,
): Uint8Array {
  const w = new KafkaWriter(256);
  w.int32(0); // throttle_time_ms
  w.array(false, results, (w, r) => {
    w.int16(r.errorCode).nullableString(r.errorMessage).int8(r.type).string(r.name);
    w.array(false, r.configs, (w, c) => {
      w.string(c.name).nullableString(c.value).boolean(false); // read_only
      if (version === 0) w.boolean(false); // is_default
      else w.int8(TOPIC_CONFIG_SOURCE);
      w.boolean(false); // is_sensitive
      if (version >= 1) w.int32(0); // synonyms: none
    });
  });
  return w.finish();
}

async function describeOne(
  ctx: KafkaRequestContext,
  res: DescribeConfigsResource,
): Promise<DescribeConfigsResult> {
  const base = { type: res.type, name: res.name };
  if (res.type === BROKER) {
    return { ...base, errorCode: KAFKA_ERRORS.NONE, errorMessage: null, configs: [] };
  }
  if (res.type !== TOPIC) {
    return {
      ...base,
      errorCode: KAFKA_ERRORS.INVALID_REQUEST,
      errorMessage: `Cannot describe configs: resource type ${res.type} is not supported`,
      configs: [],
    };
  }
  if (!mayAccess(ctx, `topic:${res.name}`, ANY_OPERATION)) {
    return {
      ...base,
      errorCode: KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED,
      errorMessage: `Cannot describe configs of topic "${res.name}": not allowed`,
      configs: [],
    };
  }
  try {
    const d = await ctx.backend.describeTopic(res.name);
    const configs = Object.entries(d.configs)
      .filter(([k]) => res.keys === null || res.keys.includes(k))
      .map(([name, value]) => ({ name, value: String(value) }));
    return { ...base, errorCode: KAFKA_ERRORS.NONE, errorMessage: null, configs };
  } catch (e) {
    return {
      ...base,
      errorCode: kafkaErrorCode(e),
      errorMessage: e instanceof Error ? e.message : String(e),
      configs: [],
    };
  }
}

/** DescribeConfigs 0–2. */
export const describeConfigsApi: KafkaApi = {
  key: API_KEYS.DescribeConfigs,
  name: "DescribeConfigs",
  minVersion: 0,
  maxVersion: 2,
  handle: async (ctx, req) => {
    const resources = decodeDescribeConfigsRequest(req.body, req.apiVersion);
    const results = await Promise.all(resources.map((r) => describeOne(ctx, r)));
    return encodeDescribeConfigsResponse(results, req.apiVersion);
  },
};
