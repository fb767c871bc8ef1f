/**
 * Kafka's numeric error codes, and the one table that maps a Weir error code
 * (`client/protocol/errors.ts`) to the number a Kafka client expects.
 *
 * @module
 */
import { WeirError } from "../../../client/protocol/mod.ts";

/** Kafka error numbers by Kafka's names (the subset Weir answers with). */
export const KAFKA_ERRORS = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_FETCH_SIZE: 4,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  BROKER_NOT_AVAILABLE: 8,
  MESSAGE_TOO_LARGE: 10,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_TOPIC_EXCEPTION: 17,
  RECORD_LIST_TOO_LARGE: 18,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_COMMIT_OFFSET_SIZE: 28,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  NOT_CONTROLLER: 41,
  INVALID_REQUEST: 42,
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  POLICY_VIOLATION: 44,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  KAFKA_STORAGE_ERROR: 56,
  SASL_AUTHENTICATION_FAILED: 58,
  UNKNOWN_PRODUCER_ID: 59,
  GROUP_ID_NOT_FOUND: 69,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  MEMBER_ID_REQUIRED: 79,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
  INVALID_RECORD: 87,
  THROTTLING_QUOTA_EXCEEDED: 89,
  PRODUCER_FENCED: 90,
  FENCED_MEMBER_EPOCH: 110,
} as const;

/** One Kafka error name, e.g. `"UNKNOWN_TOPIC_OR_PARTITION"`. */
export type KafkaErrorName = keyof typeof KAFKA_ERRORS;

/** Weir codes whose Kafka name differs, or that have no Kafka twin. */
const WEIR_TO_KAFKA: Readonly<Record<string, number>> = {
  NOT_FOUND: KAFKA_ERRORS.UNKNOWN_TOPIC_OR_PARTITION,
  // Weir's INVALID_RECORD covers a bad CRC and a malformed batch; Kafka clients expect 2 for those.
  INVALID_RECORD: KAFKA_ERRORS.CORRUPT_MESSAGE,
  RECORD_TOO_LARGE: KAFKA_ERRORS.MESSAGE_TOO_LARGE,
  REQUEST_TOO_LARGE: KAFKA_ERRORS.MESSAGE_TOO_LARGE,
  ACTOR_RESTARTED: KAFKA_ERRORS.NOT_LEADER_OR_FOLLOWER,
  ACTOR_STOPPED: KAFKA_ERRORS.NOT_LEADER_OR_FOLLOWER,
  REQUEST_ABORTED: KAFKA_ERRORS.REQUEST_TIMED_OUT,
  // Weir's producer-side dedupe reports duplicates as success; keep the name for completeness.
  DUPLICATE_SEQUENCE: KAFKA_ERRORS.DUPLICATE_SEQUENCE_NUMBER,
};

/**
 * The Kafka error number for a thrown value: a `WeirError`'s code by name
 * (or through the few renames), anything else `UNKNOWN_SERVER_ERROR` (-1).
 *
 * @param error What was thrown.
 * @returns A Kafka error number.
 *
 * @example Map a Weir error
 * ```ts
 * import { kafkaErrorCode } from "./error_codes.ts";
 * import { WeirError } from "../../../client/protocol/mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(kafkaErrorCode(new WeirError("TOPIC_ALREADY_EXISTS", "Cannot create: exists")), 36);
 * assertEquals(kafkaErrorCode(new Error("bug")), -1);
 * ```
 */
export function kafkaErrorCode(error: unknown): number {
  if (!(error instanceof WeirError)) return KAFKA_ERRORS.UNKNOWN_SERVER_ERROR;
  const code = error.code;
  if (Object.hasOwn(WEIR_TO_KAFKA, code)) return WEIR_TO_KAFKA[code]!;
  if (Object.hasOwn(KAFKA_ERRORS, code)) return KAFKA_ERRORS[code as KafkaErrorName];
  return KAFKA_ERRORS.UNKNOWN_SERVER_ERROR;
}
