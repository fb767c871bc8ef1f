/**
 * Weir's typed SDK. Uses only `fetch` and web streams, so it runs on Deno,
 * Node ≥ 20, Bun and browsers. `weir/client` also carries the protocol layer
 * (error codes, HTTP body schemas, the RecordBatch v2 codec, murmur2); the
 * root `weir` entry names the SDK's public API only.
 *
 * @module
 */
export * from "./protocol/mod.ts";
export { connect, type ConnectOptions, Weir } from "./connect.ts";
export {
  Admin,
  type AdminCallOptions,
  type CreateTopicOptions,
  type ResetGroupOffsetsOptions,
} from "./admin.ts";
export { type FetchLike, type RetryOptions } from "./http.ts";
export {
  type AcksOption,
  Producer,
  type ProducerOptions,
  type ProducerRecord,
  type RecordMetadata,
  type SendOptions,
} from "./producer.ts";
export {
  type Assignment,
  type CommitOffset,
  Consumer,
  type ConsumerBatch,
  type ConsumerEvent,
  type ConsumerOptions,
  type ConsumerRecord,
  type ConsumerRecordOf,
  type OffsetSpec,
  type RebalanceListener,
  type Schedule,
  type TopicPartition,
} from "./consumer.ts";
export {
  type Codec,
  type CodecContext,
  type CodecSpec,
  type CodecType,
  type KeyOf,
  type SchemaIssue,
  type TopicCodecs,
  type TopicKey,
  type TopicLike,
  type TopicValue,
  TypedTopic,
  typedTopic,
  type ValueOf,
  type ValueSchema,
} from "./typed_topic.ts";
