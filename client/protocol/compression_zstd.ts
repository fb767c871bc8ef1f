/**
 * Zstandard decompression that runs everywhere (browsers, Node, Bun, Deno):
 * the pure-JS decoder of npm `fzstd`, behind a frame walker of our own that
 * bounds memory before any byte is decoded.
 *
 * Format: RFC 8878 (https://www.rfc-editor.org/rfc/rfc8878). The walker
 * reads every frame header and block header (skippable frames included),
 * refuses dictionaries, reserved bits, truncation and trailing garbage, sums
 * the declared content sizes against `maxBytes` and caps the window the
 * decoder will allocate; the decoder then streams block by block and stops
 * at `maxBytes`. Checksums are not verified: the RecordBatch CRC-32C already
 * covers the compressed bytes.
 *
 * @module
 */
import { Decompress } from "fzstd";
import { WeirError } from "./errors.ts";

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const MAX_BLOCK = 128 * 1024;
/** zstd's own default limit (windowLog 27). */
const WINDOW_MAX = 128 * 1024 * 1024;
/** Windows up to this size are always allowed (what `zstd -19` uses), whatever `maxBytes` is. */
const WINDOW_FLOOR = 8 * 1024 * 1024;

function bad(reason: string): WeirError {
  return new WeirError("INVALID_RECORD", `Cannot decompress zstd records: ${reason}`);
}

function tooLarge(reason: string): WeirError {
  return new WeirError("RECORD_TOO_LARGE", `Cannot decompress zstd records: ${reason}`);
}

function u32(src: Uint8Array, pos: number): number {
  return (src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16) | (src[pos + 3]! << 24)) >>> 0;
}

function uint(src: Uint8Array, pos: number, bytes: number): number {
  let v = 0;
  for (let i = bytes - 1; i >= 0; i--) v = v * 256 + src[pos + i]!;
  return v;
}

/** A little-endian bit reader over `src[start, end)`; bits past `end` read as 0. */
class Bits {
  constructor(readonly src: Uint8Array, public pos: number, readonly end: number) {
    this.pos *= 8;
  }
  peek(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const at = this.pos + i;
      const byte = (at >> 3) < this.end ? this.src[at >> 3]! : 0;
      v |= ((byte >> (at & 7)) & 1) << i;
    }
    return v;
  }
  read(n: number): number {
    const v = this.peek(n);
    this.pos += n;
    return v;
  }
}

/**
 * Whether the FSE table description at `start` (RFC 8878 4.1.1) gives one
 * symbol the whole table. Such a table has no state bits, so a decoder
 * that stops only at the end of the bitstream never does (fzstd 0.1.1
 * loops forever on it in Huffman weights); zstd's encoder never writes one
 * there (it falls back to raw weights), so it is refused as corrupt.
 */
function oneSymbolTable(src: Uint8Array, start: number, end: number): boolean {
  const bits = new Bits(src, start, end);
  const accuracy = bits.read(4) + 5;
  const size = 1 << accuracy;
  let remaining = size + 1;
  let threshold = size;
  let width = accuracy + 1;
  let symbol = 0;
  while (remaining > 1 && symbol <= 255 && width > 0) {
    const max = 2 * threshold - 1 - remaining;
    let count = bits.peek(width - 1);
    if (count < max) {
      bits.pos += width - 1;
    } else {
      count = bits.read(width);
      if (count >= threshold) count -= max;
    }
    count--;
    if (count >= size) return true;
    remaining -= Math.abs(count);
    symbol++;
    if (count === 0) {
      for (let repeat = 3; repeat === 3 && symbol <= 255;) {
        repeat = bits.read(2);
        symbol += repeat;
      }
    }
    while (remaining < threshold && width > 0) {
      width--;
      threshold >>= 1;
    }
  }
  return false;
}

/** Checks the Huffman tree description of a compressed block's literals section, if any. */
function checkLiterals(src: Uint8Array, start: number, end: number): void {
  if (start >= end) throw bad("empty compressed block");
  const b0 = src[start]!;
  if ((b0 & 3) !== 2) return; // raw, RLE or treeless literals carry no tree
  const format = (b0 >> 2) & 3;
  const tree = start + (format < 2 ? 3 : format === 2 ? 4 : 5);
  if (tree >= end) throw bad("truncated literals section");
  const header = src[tree]!;
  if (header < 128 && oneSymbolTable(src, tree + 1, Math.min(end, tree + 1 + header))) {
    throw bad("Huffman weights use a one-symbol FSE table");
  }
}

/** What the walk found: the sum of declared content sizes and whether every frame declared one. */
interface FrameScan {
  declared: number;
  frames: number;
}

