/**
 * Variable-length integers as Kafka writes them inside records: zig-zag
 * `varint` (int32, at most 5 bytes), zig-zag `varlong` (int64, at most 10
 * bytes; here limited to JS safe integers) and unsigned varint (uint32).
 *
 * Writers put bytes into a caller's buffer and return the position after
 * them; readers advance a {@linkcode ByteCursor} (fast, no allocation) and
 * `decode*` wrappers return `{ value, bytesRead }`. Malformed, overlong or
 * truncated input throws `WeirError("INVALID_RECORD")`.
 *
 * @module
 */
import { WeirError } from "./errors.ts";

/** A read position inside a buffer, with the exclusive end readers must not pass. */
export interface ByteCursor {
  /** Next byte to read; readers advance it. */
  pos: number;
  /** Exclusive end of the readable region. */
  end: number;
}

/** A decoded number and how many bytes it took. */
export interface DecodedVarint {
  /** The value. */
  value: number;
  /** Bytes consumed. */
  bytesRead: number;
}

function invalid(what: string, reason: string): WeirError {
  return new WeirError("INVALID_RECORD", `Cannot ${what}: ${reason}`);
}

/**
 * Bytes a zig-zag varint (int32) takes.
 *
 * @param n An int32.
 * @returns 1 to 5.
 */
export function sizeOfVarint(n: number): number {
  return sizeOfUnsignedVarint(((n << 1) ^ (n >> 31)) >>> 0);
}

/**
 * Bytes an unsigned varint (uint32) takes.
 *
 * @param n A uint32.
 * @returns 1 to 5.
 */
export function sizeOfUnsignedVarint(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  return 5;
}

/**
 * Bytes a zig-zag varlong (int64, safe-integer range) takes.
 *
 * @param n A safe integer.
 * @returns 1 to 8 (up to 10 for the full int64 range, unused here).
 */
export function sizeOfVarlong(n: number): number {
  if (n >= -0x40000000 && n < 0x40000000) return sizeOfVarint(n);
  // raw = 2|n| (+/-1) needs 1 + floor(log2(mag)) + 1 bits; count 7-bit groups.
  let rest = Math.floor((n < 0 ? -n - 1 : n) / 64);
  let size = 1;
  while (rest > 0) {
    rest = Math.floor(rest / 128);
    size++;
  }
  return size;
}

/**
 * Writes an unsigned varint (uint32) at `pos`.
 *
 * @param buf Target buffer with room for up to 5 bytes.
 * @param pos Where to write.
 * @param n A uint32.
 * @returns The position after the written bytes.
 * @throws {WeirError} `INVALID_RECORD` when `n` is not a uint32.
 */
