/**
 * Compression of a RecordBatch's records section. Web-standard only: gzip
 * uses `CompressionStream` / `DecompressionStream`; snappy (raw and xerial
 * framing) and LZ4 (frame format) are decoded by plain TypeScript
 * ({@linkcode snappyDecompress}, {@linkcode lz4Decompress}), so all run in
 * browsers. Zstandard needs a codec passed in ({@linkcode CompressionCodecs}):
 * the broker registers node:zlib's gzip and zstd (synchronous, bounded
 * output) from `actors/partition/log/compression_codecs.ts`. Compressing is
 * gzip only for now.
 *
 * @module
 */
import { lz4Decompress } from "./compression_lz4.ts";
import { snappyDecompress } from "./compression_snappy.ts";
import { WeirError } from "./errors.ts";

export { lz4Decompress } from "./compression_lz4.ts";
export { isXerialSnappy, snappyDecompress } from "./compression_snappy.ts";

/** Kafka's compression codec ids, as stored in bits 0-2 of a batch's attributes. */
export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

/** A compression codec name: `"none" | "gzip" | "snappy" | "lz4" | "zstd"`. */
export type CompressionType = keyof typeof Compression;

/**
 * A synchronous decompressor: returns the whole output, throws `WeirError`
 * `INVALID_RECORD` for bad data and `RECORD_TOO_LARGE` past `maxBytes`.
 */
export type Decompressor = (data: Uint8Array, options: { maxBytes: number }) => Uint8Array;

/** Decompressors by codec, e.g. the broker's node:zlib gzip and zstd. */
export type CompressionCodecs = Partial<Record<Exclude<CompressionType, "none">, Decompressor>>;

/** The synchronous decompressors that run everywhere (plain TypeScript): snappy and lz4. */
export const PORTABLE_CODECS: Readonly<CompressionCodecs> = Object.freeze({
  snappy: (data: Uint8Array, options: { maxBytes: number }) => snappyDecompress(data, options),
  lz4: (data: Uint8Array, options: { maxBytes: number }) => lz4Decompress(data, options),
});

/** Options of {@linkcode decompress}. */
export interface DecompressOptions {
  /** Fail with `RECORD_TOO_LARGE` once the output would exceed this many bytes (default: no limit). */
  maxBytes?: number;
  /** Decompressors to use before the built-in ones (e.g. zstd on the broker). */
  codecs?: Readonly<CompressionCodecs>;
}

/**
 * Decompresses synchronously with `options.codecs`, falling back to
 * {@linkcode PORTABLE_CODECS}. `"none"` returns `data` itself.
 *
 * @param data The compressed bytes.
 * @param type The codec.
 * @param options `maxBytes` bounds the output; `codecs` adds decompressors.
 * @returns The decompressed bytes.
 * @throws {WeirError} `UNSUPPORTED_COMPRESSION_TYPE` when no synchronous codec is known for `type`;
 *   `INVALID_RECORD` for bad data; `RECORD_TOO_LARGE` past `maxBytes`.
 *
 * @example Snappy everywhere
 * ```ts
 * import { decompressSync } from "weir/client";
 * import { assertEquals } from "@std/assert";
 *
 * const packed = new Uint8Array([3, 8, 97, 98, 99]); // raw snappy "abc"
 * assertEquals(new TextDecoder().decode(decompressSync(packed, "snappy")), "abc");
 * ```
 */
export function decompressSync(
  data: Uint8Array,
  type: CompressionType,
  options: DecompressOptions = {},
): Uint8Array {
  if (type === "none") return data;
  const codec = options.codecs?.[type] ?? PORTABLE_CODECS[type];
  if (codec === undefined) throw unsupported("decompress records", type);
  return codec(data, { maxBytes: options.maxBytes ?? Infinity });
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
 * @param options `maxBytes` bounds the output; `codecs` adds decompressors.
 * @returns The decompressed bytes.
 * @throws {WeirError} `UNSUPPORTED_COMPRESSION_TYPE` for zstd without a codec in `options.codecs`;
 *   `INVALID_RECORD` when the data is not valid for the codec;
 *   `RECORD_TOO_LARGE` past `maxBytes`.
 */
export async function decompress(
  data: Uint8Array,
  type: CompressionType,
  options: DecompressOptions = {},
): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? Infinity;
  const codec = type === "none" ? undefined : options.codecs?.[type];
  if (codec !== undefined) return codec(data, { maxBytes });
  switch (type) {
    case "none":
      return data;
    case "snappy":
    case "lz4":
      return decompressSync(data, type, { maxBytes });
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