/** Walks frames and blocks of `src`, checking structure and limits; decodes nothing. */
function scanFrames(src: Uint8Array, maxBytes: number): FrameScan {
  const windowLimit = Math.min(WINDOW_MAX, Math.max(maxBytes, WINDOW_FLOOR));
  let pos = 0;
  let declared = 0;
  let frames = 0;
  if (src.length === 0) throw bad("no frame");
  while (pos < src.length) {
    if (pos + 4 > src.length) throw bad(`truncated magic number at byte ${pos}`);
    const magic = u32(src, pos);
    if (((magic & SKIPPABLE_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      if (pos + 8 > src.length) throw bad("truncated skippable frame");
      const size = u32(src, pos + 4);
      if (pos + 8 + size > src.length) throw bad("skippable frame runs past the data");
      pos += 8 + size;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw bad(`wrong magic number at byte ${pos}`);
    pos += 4;
    if (pos >= src.length) throw bad("truncated frame header");
    const descriptor = src[pos++]!;
    const fcsFlag = descriptor >>> 6;
    const singleSegment = (descriptor >>> 5) & 1;
    const checksum = (descriptor >>> 2) & 1;
    const dictFlag = descriptor & 3;
    if (descriptor & 8) throw bad("reserved bit of the frame header is set");
    if (dictFlag !== 0) throw bad("frames that need a dictionary are not supported");
    let window = 0;
    if (!singleSegment) {
      if (pos >= src.length) throw bad("truncated frame header");
      const wd = src[pos++]!;
      const base = 2 ** (10 + (wd >>> 3));
      window = base + (base / 8) * (wd & 7);
    }
    const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
    if (pos + fcsBytes > src.length) throw bad("truncated frame header");
    let contentSize = -1;
    if (fcsBytes > 0) {
      contentSize = uint(src, pos, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
      pos += fcsBytes;
      declared += contentSize;
      if (declared > maxBytes) throw tooLarge(`declared size exceeds ${maxBytes} bytes`);
    }
    if (singleSegment) window = contentSize;
    if (window > windowLimit) {
      throw tooLarge(`a window of ${window} bytes is over the limit of ${windowLimit}`);
    }
    const blockMax = Math.min(MAX_BLOCK, Math.max(window, 1));
    for (let last = 0; !last;) {
      if (pos + 3 > src.length) throw bad("truncated block header");
      const header = src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16);
      pos += 3;
      last = header & 1;
      const type = (header >>> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw bad("reserved block type");
      if (size > blockMax) throw bad(`block of ${size} bytes is over the maximum of ${blockMax}`);
      const body = pos;
      pos += type === 1 ? 1 : size;
      if (pos > src.length) throw bad("truncated block");
      if (type === 2) checkLiterals(src, body, pos);
    }
    if (checksum) {
      pos += 4;
      if (pos > src.length) throw bad("truncated content checksum");
    }
    frames++;
  }
  return { declared, frames };
}

/**
 * Decompresses Zstandard data (one or more frames, skippable frames
 * allowed), as Kafka clients write it (librdkafka, kafkajs, Java).
 *
 * @param data The compressed bytes.
 * @param options `maxBytes` bounds the output (default: no limit; the
 *   decoder's window is capped at 128 MiB either way).
 * @returns The decompressed bytes.
 * @throws {WeirError} `INVALID_RECORD` for malformed or truncated data or a
 *   dictionary frame; `RECORD_TOO_LARGE` past `maxBytes` or for a window over the limit.
 *
 * @example Round trip through the `zstd` program's output
 * ```ts
 * import { zstdDecompress } from "weir/client";
 * import { assertEquals } from "@std/assert";
 *
 * // `printf abc | zstd -c | base64`
 * const frame = Uint8Array.from(atob("KLUv/QRYGQAAYWJjmQl3rQ=="), (c) => c.charCodeAt(0));
 * assertEquals(new TextDecoder().decode(zstdDecompress(frame)), "abc");
 * ```
 */
export function zstdDecompress(data: Uint8Array, options: { maxBytes?: number } = {}): Uint8Array {
  const maxBytes = options.maxBytes ?? Infinity;
  const scan = scanFrames(data, maxBytes);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const decoder = new Decompress((chunk) => {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge(`output exceeds ${maxBytes} bytes`);
    if (chunk.length > 0) chunks.push(chunk);
  });
  try {
    decoder.push(data, true);
  } catch (e) {
    if (e instanceof WeirError) throw e;
    throw new WeirError(
      "INVALID_RECORD",
      `Cannot decompress zstd records: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  if (scan.frames === 0) return new Uint8Array(0);
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
