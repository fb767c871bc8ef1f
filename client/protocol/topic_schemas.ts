/**
 * Zod schemas of the topic and cluster routes' bodies (API.md). The HTTP edge
 * validates with them and the SDK parses responses with them.
 *
 * @module
 */
import { z } from "zod";

/** A config value as given by users: a number or a Kafka-style string. */
export const ConfigValueSchema = z.union([z.number(), z.string(), z.boolean()]);

/** `POST /v1/topics` body. Names, counts and configs are checked by the registry with specific codes. */
export const CreateTopicRequestSchema = z.object({
  name: z.string(),
  partitions: z.number().optional(),
  replicationFactor: z.number().optional(),
  configs: z.record(z.string(), ConfigValueSchema).optional(),
});
/** `POST /v1/topics` body. */
export type CreateTopicRequest = z.infer<typeof CreateTopicRequestSchema>;

/** `PATCH /v1/topics/:topic/configs` body. */
export const AlterTopicConfigsRequestSchema = z.object({
  configs: z.record(z.string(), ConfigValueSchema),
});
/** `PATCH /v1/topics/:topic/configs` body. */
export type AlterTopicConfigsRequest = z.infer<typeof AlterTopicConfigsRequestSchema>;

/** One partition in a topic description. */
export const PartitionDescriptionSchema = z.object({
  partition: z.number().int(),
  leader: z.number().int(),
  replicas: z.array(z.number().int()),
  isr: z.array(z.number().int()),
  logStartOffset: z.number().int(),
  highWatermark: z.number().int(),
});
/** One partition in a topic description. */
export interface PartitionDescription {
  /** Partition index. */
  partition: number;
  /** Node id of the leader. */
  leader: number;
  /** Node ids holding a replica. */
  replicas: number[];
  /** Node ids of the in-sync replicas. */
  isr: number[];
  /** First offset still in the log. */
  logStartOffset: number;
  /** Consumers read below this offset. */
  highWatermark: number;
}

/** `GET /v1/topics/:topic` (and the 201 of create, and the 200 of alter). */
export const TopicDescriptionSchema = z.object({
  name: z.string(),
  replicationFactor: z.number().int(),
  configs: z.record(z.string(), z.union([z.number(), z.string()])),
  partitions: z.array(PartitionDescriptionSchema),
});
/** `GET /v1/topics/:topic`. */
export interface TopicDescription {
  /** Topic name. */
  name: string;
  /** Replicas per partition. */
  replicationFactor: number;
  /** Every config with its value in force (defaults included), typed. */
  configs: Record<string, number | string>;
  /** One entry per partition. */
  partitions: PartitionDescription[];
}

/** One entry of `GET /v1/topics`; `partitions` is the count. */
export const TopicSummarySchema = z.object({
  name: z.string(),
  partitions: z.number().int(),
  replicationFactor: z.number().int(),
});
/** One entry of `GET /v1/topics`. */
export interface TopicSummary {
  /** Topic name. */
  name: string;
  /** Partition count. */
  partitions: number;
  /** Replicas per partition. */
  replicationFactor: number;
}

/** `GET /v1/topics`. */
export const TopicListSchema = z.object({ topics: z.array(TopicSummarySchema) });
/** `GET /v1/topics`. */
export type TopicList = z.infer<typeof TopicListSchema>;

/** One broker in `GET /v1/cluster`. */
export const BrokerInfoSchema = z.object({
  id: z.number().int(),
  host: z.string(),
  port: z.number().int(),
});
/** One broker in `GET /v1/cluster`. */
export type BrokerInfo = z.infer<typeof BrokerInfoSchema>;

/** `GET /v1/cluster`. */
export const ClusterInfoSchema = z.object({
  clusterId: z.string(),
  controller: z.number().int(),
  brokers: z.array(BrokerInfoSchema),
});
/** `GET /v1/cluster`. */
export type ClusterInfo = z.infer<typeof ClusterInfoSchema>;

/** The body of every 4xx/5xx answer. */
export const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});
/** The body of every 4xx/5xx answer. */
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