export function writeUnsignedVarint(buf: Uint8Array, pos: number, n: number): number {
  if (!(n >= 0 && n <= 0xffffffff && Number.isInteger(n))) {
    throw invalid("encode unsigned varint", `${n} is not a uint32`);
  }
  let v = n >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/**
 * Writes a zig-zag varint (int32) at `pos`.
 *
 * @param buf Target buffer with room for up to 5 bytes.
 * @param pos Where to write.
 * @param n An int32.
 * @returns The position after the written bytes.
 * @throws {WeirError} `INVALID_RECORD` when `n` is not an int32.
 */
export function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  if ((n | 0) !== n) throw invalid("encode varint", `${n} is not an int32`);
  let v = ((n << 1) ^ (n >> 31)) >>> 0;
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/**
 * Writes a zig-zag varlong (int64 limited to safe integers) at `pos`.
 *
 * @param buf Target buffer with room for up to 8 bytes.
 * @param pos Where to write.
 * @param n A safe integer.
 * @returns The position after the written bytes.
 * @throws {WeirError} `INVALID_RECORD` when `n` is not a safe integer.
 */
export function writeVarlong(buf: Uint8Array, pos: number, n: number): number {
  if (n >= -0x40000000 && n < 0x40000000 && (n | 0) === n) return writeVarint(buf, pos, n);
  if (!Number.isSafeInteger(n)) throw invalid("encode varlong", `${n} is not a safe integer`);
  const sign = n < 0 ? 1 : 0;
  const mag = sign ? -n - 1 : n; // raw = 2 * mag + sign
  let rest = Math.floor(mag / 64);
  buf[pos++] = (((mag % 64) << 1) | sign) | 0x80; // rest > 0 here since |n| >= 2^30
  while (rest >= 0x80) {
    buf[pos++] = (rest % 128) | 0x80;
    rest = Math.floor(rest / 128);
  }
  buf[pos++] = rest;
  return pos;
}

/**
 * Reads an unsigned varint (uint32) at `cursor.pos` and advances the cursor.
 *
 * @param buf Source bytes.
 * @param cursor Position and end; `pos` is advanced past the varint.
 * @returns The value.
 * @throws {WeirError} `INVALID_RECORD` when truncated or longer than 5 bytes.
 */
export function readUnsignedVarint(buf: Uint8Array, cursor: ByteCursor): number {
  let pos = cursor.pos;
  const end = cursor.end;
  let result = 0;
  let shift = 0;
  while (true) {
    if (pos >= end) throw invalid("read varint", `truncated at byte ${pos}`);
    const b = buf[pos++]!;
    if (shift === 28) {
      if (b > 0x0f) throw invalid("read varint", `overlong varint at byte ${cursor.pos}`);
      result = (result | (b << 28)) >>> 0;
      break;
    }
    result |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  cursor.pos = pos;
  return result >>> 0;
}

/**
 * Reads a zig-zag varint (int32) at `cursor.pos` and advances the cursor.
 *
 * @param buf Source bytes.
 * @param cursor Position and end; `pos` is advanced past the varint.
 * @returns The value.
 * @throws {WeirError} `INVALID_RECORD` when truncated or longer than 5 bytes.
 */
export function readVarint(buf: Uint8Array, cursor: ByteCursor): number {
  const pos = cursor.pos;
  if (pos < cursor.end) {
    const b = buf[pos]!;
    if (b < 0x80) {
      cursor.pos = pos + 1;
      return (b >>> 1) ^ -(b & 1);
    }
  }
  const raw = readUnsignedVarint(buf, cursor);
  return (raw >>> 1) ^ -(raw & 1);
}

/**
 * Reads a zig-zag varlong (int64) at `cursor.pos` and advances the cursor.
 *
 * @param buf Source bytes.
 * @param cursor Position and end; `pos` is advanced past the varlong.
 * @returns The value.
 * @throws {WeirError} `INVALID_RECORD` when truncated, longer than 10 bytes,
 *   or outside the safe-integer range.
 */
export function readVarlong(buf: Uint8Array, cursor: ByteCursor): number {
  let pos = cursor.pos;
  const end = cursor.end;
  if (pos >= end) throw invalid("read varlong", `truncated at byte ${pos}`);
  let b = buf[pos++]!;
  const sign = b & 1;
  // magnitude = raw >>> 1, accumulated without ever forming raw (which may exceed 2^53)
  let mag = (b & 0x7f) >>> 1;
  let mult = 64;
  let count = 1;
  while (b >= 0x80) {
    if (count === 10) throw invalid("read varlong", `overlong varlong at byte ${cursor.pos}`);
    if (pos >= end) throw invalid("read varlong", `truncated at byte ${pos}`);
    b = buf[pos++]!;
    mag += (b & 0x7f) * mult;
    mult *= 128;
    count++;
  }
  if (mag > Number.MAX_SAFE_INTEGER) {
    throw invalid("read varlong", `value at byte ${cursor.pos} exceeds the safe integer range`);
  }
  cursor.pos = pos;
  return sign ? -mag - 1 : mag;
}

/**
 * Decodes a zig-zag varint (int32) at `pos`.
 *
 * @param buf Source bytes.
 * @param pos Where the varint starts (default 0).
 * @returns The value and how many bytes it took.
 * @throws {WeirError} `INVALID_RECORD` when truncated or overlong.
 *
 * @example Round trip
 * ```ts
 * import { decodeVarint, encodeVarint } from "weir/client";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(Array.from(encodeVarint(-1)), [0x01]);
 * assertEquals(decodeVarint(encodeVarint(300)), { value: 300, bytesRead: 2 });
 * ```
 */
export function decodeVarint(buf: Uint8Array, pos = 0): DecodedVarint {
  const cursor = { pos, end: buf.length };
  const value = readVarint(buf, cursor);
  return { value, bytesRead: cursor.pos - pos };
}

/**
 * Decodes a zig-zag varlong (int64, safe-integer range) at `pos`.
 *
 * @param buf Source bytes.
 * @param pos Where the varlong starts (default 0).
 * @returns The value and how many bytes it took.
 * @throws {WeirError} `INVALID_RECORD` when truncated, overlong or unsafe.
 */
export function decodeVarlong(buf: Uint8Array, pos = 0): DecodedVarint {
  const cursor = { pos, end: buf.length };
  const value = readVarlong(buf, cursor);
  return { value, bytesRead: cursor.pos - pos };
}

/**
 * Decodes an unsigned varint (uint32) at `pos`.
 *
 * @param buf Source bytes.
 * @param pos Where the varint starts (default 0).
 * @returns The value and how many bytes it took.
 * @throws {WeirError} `INVALID_RECORD` when truncated or overlong.
 */
export function decodeUnsignedVarint(buf: Uint8Array, pos = 0): DecodedVarint {
  const cursor = { pos, end: buf.length };
  const value = readUnsignedVarint(buf, cursor);
  return { value, bytesRead: cursor.pos - pos };
}

/**
 * Encodes a zig-zag varint (int32) into a new array.
 *
 * @param n An int32.
 * @returns Its bytes.
 * @throws {WeirError} `INVALID_RECORD` when `n` is not an int32.
 */
export function encodeVarint(n: number): Uint8Array {
  const out = new Uint8Array(5);
  return out.slice(0, writeVarint(out, 0, n));
}

/**
 * Encodes a zig-zag varlong (safe-integer range) into a new array.
 *
 * @param n A safe integer.
 * @returns Its bytes.
 * @throws {WeirError} `INVALID_RECORD` when `n` is not a safe integer.
 */
export function encodeVarlong(n: number): Uint8Array {
  const out = new Uint8Array(10);
  return out.slice(0, writeVarlong(out, 0, n));
}

/**
 * Encodes an unsigned varint (uint32) into a new array.
 *
 * @param n A uint32.
 * @returns Its bytes.
 * @throws {WeirError} `INVALID_RECORD` when `n` is not a uint32.
 */
export function encodeUnsignedVarint(n: number): Uint8Array {
  const out = new Uint8Array(5);
  return out.slice(0, writeUnsignedVarint(out, 0, n));
}
