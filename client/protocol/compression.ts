/**
 * Compression of a RecordBatch's records section. Web-standard only: gzip
 * uses `CompressionStream` / `DecompressionStream`, so it runs in browsers.
 * Snappy, LZ4 and Zstandard keep their attribute values (2, 3, 4) but throw
 * `UNSUPPORTED_COMPRESSION_TYPE` until codecs are added.
 *
 * @module
 */
import { WeirError } from "./errors.ts";

/** Kafka's compression codec ids, as stored in bits 0-2 of a batch's attributes. */
export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

/** A compression codec name: `"none" | "gzip" | "snappy" | "lz4" | "zstd"`. */
export type CompressionType = keyof typeof Compression;

/** Options of {@linkcode decompress}. */
export interface DecompressOptions {
  /** Fail with `RECORD_TOO_LARGE` once the output would exceed this many bytes (default: no limit). */
  maxBytes?: number;
}

function unsupported(what: string, type: string): WeirError {
  return new WeirError(
    "UNSUPPORTED_COMPRESSION_TYPE",
    `Cannot ${what}: compression "${type}" is not supported yet`,
  );
}

async function collect(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw new WeirError(
          "RECORD_TOO_LARGE",
          `Cannot decompress records: output exceeds ${maxBytes} bytes`,
        );
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

async function pipe(
  data: Uint8Array,
  transform: { writable: WritableStream<BufferSource>; readable: ReadableStream<Uint8Array> },
  maxBytes: number,
): Promise<Uint8Array> {
  const writer = transform.writable.getWriter();
  const written = (async () => {
    // Web streams take ArrayBuffer-backed views; a SharedArrayBuffer view would be copied first.
    await writer.write(
      data.buffer instanceof ArrayBuffer ? data as Uint8Array<ArrayBuffer> : data.slice(),
    );
    await writer.close();
  })();
  // The reader's error explains a failed write (e.g. cancelled at maxBytes), so it wins;
  // the write's own rejection is observed here so it is never unhandled.
  written.catch(() => {});
  const out = await collect(transform.readable, maxBytes);
  await written;
  return out;
}

/**
 * Compresses bytes with `type`. `"none"` returns `data` itself.
 *
 * @param data The bytes to compress.
 * @param type The codec.
 * @returns The compressed bytes.
 * @throws {WeirError} `UNSUPPORTED_COMPRESSION_TYPE` for snappy, lz4, zstd.
 *
 * @example Gzip round trip
 * ```ts
 * import { compress, decompress } from "weir/client";
 * import { assertEquals } from "@std/assert";
 *
 * const data = new TextEncoder().encode("hello hello hello");
 * const packed = await compress(data, "gzip");
 * assertEquals(await decompress(packed, "gzip"), data);
 * ```
 */
export async function compress(data: Uint8Array, type: CompressionType): Promise<Uint8Array> {
  switch (type) {
    case "none":
      return data;
    case "gzip":
      return await pipe(data, new CompressionStream("gzip"), Infinity);
    default:
      throw unsupported("compress records", type);
  }
}

/**
 * Decompresses bytes compressed with `type`. `"none"` returns `data` itself.
 *
 * @param data The compressed bytes.
 * @param type The codec.
 * @param options `maxBytes` bounds the output.
 * @returns The decompressed bytes.
 * @throws {WeirError} `UNSUPPORTED_COMPRESSION_TYPE` for snappy, lz4, zstd;
 *   `INVALID_RECORD` when the data is not valid for the codec;
 *   `RECORD_TOO_LARGE` past `maxBytes`.
 */
export async function decompress(
  data: Uint8Array,
  type: CompressionType,
  options: DecompressOptions = {},
): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? Infinity;
  switch (type) {
    case "none":
      return data;
    case "gzip":
      try {
        return await pipe(data, new DecompressionStream("gzip"), maxBytes);
      } catch (e) {
        if (e instanceof WeirError) throw e;
        throw new WeirError(
          "INVALID_RECORD",
          `Cannot decompress records: invalid gzip data (${e instanceof Error ? e.message : e})`,
          { cause: e },
        );
      }
    default:
      throw unsupported("decompress records", type);
  }
}
