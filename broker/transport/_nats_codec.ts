/**
 * The binary envelope body of the NATS transport: structured JSON for the
 * message with every `Uint8Array` / `ArrayBuffer` replaced by a placeholder,
 * and the raw bytes appended (never base64, never JSON numbers).
 *
 * Layout, big-endian:
 * ```
 * u32 jsonLength | json (UTF-8) | bytes of buffer 0 | bytes of buffer 1 | ...
 * ```
 * `json` is `{ "v": <value>, "b": [length0, length1, ...] }`; a placeholder is
 * `{ "$weirBytes": i }` (a `Uint8Array`) or `{ "$weirBuffer": i }` (an
 * `ArrayBuffer`). Decoded buffers are fresh copies that own their whole
 * `ArrayBuffer`, so the receiver can transfer them on to a Worker.
 *
 * @module
 */

const BYTES = "$weirBytes";
const BUFFER = "$weirBuffer";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An encoded body and the buffers it carries (each owning its ArrayBuffer). */
export interface DecodedBody {
  /** The message. */
  readonly value: unknown;
  /** Buffers inside `value`, for a transfer list. */
  readonly transfer: ArrayBuffer[];
}

/**
 * Encodes a message: JSON with placeholders, then the raw bytes.
 *
 * @throws TypeError for values JSON cannot carry (cycles, bigint)
 */
export function encodeBody(value: unknown): Uint8Array {
  const parts: Uint8Array[] = [];
  const json: string | undefined = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) {
      parts.push(v);
      return { [BYTES]: parts.length - 1 };
    }
    if (v instanceof ArrayBuffer) {
      parts.push(new Uint8Array(v));
      return { [BUFFER]: parts.length - 1 };
    }
    return v;
  });
  const lengths = `"b":[${parts.map((p) => p.byteLength).join(",")}]`;
  const head = encoder.encode(json === undefined ? `{${lengths}}` : `{"v":${json},${lengths}}`);
  let total = 4 + head.byteLength;
  for (const p of parts) total += p.byteLength;
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, head.byteLength);
  out.set(head, 4);
  let at = 4 + head.byteLength;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * Decodes a body made by {@linkcode encodeBody}.
 *
 * @throws RangeError when the body is truncated or its header is malformed
 */
export function decodeBody(data: Uint8Array): DecodedBody {
  if (data.byteLength < 4) throw new RangeError("Cannot decode a NATS body: shorter than 4 bytes");
  const jsonLength = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
  if (4 + jsonLength > data.byteLength) {
    throw new RangeError(
      `Cannot decode a NATS body: JSON length ${jsonLength} exceeds the body (${data.byteLength} bytes)`,
    );
  }
  const head = JSON.parse(decoder.decode(data.subarray(4, 4 + jsonLength))) as {
    v?: unknown;
    b?: unknown;
  };
  const lengths = head.b;
  if (!Array.isArray(lengths) || !lengths.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new RangeError("Cannot decode a NATS body: bad buffer length list");
  }
  const buffers: Uint8Array[] = [];
  let at = 4 + jsonLength;
  for (const n of lengths as number[]) {
    if (at + n > data.byteLength) {
      throw new RangeError("Cannot decode a NATS body: a buffer runs past the end");
    }
    // A plain Uint8Array (not the client's Buffer subclass) owning a fresh ArrayBuffer.
    const copy = new Uint8Array(n);
    copy.set(data.subarray(at, at + n));
    buffers.push(copy);
    at += n;
  }
  if (at !== data.byteLength) {
    throw new RangeError("Cannot decode a NATS body: trailing bytes after the last buffer");
  }
  const used: ArrayBuffer[] = [];
  const revive = (v: unknown): unknown => {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = revive(v[i]);
      return v;
    }
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && (keys[0] === BYTES || keys[0] === BUFFER)) {
      const buf = buffers[o[keys[0]] as number];
      if (buf === undefined) {
        throw new RangeError("Cannot decode a NATS body: placeholder names a missing buffer");
      }
      used.push(buf.buffer as ArrayBuffer);
      return keys[0] === BYTES ? buf : buf.buffer;
    }
    for (const k of keys) o[k] = revive(o[k]);
    return o;
  };
  return { value: revive(head.v), transfer: used };
}
