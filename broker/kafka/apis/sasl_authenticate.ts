/**
 * SaslAuthenticate (key 36), versions 0–1: one PLAIN round after a
 * SaslHandshake v1. A wrong or unknown key answers
 * SASL_AUTHENTICATION_FAILED (58); the connection then closes (the
 * listener's rule for unauthenticated connections). A wrong key counts
 * against the peer's address (`AuthStore.failures`); a locked-out address
 * gets the same error, with the wait in the message, before its key is
 * checked.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { KafkaApi } from "../handler.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS } from "../protocol/error_codes.ts";
import { authenticatePlain } from "./sasl_plain.ts";
import { SASL_PLAIN } from "./sasl_handshake.ts";

const logger = getLogger(["weir", "kafka", "auth"]);
const KAFKA = { listener: "kafka" } as const;

/**
 * Encodes a SaslAuthenticate response body.
 *
 * @param res Error number and message.
 * @param version API version.
 * @returns The body.
 */
export function encodeSaslAuthenticateResponse(
  res: { errorCode: number; errorMessage: string | null },
  version: number,
): Uint8Array {
  const w = new KafkaWriter(64).int16(res.errorCode).nullableString(res.errorMessage);
  w.bytes(new Uint8Array(0)); // auth_bytes: PLAIN has no server challenge
  if (version >= 1) w.int64(0); // session_lifetime_ms: no re-authentication required
  return w.finish();
}

/** SaslAuthenticate 0–1. */
export const saslAuthenticateApi: KafkaApi = {
  key: API_KEYS.SaslAuthenticate,
  name: "SaslAuthenticate",
  minVersion: 0,
  maxVersion: 1,
  handle: (ctx, req) => {
    const token = req.body.bytes();
    const fail = (message: string) =>
      Promise.resolve(encodeSaslAuthenticateResponse({
        errorCode: KAFKA_ERRORS.SASL_AUTHENTICATION_FAILED,
        errorMessage: message,
      }, req.apiVersion));
    if (ctx.auth === null || ctx.connection.saslMechanism !== SASL_PLAIN) {
      return fail("Cannot authenticate: no SASL/PLAIN handshake on this connection");
    }
    if (ctx.connection.principal !== null) {
      return fail("Cannot authenticate: the connection is already authenticated");
    }
    const wait = ctx.auth.failures.check(ctx.connection.remote, KAFKA);
    if (wait > 0) {
      logger.debug("Kafka connection {remote}: refused, too many failed authentications", {
        remote: ctx.connection.remote,
      });
      return fail(
        "Cannot authenticate: too many failed authentications from this address; " +
          `retry in ${Math.max(1, Math.ceil(wait / 1000))} s`,
      );
    }
    const principal = authenticatePlain(ctx.auth, token);
    if (principal === null) {
      ctx.auth.failures.fail(ctx.connection.remote, KAFKA);
      logger.info("Kafka connection {remote}: SASL/PLAIN authentication failed", {
        remote: ctx.connection.remote,
      });
      return fail("Cannot authenticate: unknown user name or API key");
    }
    ctx.connection.principal = principal;
    logger.debug("Kafka connection {remote} authenticated as {principal}", {
      remote: ctx.connection.remote,
      principal: principal.name,
    });
    return Promise.resolve(
      encodeSaslAuthenticateResponse(
        { errorCode: KAFKA_ERRORS.NONE, errorMessage: null },
        req.apiVersion,
      ),
    );
  },
};
