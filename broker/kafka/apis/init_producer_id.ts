/**
 * InitProducerId (key 22), versions 0–1: allocates a producer id for an
 * idempotent producer through the backend. Transactional ids are not
 * supported (INVALID_REQUEST, 42).
 *
 * @module
 */
import type { KafkaApi } from "../handler.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS, kafkaErrorCode } from "../protocol/error_codes.ts";
import { mayAny } from "../kafka_auth.ts";

/** An InitProducerId response. */
export interface InitProducerIdResponse {
  /** Kafka error number. */
  errorCode: number;
  /** Producer id, or -1. */
  producerId: number;
  /** Producer epoch, or -1. */
  producerEpoch: number;
}

/**
 * Encodes an InitProducerId response body (v0–1).
 *
 * @param res The response.
 * @returns The body.
 */
export function encodeInitProducerIdResponse(res: InitProducerIdResponse): Uint8Array {
  return new KafkaWriter(20).int32(0).int16(res.errorCode).int64(res.producerId)
    .int16(res.producerEpoch).finish();
}

/** InitProducerId 0–1. */
export const initProducerIdApi: KafkaApi = {
  key: API_KEYS.InitProducerId,
  name: "InitProducerId",
  minVersion: 0,
  maxVersion: 1,
  handle: async (ctx, req) => {
    const transactionalId = req.body.nullableString();
    req.body.int32(); // transaction_timeout_ms
    if (transactionalId !== null) {
      return encodeInitProducerIdResponse({
        errorCode: KAFKA_ERRORS.INVALID_REQUEST,
        producerId: -1,
        producerEpoch: -1,
      });
    }
    if (!mayAny(ctx, { kind: "topic", operation: "produce" })) {
      return encodeInitProducerIdResponse({
        errorCode: KAFKA_ERRORS.TOPIC_AUTHORIZATION_FAILED,
        producerId: -1,
        producerEpoch: -1,
      });
    }
    try {
      const r = await ctx.backend.initProducer();
      return encodeInitProducerIdResponse({
        errorCode: KAFKA_ERRORS.NONE,
        producerId: r.producerId,
        producerEpoch: r.producerEpoch,
      });
    } catch (e) {
      return encodeInitProducerIdResponse({
        errorCode: kafkaErrorCode(e),
        producerId: -1,
        producerEpoch: -1,
      });
    }
  },
};
