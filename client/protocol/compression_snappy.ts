/**
 * Snappy decompression as Kafka clients send it, in plain TypeScript (runs
 * in browsers and Workers): a raw Snappy block (librdkafka, kafkajs) or the
 * xerial framing of Java clients (`\x82SNAPPY\0`, version, compatible
 * version, then chunks of int32 length + raw block).
 *
 * Format: https://github.com/google/snappy/blob/main/format_description.txt.
 * Every length is checked against the input and `maxBytes` before anything
 * is copied, so a lying length cannot make it allocate or read past the end.
 *
 * @module
 */
import { WeirError } from "./errors.ts";

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];

function bad(reason: string): WeirError {
  return new WeirError("INVALID_RECORD", `Cannot decompress snappy records: ${reason}`);
}

function tooLarge(maxBytes: number): WeirError {
  return new WeirError(
    "RECORD_TOO_LARGE",
    `Cannot decompress snappy records: output exceeds ${maxBytes} bytes`,
  );
}

/** Returns true when `data` starts with the xerial snappy-java stream header. */
export function isXerialSnappy(data: Uint8Array): boolean {
  if (data.length < 16) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** Reads the uncompressed length preamble (a varint of at most 32 bits). */
function readPreamble(src: Uint8Array, start: number, end: number): [number, number] {
  let result = 0;
  let shift = 0;
  let pos = start;
  for (;;) {
    if (pos >= end) throw bad("truncated length preamble");
    if (shift > 28) throw bad("length preamble is longer than 5 bytes");
    const b = src[pos++]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
  }
  if (result > 0xffffffff) throw bad("length preamble exceeds 32 bits");
  return [result, pos];
}

/** Decodes one raw block `src[start, end)` into `out` at `at`; returns the new end. */
function decodeBlock(
  src: Uint8Array,
  start: number,
  end: number,
  length: number,
  out: Uint8Array,
  at: number,
): number {
  const limit = at + length;
  let pos = start;
  let op = at;
  while (pos < end) {
    const tag = src[pos++]!;
    const type = tag & 3;
    if (type === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (pos + extra > end) throw bad("truncated literal length");
        len = 0;
        for (let i = 0; i < extra; i++) len += src[pos + i]! * 2 ** (8 * i);
        pos += extra;
      }
      len += 1;
      if (pos + len > end) throw bad("literal runs past the input");
      if (op + len > limit) throw bad("literal runs past the declared length");
      if (len < 32) {
        for (let i = 0; i < len; i++) out[op + i] = src[pos + i]!;
      } else {
        out.set(src.subarray(pos, pos + len), op);
      }
      pos += len;
      op += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (type === 1) {
      if (pos + 1 > end) throw bad("truncated copy");
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[pos]!;
      pos += 1;
    } else if (type === 2) {
      if (pos + 2 > end) throw bad("truncated copy");
      len = (tag >>> 2) + 1;
      offset = src[pos]! | (src[pos + 1]! << 8);
      pos += 2;
    } else {
      if (pos + 4 > end) throw bad("truncated copy");
      len = (tag >>> 2) + 1;
      offset = (src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16)) +
        src[pos + 3]! * 0x1000000;
      pos += 4;
    }
    if (offset === 0 || offset > op - at) throw bad(`copy offset ${offset} is out of range`);
    if (op + len > limit) throw bad("copy runs past the declared length");
    if (offset >= len && len >= 32) {
      out.copyWithin(op, op - offset, op - offset + len);
      op += len;
    } else {
      for (let i = 0; i < len; i++, op++) out[op] = out[op - offset]!;
    }
  }
  if (op !== limit) throw bad(`decoded ${op - at} bytes, the preamble says ${length}`);
  return op;
}

function rawLength(src: Uint8Array, start: number, end: number): number {
  return readPreamble(src, start, end)[0];
}

/**
 * Decompresses Kafka snappy data: raw Snappy, or xerial-framed chunks.
 *
 * @param data The compressed bytes.
 * @param options `maxBytes` bounds the output (checked before allocating).
 * @returns The decompressed bytes.
 * @throws {WeirError} `INVALID_RECORD` for malformed data; `RECORD_TOO_LARGE` past `maxBytes`.
 *
 * @example A literal-only block
 * ```ts
 * import { snappyDecompress } from "./compression_snappy.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // preamble 3, literal tag (len 3 - 1) << 2, "abc"
 * const out = snappyDecompress(new Uint8Array([3, 8, 97, 98, 99]));
 * assertEquals(new TextDecoder().decode(out), "abc");
 * ```
 */
export function snappyDecompress(
  data: Uint8Array,
  options: { maxBytes?: number } = {},
): Uint8Array {
  const maxBytes = options.maxBytes ?? Infinity;
  if (!isXerialSnappy(data)) {
    const [length, pos] = readPreamble(data, 0, data.length);
    if (length > maxBytes) throw tooLarge(maxBytes);
    const out = new Uint8Array(length);
    decodeBlock(data, pos, data.length, length, out, 0);
    return out;
  }
  // xerial: first size every chunk (and bound the total), then decode into one buffer.
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const chunks: [number, number, number][] = [];
  let total = 0;
  let pos = 16;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw bad("truncated xerial chunk length");
    const size = view.getInt32(pos);
    pos += 4;
    if (size < 0 || pos + size > data.length) throw bad(`xerial chunk length ${size} is invalid`);
    const length = rawLength(data, pos, pos + size);
    total += length;
    if (total > maxBytes) throw tooLarge(maxBytes);
    chunks.push([pos, pos + size, length]);
    pos += size;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const [start, end, length] of chunks) {
    const [, body] = readPreamble(data, start, end);
    at = decodeBlock(data, body, end, length, out, at);
  }
  return out;
}
