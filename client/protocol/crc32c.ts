/**
 * CRC-32C (Castagnoli), the checksum of Kafka's RecordBatch v2.
 *
 * Pure TypeScript (runs in browsers), table-driven slice-by-8 over the
 * reflected polynomial `0x82F63B78`. The tables (8 × 256 entries) are built
 * once, on first use. The server may pass a faster native implementation
 * (same {@linkcode Crc32c} shape) wherever a codec function accepts `crc`.
 *
 * @module
 */

/** A CRC-32C function: `initial` is a previous result to continue from (default 0). */
export type Crc32c = (data: Uint8Array, initial?: number) => number;

const POLY = 0x82f63b78;

let tables: Uint32Array | undefined;

function buildTables(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
}

/**
 * Computes the CRC-32C of `data`, optionally continuing from a previous
 * result, so `crc32c(b, crc32c(a))` equals the CRC of `a` followed by `b`.
 *
 * @param data The bytes to checksum.
 * @param initial A previous CRC-32C to continue from (default 0).
 * @returns The unsigned 32-bit CRC.
 *
 * @example Check value and incremental use
 * ```ts
 * import { crc32c } from "weir/client";
 * import { assertEquals } from "@std/assert";
 *
 * const bytes = new TextEncoder().encode("123456789");
 * assertEquals(crc32c(bytes), 0xe3069283);
 * assertEquals(crc32c(bytes.subarray(4), crc32c(bytes.subarray(0, 4))), 0xe3069283);
 * ```
 */
export function crc32c(data: Uint8Array, initial = 0): number {
  const t = tables ??= buildTables();
  let crc = ~initial;
  let i = 0;
  const len = data.length;
  const end8 = len - (len & 7);
  while (i < end8) {
    const a = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    crc = t[1792 + (a & 0xff)]! ^ t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^ t[1024 + (a >>> 24)]! ^
      t[768 + data[i + 4]!]! ^ t[512 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^ t[data[i + 7]!]!;
    i += 8;
  }
  while (i < len) {
    crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}
