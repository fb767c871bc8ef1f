/**
 * ApiVersions (key 18), versions 0–3. The answer lists every API the
 * listener serves with its version range; v3 is flexible in the body, but the
 * response header stays v0 (the listener handles that). A too-new version is
 * answered by the listener with a v0 body carrying UNSUPPORTED_VERSION (35).
 *
 * @module
 */
import type { KafkaApi } from "../handler.ts";
import { KafkaWriter } from "../protocol/writer.ts";
import { API_KEYS } from "../protocol/api_keys.ts";
import { KAFKA_ERRORS } from "../protocol/error_codes.ts";

/**
 * Encodes an ApiVersions response body.
 *
 * @param apis The APIs served, by key.
 * @param options Version to encode and the top-level error code.
 * @returns The body.
 */
export function encodeApiVersionsResponse(
  apis: ReadonlyMap<number, Pick<KafkaApi, "key" | "minVersion" | "maxVersion">>,
  options: { version: number; errorCode?: number },
): Uint8Array {
  const v = options.version;
  const flexible = v >= 3;
  const w = new KafkaWriter(64 + apis.size * 8);
  w.int16(options.errorCode ?? KAFKA_ERRORS.NONE);
  const sorted = [...apis.values()].sort((a, b) => a.key - b.key);
  w.array(flexible, sorted, (w, api) => {
    w.int16(api.key).int16(api.minVersion).int16(api.maxVersion).tags(flexible);
  });
  if (v >= 1) w.int32(0); // throttle_time_ms
  w.tags(flexible);
  return w.finish();
}

/** ApiVersions 0–3. */
export const apiVersionsApi: KafkaApi = {
  key: API_KEYS.ApiVersions,
  name: "ApiVersions",
  minVersion: 0,
  maxVersion: 3,
  flexibleFrom: 3,
  handle: (ctx, req) => {
    if (req.flexible) {
      // client_software_name, client_software_version: informative only.
      req.body.compactString();
      req.body.compactString();
      req.body.skipTaggedFields();
    }
    return Promise.resolve(encodeApiVersionsResponse(ctx.apis, { version: req.apiVersion }));
  },
};
