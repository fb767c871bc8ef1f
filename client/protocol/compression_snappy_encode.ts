/**
 * Snappy compression in plain TypeScript (runs in browsers and Workers):
 * one raw Snappy block, as librdkafka and kafkajs write it (Java clients
 * read raw blocks too: snappy-java falls back to them without the xerial
 * header).
 *
 * Format: https://github.com/google/snappy/blob/main/format_description.txt.
 * A greedy compressor: a hash of the next 4 bytes finds the last position
 * with the same hash; a match of at least 4 bytes within 64 KiB becomes a
 * copy (1-byte offset form when short and near, else 2-byte offset), other
 * bytes are literals. The scan skips faster through incompressible data.
 *
 * @module
 */

const HASH_BITS = 14;
const MAX_OFFSET = 65535;

function hash4(src: Uint8Array, i: number): number {
  const v = src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24);
  return Math.imul(v, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

/** An output buffer sized for the worst case up front. */
class Sink {
  readonly buf: Uint8Array;
  pos = 0;
  constructor(inputLength: number) {
    // Worst case of the format: 32 + n + n/6 (snappy's MaxCompressedLength).
    this.buf = new Uint8Array(32 + inputLength + Math.ceil(inputLength / 6));
  }
  varint(n: number): void {
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }
  literal(src: Uint8Array, start: number, end: number): void {
    const n = end - start - 1;
    if (n < 0) return;
    if (n < 60) {
      this.buf[this.pos++] = n << 2;
    } else {
      const bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
      this.buf[this.pos++] = (59 + bytes) << 2;
      for (let i = 0, v = n; i < bytes; i++, v = Math.floor(v / 256)) {
        this.buf[this.pos++] = v & 0xff;
      }
    }
    this.buf.set(src.subarray(start, end), this.pos);
    this.pos += end - start;
  }
  copy(offset: number, length: number): void {
    while (length >= 68) {
      this.copy2(offset, 64);
      length -= 64;
    }
    if (length > 64) {
      this.copy2(offset, 60);
      length -= 60;
    }
    if (length < 12 && offset < 2048) {
      this.buf[this.pos++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
      this.buf[this.pos++] = offset & 0xff;
    } else {
      this.copy2(offset, length);
    }
  }
  copy2(offset: number, length: number): void {
    this.buf[this.pos++] = 2 | ((length - 1) << 2);
    this.buf[this.pos++] = offset & 0xff;
    this.buf[this.pos++] = offset >>> 8;
  }
}

/**
 * Compresses `data` into one raw Snappy block (length preamble, then
 * literals and copies). {@linkcode snappyDecompress} and every Kafka client
 * read it.
 *
 * @param data The bytes to compress (at most 4 GiB - 1).
 * @returns The compressed bytes.
 *
 * @example Round trip
 * ```ts
 * import { snappyCompress, snappyDecompress } from "weir/client";
 * import { assertEquals } from "@std/assert";
 *
 * const data = new TextEncoder().encode("abcabcabcabcabcabc");
 * const packed = snappyCompress(data);
 * assertEquals(packed.length < data.length, true);
 * assertEquals(snappyDecompress(packed), data);
 * ```
 */
export function snappyCompress(data: Uint8Array): Uint8Array {
  const n = data.length;
  const out = new Sink(n);
  out.varint(n);
  const table = new Int32Array(1 << HASH_BITS).fill(-1);
  let anchor = 0; // start of the pending literals
  let i = 0;
  const last = n - 4; // a match needs 4 bytes to hash
  while (i <= last) {
    const h = hash4(data, i);
    const candidate = table[h]!;
    table[h] = i;
    if (
      candidate >= 0 && i - candidate <= MAX_OFFSET &&
      data[candidate] === data[i] && data[candidate + 1] === data[i + 1] &&
      data[candidate + 2] === data[i + 2] && data[candidate + 3] === data[i + 3]
    ) {
      let length = 4;
      while (i + length < n && data[candidate + length] === data[i + length]) length++;
      out.literal(data, anchor, i);
      out.copy(i - candidate, length);
      // Index a position inside the match so the next one can chain from it.
      const end = i + length;
      if (end - 1 <= last) table[hash4(data, end - 1)] = end - 1;
      i = end;
      anchor = i;
    } else {
      // Skip faster through data without matches (32 misses in a row: step 2, and so on).
      i += 1 + ((i - anchor) >>> 5);
    }
  }
  out.literal(data, anchor, n);
  return out.buf.slice(0, out.pos);
}
