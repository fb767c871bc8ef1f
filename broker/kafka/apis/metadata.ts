/**
 * Metadata (key 3), versions 1–6: brokers (this node's Kafka listener, or
 * every live node's in cluster mode), cluster id, controller, and topics with
 * their partitions, leaders and replicas (a partition without a live leader:
 * leader -1 and LEADER_NOT_AVAILABLE (5), so clients retry). A null topic list means every topic; an unknown topic is
 * answered with UNKNOWN_TOPIC_OR_PARTITION (3), or created first when the
 * request allows it (v4+ flag, always before v4) and the broker runs with
 * `--auto-create-topics`.
 *
 * @module
 */
import type { TopicDescription } from "../../../client/protocol/mod.ts";
import type { KafkaApi, KafkaBrokerAddress, KafkaRequestContext } from "../handler.ts";
import type { KafkaReader } from "../protocol/reader.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS, kafkaErrorCode } from "../protocol/error_codes.ts";
import { ANY_OPERATION, mayAccess } from "../kafka_auth.ts";

/** A decoded Metadata request. */
export interface MetadataRequest {
  /** Topic names, or null for every topic. */
  topics: string[] | null;
  /** May the broker create unknown topics (v4+; true before). */
  allowAutoTopicCreation: boolean;
}

/** One partition in a Metadata response. */
export interface MetadataPartition {
  /** Kafka error number. */
  errorCode: number;
  /** Partition index. */
  partition: number;
  /** Leader node id. */
  leader: number;
  /** Replica node ids. */
  replicas: number[];
  /** In-sync replica node ids. */
  isr: number[];
}

/** One topic in a Metadata response. */
export interface MetadataTopic {
  /** Kafka error number. */
  errorCode: number;
  /** Topic name. */
  name: string;
  /** Internal topic (name starts with `__`). */
  internal: boolean;
  /** Partitions. */
  partitions: MetadataPartition[];
}

/** A Metadata response. */
export interface MetadataResponse {
  /** Brokers with their Kafka listeners. */
  brokers: KafkaBrokerAddress[];
  /** Cluster id. */
  clusterId: string | null;
  /** Controller node id. */
  controllerId: number;
  /** Topics. */
  topics: MetadataTopic[];
}

/**
 * Decodes a Metadata request body (v1–6).
 *
 * @param r Reader at the body.
 * @param version API version.
 * @returns The request.
 */
export function decodeMetadataRequest(r: KafkaReader, version: number): MetadataRequest {
  const topics = r.nullableArray(false, (r) => r.string());
  const allowAutoTopicCreation = version >= 4 ? r.boolean() : true;
  return { topics, allowAutoTopicCreation };
}

/**
 * Encodes a Metadata response body (v1–6).
 *
 * @param res The response.
 * @param version API version.
 * @returns The body.
 */
export function encodeMetadataResponse(res: MetadataResponse, version: number): Uint8Array {
  const w = new KafkaWriter(256);
  if (version >= 3) w.int32(0); // throttle_time_ms
  w.array(false, res.brokers, (w, b) => {
    w.int32(b.nodeId).string(b.host).int32(b.port).nullableString(null);
  });
  if (version >= 2) w.nullableString(res.clusterId);
  w.int32(res.controllerId);
  w.array(false, res.topics, (w, t) => {
    w.int16(t.errorCode).string(t.name).boolean(t.internal);
    w.array(false, t.partitions, (w, p) => {
      w.int16(p.errorCode).int32(p.partition).int32(p.leader);
      w.array(false, p.replicas, (w, n) => w.int32(n));
      w.array(false, p.isr, (w, n) => w.int32(n));
      if (version >= 5) w.int32(0); // offline_replicas: none
    });
  });
  return w.finish();
}

function describedTopic(d: TopicDescription): MetadataTopic {
  return {
    errorCode: KAFKA_ERRORS.NONE,
    name: d.name,
    internal: d.name.startsWith("__"),
    partitions: d.partitions.map((p) => ({
      errorCode: p.leader < 0 ? KAFKA_ERRORS.LEADER_NOT_AVAILABLE : KAFKA_ERRORS.NONE,
      partition: p.partition,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
    })),
  };
}

async function topicMetadata(
  ctx: KafkaRequestContext,
  name: string,
  allowCreate: boolean,
): Promise<MetadataTopic> {
  if (!mayAccess(ctx, `topic:${name}`, ANY_OPERATION)) {
    return {
      errorCode: KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED,
      name,
      internal: false,
      partitions: [],
    };
  }
  try {
    return describedTopic(await ctx.backend.describeTopic(name));
  } catch (e) {
    const code = kafkaErrorCode(e);
    if (code === KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION && allowCreate) {
      try {
        await ctx.backend.produceInfo(name); // creates it with --auto-create-topics
        return describedTopic(await ctx.backend.describeTopic(name));
      } catch (e2) {
        return { errorCode: kafkaErrorCode(e2), name, internal: false, partitions: [] };
      }
    }
    return { errorCode: code, name, internal: false, partitions: [] };
  }
}

/**
 * Builds the Metadata answer for a request.
 *
 * @param ctx Handler context.
 * @param req The decoded request.
 * @returns The response.
 */
export async function answerMetadata(
  ctx: KafkaRequestContext,
  req: MetadataRequest,
): Promise<MetadataResponse> {
  // Every topic: only those the principal may see (as GET /v1/topics).
  const names = req.topics ??
    (await ctx.backend.listTopics()).map((t) => t.name)
      .filter((name) => mayAccess(ctx, `topic:${name}`, ANY_OPERATION));
  const topics = await Promise.all(
    names.map((name) =>
      topicMetadata(ctx, name, req.allowAutoTopicCreation && req.topics !== null)
    ),
  );
  const cluster = await ctx.backend.cluster();
  if (ctx.topology === undefined) {
    return {
      brokers: [ctx.self],
      clusterId: cluster.clusterId,
      controllerId: ctx.self.nodeId,
      topics,
    };
  }
  const brokers = [...await ctx.topology.brokers()];
  // This node answers, so it is live even when its own record is late.
  if (!brokers.some((b) => b.nodeId === ctx.self.nodeId)) brokers.push(ctx.self);
  return { brokers, clusterId: cluster.clusterId, controllerId: cluster.controller, topics };
}

/** Metadata 1–6. */
export const metadataApi: KafkaApi = {
  key: API_KEYS.Metadata,
  name: "Metadata",
  minVersion: 1,
  maxVersion: 6,
  handle: async (ctx, req) => {
    const request = decodeMetadataRequest(req.body, req.apiVersion);
    return encodeMetadataResponse(await answerMetadata(ctx, request), req.apiVersion);
  },
};
