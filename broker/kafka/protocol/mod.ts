/**
 * Kafka wire-protocol primitives: {@linkcode KafkaReader}, {@linkcode KafkaWriter},
 * API keys and error numbers.
 *
 * @module
 */
export { KafkaReader } from "./reader.ts";
export { KafkaWriter } from "./writer.ts";
export { API_KEYS, type ApiName } from "./api_keys.ts";
export { KAFKA_ERRORS, kafkaErrorCode, type KafkaErrorName } from "./error_codes.ts";
