/**
 * LZ4 decompression as Kafka clients send it (the LZ4 frame format, magic
 * `0x184D2204`), in plain TypeScript (runs in browsers and Workers).
 *
 * Format: https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md and
 * `lz4_Block_format.md`. Concatenated and skippable frames, linked or
 * independent blocks, block checksums and content sizes are understood; the
 * header, block and content checksums (xxHash32) are not verified: the
 * RecordBatch CRC-32C already covers the compressed bytes, and the record
 * walk after decompression checks the structure. Every length is checked
 * against the input, the frame's block size and `maxBytes` before copying.
 *
 * @module
 */
import { WeirError } from "./errors.ts";

const FRAME_MAGIC = 0x184d2204;
const BLOCK_SIZES: Record<number, number> = { 4: 65536, 5: 262144, 6: 1048576, 7: 4194304 };

function bad(reason: string): WeirError {
  return new WeirError("INVALID_RECORD", `Cannot decompress lz4 records: ${reason}`);
}

/** A byte sink that grows up to a limit. */
class Output {
  buf: Uint8Array;
  length = 0;
  constructor(initial: number, readonly maxBytes: number) {
    this.buf = new Uint8Array(Math.max(64, Math.min(initial, maxBytes)));
  }
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need > this.maxBytes) {
      throw new WeirError(
        "RECORD_TOO_LARGE",
        `Cannot decompress lz4 records: output exceeds ${this.maxBytes} bytes`,
      );
    }
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(Math.min(size, Math.max(need, this.maxBytes)));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
}

/** Decodes one LZ4 block `src[start, end)`, appending to `out`; `floor` is where back-references may reach. */
function decodeBlock(
  src: Uint8Array,
  start: number,
  end: number,
  out: Output,
  floor: number,
): void {
  let pos = start;
  for (;;) {
    if (pos >= end) throw bad("truncated sequence");
    const token = src[pos++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (pos >= end) throw bad("truncated literal length");
        b = src[pos++]!;
        literals += b;
      } while (b === 255);
    }
    if (pos + literals > end) throw bad("literals run past the block");
    out.reserve(literals);
    if (literals < 32) {
      const buf = out.buf;
      let op = out.length;
      for (let i = 0; i < literals; i++) buf[op++] = src[pos + i]!;
    } else {
      out.buf.set(src.subarray(pos, pos + literals), out.length);
    }
    out.length += literals;
    pos += literals;
    if (pos === end) return; // the last sequence has literals only
    if (pos + 2 > end) throw bad("truncated match offset");
    const offset = src[pos]! | (src[pos + 1]! << 8);
    pos += 2;
    let match = token & 15;
    if (match === 15) {
      let b: number;
      do {
        if (pos >= end) throw bad("truncated match length");
        b = src[pos++]!;
        match += b;
      } while (b === 255);
    }
    match += 4;
    if (offset === 0 || offset > out.length - floor) {
      throw bad(`match offset ${offset} is out of range`);
    }
    out.reserve(match);
    const buf = out.buf;
    let op = out.length;
    if (offset >= match && match >= 32) {
      buf.copyWithin(op, op - offset, op - offset + match);
      op += match;
    } else {
      for (let i = 0; i < match; i++, op++) buf[op] = buf[op - offset]!;
    }
    out.length = op;
  }
}

/**
 * Decompresses one or more LZ4 frames.
 *
 * @param data The compressed bytes.
 * @param options `maxBytes` bounds the output.
 * @returns The decompressed bytes.
 * @throws {WeirError} `INVALID_RECORD` for malformed data; `RECORD_TOO_LARGE` past `maxBytes`.
 *
 * @example An empty frame
 * ```ts
 * import { lz4Decompress } from "./compression_lz4.ts";
 * import { assertEquals } from "@std/assert";
 *
 * // magic, FLG (version 01, independent blocks), BD (64 KiB), HC, end mark
 * const frame = new Uint8Array([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 0, 0, 0, 0]);
 * assertEquals(lz4Decompress(frame).length, 0);
 * ```
 */
export function lz4Decompress(data: Uint8Array, options: { maxBytes?: number } = {}): Uint8Array {
  const maxBytes = options.maxBytes ?? Infinity;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Output(data.length * 3, maxBytes);
  let pos = 0;
  let frames = 0;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw bad("truncated frame magic");
    const magic = view.getUint32(pos, true);
    pos += 4;
    if ((magic & 0xfffffff0) === 0x184d2a50) { // skippable frame
      if (pos + 4 > data.length) throw bad("truncated skippable frame");
      const size = view.getUint32(pos, true);
      pos += 4;
      if (pos + size > data.length) throw bad("skippable frame runs past the input");
      pos += size;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw bad(`frame magic 0x${magic.toString(16)} is not LZ4's`);
    if (pos + 3 > data.length) throw bad("truncated frame descriptor");
    const flg = data[pos++]!;
    const bd = data[pos++]!;
    if (flg >>> 6 !== 1) throw bad(`frame version ${flg >>> 6} is not 1`);
    if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw bad("reserved descriptor bits are set");
    const blockMax = BLOCK_SIZES[(bd >>> 4) & 7];
    if (blockMax === undefined) throw bad(`block size id ${(bd >>> 4) & 7} is invalid`);
    const independent = (flg & 0x20) !== 0;
    const blockChecksum = (flg & 0x10) !== 0;
    const contentSize = (flg & 0x08) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    const dictId = (flg & 0x01) !== 0;
    if (contentSize) {
      if (pos + 8 > data.length) throw bad("truncated content size");
      const declared = view.getUint32(pos, true) + view.getUint32(pos + 4, true) * 2 ** 32;
      if (out.length + declared > maxBytes) out.reserve(declared); // throws RECORD_TOO_LARGE
      pos += 8;
    }
    if (dictId) throw bad("frames with a dictionary are not supported");
    pos += 1; // header checksum (not verified, see the module doc)
    if (pos > data.length) throw bad("truncated frame descriptor");
    const frameStart = out.length;
    for (;;) {
      if (pos + 4 > data.length) throw bad("truncated block size");
      const word = view.getUint32(pos, true);
      pos += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      if (size > blockMax) throw bad(`block size ${size} exceeds the frame's ${blockMax}`);
      if (pos + size > data.length) throw bad("block runs past the input");
      const before = out.length;
      if ((word & 0x80000000) !== 0) {
        out.reserve(size);
        out.buf.set(data.subarray(pos, pos + size), out.length);
        out.length += size;
      } else {
        decodeBlock(data, pos, pos + size, out, independent ? before : frameStart);
      }
      if (out.length - before > blockMax) throw bad(`a block decodes past ${blockMax} bytes`);
      pos += size + (blockChecksum ? 4 : 0);
    }
    if (contentChecksum) pos += 4;
    if (pos > data.length) throw bad("truncated frame end");
    frames++;
  }
  if (frames === 0) throw bad("no LZ4 frame");
  return out.buf.subarray(0, out.length);
}
