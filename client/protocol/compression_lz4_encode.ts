/**
 * LZ4 compression in plain TypeScript (runs in browsers and Workers), in
 * the LZ4 frame format Kafka's clients write: magic `0x184D2204`, version 1,
 * independent 64 KiB blocks, no block or content checksums, the header
 * checksum (xxHash32) set, an end mark.
 *
 * Format: https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md and
 * `lz4_Block_format.md`. A greedy block compressor: a hash of the next 4
 * bytes finds the last position with the same hash; a match of at least 4
 * bytes becomes a sequence. The block rules are kept: the last 5 bytes are
 * literals and no match starts within the last 12 bytes. A block that does
 * not shrink is stored uncompressed.
 *
 * @module
 */

const BLOCK_SIZE = 64 * 1024;
const HASH_BITS = 14;
const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MF_LIMIT = 12;

const P1 = 2654435761;
const P2 = 2246822519;
const P3 = 3266489917;
const P4 = 668265263;
const P5 = 374761393;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function le32(src: Uint8Array, i: number): number {
  return src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24);
}

/**
 * xxHash32 of `data` (https://github.com/Cyan4973/xxHash), as the LZ4 frame
 * format uses it for its header, block and content checksums.
 *
 * @param data The bytes to hash.
 * @param seed The seed (default 0).
 * @returns The unsigned 32-bit hash.
 */
export function xxhash32(data: Uint8Array, seed = 0): number {
  const n = data.length;
  let i = 0;
  let h: number;
  if (n >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    for (; i <= n - 16; i += 16) {
      v1 = Math.imul(rotl((v1 + Math.imul(le32(data, i), P2)) | 0, 13), P1);
      v2 = Math.imul(rotl((v2 + Math.imul(le32(data, i + 4), P2)) | 0, 13), P1);
      v3 = Math.imul(rotl((v3 + Math.imul(le32(data, i + 8), P2)) | 0, 13), P1);
      v4 = Math.imul(rotl((v4 + Math.imul(le32(data, i + 12), P2)) | 0, 13), P1);
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + n) | 0;
  for (; i + 4 <= n; i += 4) {
    h = Math.imul(rotl((h + Math.imul(le32(data, i), P3)) | 0, 17), P4);
  }
  for (; i < n; i++) h = Math.imul(rotl((h + Math.imul(data[i]!, P5)) | 0, 11), P1);
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

function hash4(src: Uint8Array, i: number): number {
  return Math.imul(le32(src, i), 2654435761) >>> (32 - HASH_BITS);
}

function writeLength(out: Uint8Array, op: number, extra: number): number {
  while (extra >= 255) {
    out[op++] = 255;
    extra -= 255;
  }
  out[op++] = extra;
  return op;
}

/**
 * Compresses `src[start, end)` as one LZ4 block into `out` at `op`; returns
 * the new end, or -1 when the block would not be smaller than the input.
 */
function compressBlock(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  op: number,
  table: Int32Array,
): number {
  const limit = op + (end - start) - 1; // must end below this to be worth it
  let anchor = start;
  const matchLimit = end - LAST_LITERALS;
  const lastStart = end - MF_LIMIT;
  let i = start;
  table.fill(-1);
  while (i < lastStart) {
    const h = hash4(src, i);
    const candidate = table[h]!;
    table[h] = i;
    if (candidate >= start && i - candidate <= 65535 && le32(src, candidate) === le32(src, i)) {
      let length = MIN_MATCH;
      while (i + length < matchLimit && src[candidate + length] === src[i + length]) length++;
      const literals = i - anchor;
      // Worst case of this sequence: token, lengths, literals, offset.
      if (op + 1 + literals + Math.ceil(literals / 255) + 2 + length / 255 + 1 > limit) return -1;
      const token = op++;
      out[token] = (Math.min(literals, 15) << 4) | Math.min(length - MIN_MATCH, 15);
      if (literals >= 15) op = writeLength(out, op, literals - 15);
      out.set(src.subarray(anchor, i), op);
      op += literals;
      const offset = i - candidate;
      out[op++] = offset & 0xff;
      out[op++] = offset >>> 8;
      if (length - MIN_MATCH >= 15) op = writeLength(out, op, length - MIN_MATCH - 15);
      i += length;
      anchor = i;
      if (i - 2 < lastStart) table[hash4(src, i - 2)] = i - 2;
    } else {
      i += 1 + ((i - anchor) >>> 6);
    }
  }
  const literals = end - anchor;
  if (op + 1 + literals + Math.ceil(literals / 255) > limit) return -1;
  out[op++] = Math.min(literals, 15) << 4;
  if (literals >= 15) op = writeLength(out, op, literals - 15);
  out.set(src.subarray(anchor, end), op);
  return op + literals;
}

/**
 * Compresses `data` into one LZ4 frame (independent 64 KiB blocks, header
 * checksum, end mark). {@linkcode lz4Decompress}, the `lz4` program and
 * every Kafka client read it.
 *
 * @param data The bytes to compress.
 * @returns The frame bytes.
 *
 * @example Round trip
 * ```ts
 * import { lz4Compress, lz4Decompress } from "weir/client";
 * import { assertEquals } from "@std/assert";
 *
 * const data = new TextEncoder().encode("abcabcabcabcabcabcabcabc");
 * assertEquals(lz4Decompress(lz4Compress(data)), data);
 * ```
 */
export function lz4Compress(data: Uint8Array): Uint8Array {
  const blocks = Math.ceil(data.length / BLOCK_SIZE);
  // Header 7 bytes, 4-byte size per block, blocks never grow (stored raw otherwise), end mark.
  const out = new Uint8Array(7 + blocks * 4 + data.length + 4);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x184d2204, true);
  out[4] = 0x60; // version 01, independent blocks, no checksums, no content size
  out[5] = 0x40; // block maximum size 64 KiB
  out[6] = (xxhash32(out.subarray(4, 6)) >>> 8) & 0xff;
  let op = 7;
  const table = new Int32Array(1 << HASH_BITS);
  for (let start = 0; start < data.length; start += BLOCK_SIZE) {
    const end = Math.min(data.length, start + BLOCK_SIZE);
    const size = end - start > MF_LIMIT ? compressBlock(data, start, end, out, op + 4, table) : -1;
    if (size < 0) {
      v.setUint32(op, (end - start) | 0x80000000, true);
      out.set(data.subarray(start, end), op + 4);
      op += 4 + end - start;
    } else {
      v.setUint32(op, size - op - 4, true);
      op = size;
    }
  }
  v.setUint32(op, 0, true);
  return out.slice(0, op + 4);
}
