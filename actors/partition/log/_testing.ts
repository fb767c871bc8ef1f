/**
 * Test helpers of the log folder (private): batches, seeded randomness, a
 * counting file system and temp directories.
 *
 * @module
 */
import { encodeRecordBatch } from "../../../client/protocol/mod.ts";
import { denoFileSystem, type LogFile, type LogFileSystem } from "./log_fs.ts";

const encoder = new TextEncoder();

/** One batch of `count` records with values `v<i>` and keys `k<i % keys>` (null keys when keys = 0). */
export function batchOf(
  count: number,
  options: {
    now?: number;
    keys?: number;
    valueSize?: number;
    tombstones?: boolean;
    first?: number;
  } = {},
): Uint8Array {
  const records = [];
  for (let i = 0; i < count; i++) {
    const n = (options.first ?? 0) + i;
    const key = options.keys ? encoder.encode(`k${n % options.keys}`) : null;
    const value = options.tombstones
      ? null
      : options.valueSize
      ? new Uint8Array(options.valueSize).fill(n & 0xff)
      : encoder.encode(`v${n}`);
    records.push({ key, value });
  }
  return encodeRecordBatch(records, { now: options.now ?? 1000 });
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A seeded PRNG (mulberry32) returning [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A file system that counts fsyncs and can fail writes on demand. */
export interface CountingFs extends LogFileSystem {
  /** fsyncs of files (sync + syncAsync). */
  syncs: number;
  /** Throw from the next writes when set. */
  failWrites: Error | null;
}

/** Wraps the real file system with counters and write faults. */
export function countingFs(): CountingFs {
  const fs: CountingFs = {
    ...denoFileSystem,
    syncs: 0,
    failWrites: null,
    open(path, options) {
      const file = denoFileSystem.open(path, options);
      const wrapped: LogFile = {
        size: () => file.size(),
        readAt: (buf, pos) => file.readAt(buf, pos),
        writeAt: (data, pos) => {
          if (fs.failWrites) {
            file.writeAt(data.subarray(0, data.length >> 1), pos); // a partial write, then the error
            throw fs.failWrites;
          }
          file.writeAt(data, pos);
        },
        truncate: (n) => file.truncate(n),
        sync: () => {
          fs.syncs++;
          file.sync();
        },
        syncAsync: () => {
          fs.syncs++;
          return file.syncAsync();
        },
        close: () => file.close(),
      };
      return wrapped;
    },
  };
  return fs;
}

/** A temp dir removed on dispose. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "weir-log-" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** A settable clock. */
export function fakeClock(start = 1_000_000): { now(): number; t: number } {
  const clock = {
    t: start,
    now(): number {
      return clock.t;
    },
  };
  return clock;
}
