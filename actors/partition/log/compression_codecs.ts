/**
 * The broker's decompressors: node:zlib's gzip and zstd (synchronous, with
 * a bounded output so a decompression bomb stops at `maxBytes`), plus the
 * portable snappy and lz4 decoders of `client/protocol`. The broker passes
 * {@linkcode SERVER_CODECS} wherever it must look inside a compressed batch
 * (append validation, compaction, the JSON views over HTTP).
 *
 * node:zlib is loaded lazily inside Workers: its import starts Deno's Node
 * compatibility layer, ≈ 2–4 MB in every partition Worker that never sees a
 * compressed batch. On the main thread this module loads it at import (top
 * level await), so nothing changes there. In a Worker, call
 * {@linkcode loadServerCodecs} before handing a gzip or zstd batch to
 * {@linkcode SERVER_CODECS} ({@linkcode needsServerCodecs} tells when); until
 * then their gzip and zstd decompressors throw `UNKNOWN_SERVER_ERROR`.
 *
 * @module
 */
import {
  type CompressionCodecs,
  type Decompressor,
  iterateBatches,
  PORTABLE_CODECS,
  WeirError,
} from "../../../client/protocol/codec.ts";

type Zlib = typeof import("node:zlib");

let zlib: Zlib | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads node:zlib for the gzip and zstd decompressors; idempotent, cheap once
 * loaded.
 *
 * @returns Resolves when {@linkcode SERVER_CODECS} can decode gzip and zstd.
 */
export function loadServerCodecs(): Promise<void> {
  loading ??= import("node:zlib").then((m) => {
    zlib = m;
  }, (e) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

/** True once {@linkcode loadServerCodecs} finished (always on the main thread). */
export function serverCodecsLoaded(): boolean {
  return zlib !== undefined;
}

/**
 * Whether decoding `batches` (RecordBatch v2 bytes, one or more) needs node:zlib
 * that is not loaded yet: a batch compressed with gzip (1) or zstd (4).
 * Malformed bytes answer false (validation reports them).
 *
 * @param batches Batches as they arrive in an append.
 * @returns True when {@linkcode loadServerCodecs} must run first.
 */
export function needsServerCodecs(batches: Uint8Array): boolean {
  if (zlib !== undefined) return false;
  try {
    for (const { header } of iterateBatches(batches)) {
      const codec = header.attributes & 0x07;
      if (codec === 1 || codec === 4) return true;
    }
  } catch {
    return false;
  }
  return false;
}

function notLoaded(name: string): WeirError {
  return new WeirError(
    "UNKNOWN_SERVER_ERROR",
    `Cannot decompress ${name} records: node:zlib is not loaded in this Worker yet (loadServerCodecs())`,
  );
}

function fromZlib(name: string, run: (data: Uint8Array, maxOutputLength: number) => Uint8Array) {
  const decompressor: Decompressor = (data, { maxBytes }) => {
    // node:zlib wants a finite limit below its own buffer ceiling.
    const limit = Number.isFinite(maxBytes) ? Math.max(1, maxBytes) : 2 ** 31 - 1;
    let out: Uint8Array;
    try {
      out = run(data, limit);
    } catch (e) {
      if (e instanceof WeirError) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      if (e instanceof RangeError || /larger than/i.test(reason)) {
        throw new WeirError(
          "RECORD_TOO_LARGE",
          `Cannot decompress ${name} records: output exceeds ${maxBytes} bytes`,
          { cause: e },
        );
      }
      throw new WeirError("INVALID_RECORD", `Cannot decompress ${name} records: ${reason}`, {
        cause: e,
      });
    }
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  };
  return decompressor;
}

/** Every codec Kafka clients use, for the broker (Deno, also inside Workers). */
export const SERVER_CODECS: Readonly<CompressionCodecs> = Object.freeze({
  ...PORTABLE_CODECS,
  gzip: fromZlib("gzip", (data, max) => {
    if (zlib === undefined) throw notLoaded("gzip");
    return zlib.gunzipSync(data, { maxOutputLength: max });
  }),
  zstd: fromZlib("zstd", (data, max) => {
    if (zlib === undefined) throw notLoaded("zstd");
    return zlib.zstdDecompressSync(data, { maxOutputLength: max });
  }),
});

// The main thread (broker edge, tests, tools) keeps eager loading.
declare const WorkerGlobalScope: (abstract new () => unknown) | undefined;
if (typeof WorkerGlobalScope === "undefined" || !(globalThis instanceof WorkerGlobalScope)) {
  await loadServerCodecs();
}
