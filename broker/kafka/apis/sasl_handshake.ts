/**
 * SaslHandshake (key 17), versions 0–1: only `PLAIN`, and only when
 * `--auth-file` is on (otherwise no mechanism is enabled and the answer is
 * UNSUPPORTED_SASL_MECHANISM, 33). After a v0 handshake the client sends the
 * PLAIN token as a bare size-prefixed frame (the connection handles it);
 * after v1 it sends SaslAuthenticate. An address locked out by the
 * failed-authentication limiter gets SASL_AUTHENTICATION_FAILED (58) here
 * already.
 *
 * @module
 */
import type { KafkaApi } from "../handler.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS } from "../protocol/error_codes.ts";

const KAFKA = { listener: "kafka" } as const;

/** The one mechanism served. */
export const SASL_PLAIN = "PLAIN";

/**
 * Encodes a SaslHandshake response body.
 *
 * @param errorCode Kafka error number.
 * @param mechanisms Enabled mechanisms.
 * @returns The body.
 */
export function encodeSaslHandshakeResponse(
  errorCode: number,
  mechanisms: readonly string[],
): Uint8Array {
  return new KafkaWriter(32).int16(errorCode).array(false, mechanisms, (w, m) => w.string(m))
    .finish();
}

/** SaslHandshake 0–1. */
export const saslHandshakeApi: KafkaApi = {
  key: API_KEYS.SaslHandshake,
  name: "SaslHandshake",
  minVersion: 0,
  maxVersion: 1,
  handle: (ctx, req) => {
    const mechanism = req.body.string();
    const enabled = ctx.auth === null ? [] : [SASL_PLAIN];
    if (!enabled.includes(mechanism)) {
      return Promise.resolve(
        encodeSaslHandshakeResponse(KAFKA_ERRORS.UNSUPPORTED_SASL_MECHANISM, enabled),
      );
    }
    if (ctx.connection.principal !== null) {
      return Promise.resolve(encodeSaslHandshakeResponse(KAFKA_ERRORS.ILLEGAL_SASL_STATE, enabled));
    }
    if (ctx.auth !== null && ctx.auth.failures.check(ctx.connection.remote, KAFKA) > 0) {
      // Locked out: no mechanism is chosen, so the token that follows (a
      // SaslAuthenticate, or v0's bare frame) fails and the connection closes.
      return Promise.resolve(
        encodeSaslHandshakeResponse(KAFKA_ERRORS.SASL_AUTHENTICATION_FAILED, enabled),
      );
    }
    ctx.connection.saslMechanism = mechanism;
    return Promise.resolve(encodeSaslHandshakeResponse(KAFKA_ERRORS.NONE, enabled));
  },
};
