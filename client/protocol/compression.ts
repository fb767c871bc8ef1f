/**
 * Compression of a RecordBatch's records section. Web-standard only, so
 * everything runs in browsers: gzip uses `CompressionStream` /
 * `DecompressionStream`; snappy (raw and xerial framing) and LZ4 (frame
 * format) are decoded and encoded by plain TypeScript
 * ({@linkcode snappyDecompress}, {@linkcode lz4Decompress},
 * {@linkcode snappyCompress}, {@linkcode lz4Compress}); Zstandard is decoded
 * by the pure-JS npm `fzstd` (`compression_zstd.ts`), loaded on first use
 * ({@linkcode loadZstd}) so that code which never meets zstd — the partition
 * Workers, which use node:zlib — never loads it. Codecs passed in
 * ({@linkcode CompressionCodecs}) go first: the broker registers node:zlib's
 * gzip and zstd from `actors/partition/log/compression_codecs.ts`.
 * Compressing covers gzip, snappy and lz4; zstd has no maintained pure-JS
 * compressor, so {@linkcode compress} refuses it.
 *
 * @module
 */
import { lz4Decompress } from "./compression_lz4.ts";
import { lz4Compress } from "./compression_lz4_encode.ts";
import { snappyDecompress } from "./compression_snappy.ts";
import { snappyCompress } from "./compression_snappy_encode.ts";
import { WeirError } from "./errors.ts";

export { lz4Decompress } from "./compression_lz4.ts";
export { isXerialSnappy, snappyDecompress } from "./compression_snappy.ts";
export { lz4Compress, xxhash32 } from "./compression_lz4_encode.ts";
export { snappyCompress } from "./compression_snappy_encode.ts";

/** The codecs {@linkcode compress} implements (what a producer may use). */
export const COMPRESSION_TYPES_WRITABLE: readonly CompressionType[] = Object.freeze([
  "none",
  "gzip",
  "snappy",
  "lz4",
]);

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

/** The synchronous decompressors that run everywhere (plain JS) with no loading: snappy and lz4. */
export const PORTABLE_CODECS: Readonly<CompressionCodecs> = Object.freeze({
  snappy: (data: Uint8Array, options: { maxBytes: number }) => snappyDecompress(data, options),
  lz4: (data: Uint8Array, options: { maxBytes: number }) => lz4Decompress(data, options),
});

let zstdCodec: Decompressor | undefined;

/**
 * Loads the portable zstd decoder (npm `fzstd` behind Weir's frame and size
 * checks) once; afterwards {@linkcode decompressSync} handles zstd too.
 * {@linkcode decompress} calls it by itself.
 *
 * @returns The zstd decompressor.
 *
 * @example Decode zstd synchronously after loading
 * ```ts
 * import { decompressSync, loadZstd } from "weir/client";
 * import { assertEquals } from "@std/assert";
 *
 * await loadZstd();
 * // a zstd frame of "abc" (single raw block, content size 3)
 * const frame = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x03, 0x19, 0x00, 0x00, 97, 98, 99]);
 * assertEquals(new TextDecoder().decode(decompressSync(frame, "zstd")), "abc");
 * ```
 */
export async function loadZstd(): Promise<Decompressor> {
  if (zstdCodec === undefined) {
    const { zstdDecompress } = await import("./compression_zstd.ts");
    zstdCodec = (data, options) => zstdDecompress(data, options);
  }
  return zstdCodec;
}

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
  const codec = options.codecs?.[type] ?? PORTABLE_CODECS[type] ??
    (type === "zstd" ? zstdCodec : undefined);
  if (codec === undefined) {
    if (type === "zstd") {
      throw new WeirError(
        "UNSUPPORTED_COMPRESSION_TYPE",
        "Cannot decompress records: the zstd decoder is not loaded (call loadZstd() or use decompress())",
      );
    }
    throw unsupported("decompress records", type);
  }
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
 * @throws {WeirError} `UNSUPPORTED_COMPRESSION_TYPE` for zstd (no pure-JS compressor).
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
    case "snappy":
      return snappyCompress(data);
    case "lz4":
      return lz4Compress(data);
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
 * @throws {WeirError} `UNSUPPORTED_COMPRESSION_TYPE` for an unknown codec;
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
    case "zstd":
      return (await loadZstd())(data, { maxBytes });
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
