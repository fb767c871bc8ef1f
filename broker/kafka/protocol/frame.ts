/**
 * Request and response framing: every Kafka message is an int32 size then
 * that many bytes. A request starts with header v1 (api key, api version,
 * correlation id, nullable client id) or, for flexible versions, header v2
 * (v1 plus tagged fields). A response starts with header v0 (correlation id)
 * or, for flexible versions except ApiVersions, header v1 (v0 plus tagged
 * fields).
 *
 * @module
 */
import type { KafkaReader } from "./reader.ts";

/** Header v1 fields of a request (tagged fields of v2 are read separately). */
export interface RequestHeader {
  /** API key. */
  apiKey: number;
  /** API version. */
  apiVersion: number;
  /** Echoed in the response. */
  correlationId: number;
  /** `client.id`, a classic nullable string even in header v2. */
  clientId: string | null;
}

/**
 * Reads request header v1 (callers skip the tagged fields of v2 once they
 * know the API is flexible at this version).
 *
 * @param reader Positioned at the start of the frame (after the size).
 * @returns The header fields.
 * @throws {WeirError} `INVALID_REQUEST` when truncated.
 */
export function readRequestHeader(reader: KafkaReader): RequestHeader {
  const apiKey = reader.int16();
  const apiVersion = reader.int16();
  const correlationId = reader.int32();
  const clientId = reader.nullableString();
  return { apiKey, apiVersion, correlationId, clientId };
}

/**
 * Size prefix plus response header: int32 size (of header and body),
 * int32 correlation id, and an empty tagged-field section for header v1.
 *
 * @param correlationId From the request.
 * @param bodyLength Bytes of the body that follows.
 * @param options `flexible`: header v1.
 * @returns 8 or 9 bytes.
 */
export function encodeResponsePrefix(
  correlationId: number,
  bodyLength: number,
  options: { flexible: boolean },
): Uint8Array {
  const headerLength = options.flexible ? 5 : 4;
  const out = new Uint8Array(4 + headerLength);
  const view = new DataView(out.buffer);
  view.setInt32(0, headerLength + bodyLength);
  view.setInt32(4, correlationId);
  // out[8] is already 0: no tagged fields.
  return out;
}
