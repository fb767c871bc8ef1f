import { assertEquals, assertThrows } from "@std/assert";
import { decompress } from "./compression.ts";
import { zstdDecompress } from "./compression_zstd.ts";
import { WeirError } from "./errors.ts";
import { decodeRecordsAsync, decodeRecordsSync } from "./record_batch.ts";
import {
  compressedBatch,
  goldenBatch,
  goldenPlain,
  goldenRecords,
  runCompressor,
} from "./_test_compression_vectors.ts";

function codeOf(fn: () => unknown): string {
  return assertThrows(fn, WeirError).code;
}

// Vectors come from the reference `zstd` program (Debian package zstd).
Deno.test("zstdDecompress() decodes frames made by the zstd program at several levels", async () => {
  const small = goldenPlain(300);
  const big = goldenPlain(4000); // ~370 KB: many 128 KiB blocks
  const cases: [string, string[], Uint8Array][] = [
    ["level 1, streamed (no content size)", ["-1"], big],
    ["level 3 with a checksum", ["-3", "--check"], small],
    ["level 19 without a checksum", ["-19", "--no-check"], big],
    ["declared content size", ["-3", `--stream-size=${big.length}`], big],
    ["long-distance matching", ["-3", "--long=23"], big],
    ["tiny input", ["-3"], new Uint8Array([42])],
    ["empty input", ["-3"], new Uint8Array(0)],
  ];
  for (const [name, args, plain] of cases) {
    const packed = await runCompressor("zstd", ["-q", "-c", ...args], plain);
    assertEquals(zstdDecompress(packed), plain, name);
    assertEquals(await decompress(packed, "zstd"), plain, name);
  }
});

Deno.test("zstdDecompress() decodes concatenated and skippable frames", async () => {
  const a = goldenPlain(30);
  const b = goldenPlain(40);
  const fa = await runCompressor("zstd", ["-q", "-c"], a);
  const fb = await runCompressor("zstd", ["-q", "-c"], b);
  const skippable = new Uint8Array([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
  const joined = new Uint8Array([...fa, ...skippable, ...fb]);
  assertEquals(zstdDecompress(joined), new Uint8Array([...a, ...b]));
});

Deno.test("decodeRecordsAsync() reads a zstd batch without codecs, and decodeRecordsSync() once it is loaded", async () => {
  const plainBatch = goldenBatch(50);
  const packed = await runCompressor("zstd", ["-q", "-c"], goldenPlain(50));
  const batch = compressedBatch(plainBatch, "zstd", packed);
  const expected = goldenRecords(50).map((r) => r.value);
  assertEquals((await decodeRecordsAsync(batch)).map((r) => r.value), expected);
  assertEquals(decodeRecordsSync(batch).map((r) => r.value), expected);
});

Deno.test("zstdDecompress() stops a decompression bomb at maxBytes", async () => {
  const zeros = new Uint8Array(8 << 20);
  const streamed = await runCompressor("zstd", ["-q", "-c"], zeros);
  assertEquals(streamed.length < 64 * 1024, true);
  assertEquals(codeOf(() => zstdDecompress(streamed, { maxBytes: 1 << 20 })), "RECORD_TOO_LARGE");
  assertEquals(zstdDecompress(streamed, { maxBytes: 8 << 20 }).length, 8 << 20);
  // A declared content size over the limit fails before decoding.
  const sized = await runCompressor("zstd", ["-q", "-c", `--stream-size=${8 << 20}`], zeros);
  assertEquals(codeOf(() => zstdDecompress(sized, { maxBytes: 1 << 20 })), "RECORD_TOO_LARGE");
});

Deno.test("zstdDecompress() refuses a huge window before allocating it", () => {
  // Magic, descriptor (no single segment, no content size), window descriptor 2^41, one empty
  // last raw block.
  const frame = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0x01, 0x00, 0x00]);
  const e = assertThrows(() => zstdDecompress(frame), WeirError, "window");
  assertEquals(e.code, "RECORD_TOO_LARGE");
  // The same frame with a 1 KiB window decodes to nothing.
  frame[5] = 0;
  assertEquals(zstdDecompress(frame), new Uint8Array(0));
});

Deno.test("zstdDecompress() rejects truncated, malformed and dictionary frames", async () => {
  const packed = await runCompressor("zstd", ["-q", "-c", "--check"], goldenPlain(200));
  for (const cut of [0, 3, 5, 7, 12, packed.length - 2]) {
    assertEquals(
      codeOf(() => zstdDecompress(packed.subarray(0, cut))),
      "INVALID_RECORD",
      `cut ${cut}`,
    );
  }
  const wrongMagic = packed.slice();
  wrongMagic[0] = 0;
  assertEquals(codeOf(() => zstdDecompress(wrongMagic)), "INVALID_RECORD");
  const trailing = new Uint8Array([...packed, 1, 2, 3, 4, 5]);
  assertEquals(codeOf(() => zstdDecompress(trailing)), "INVALID_RECORD");
  const dictionary = packed.slice();
  dictionary[4] = dictionary[4]! | 1; // Dictionary_ID_flag = 1
  const e = assertThrows(() => zstdDecompress(dictionary), WeirError, "dictionary");
  assertEquals(e.code, "INVALID_RECORD");
});

Deno.test("zstdDecompress() throws only WeirError on seeded random mutations", async () => {
  const packed = await runCompressor("zstd", ["-q", "-c", "-19"], goldenPlain(60));
  // Seed 11 at mutation 15 once hung fzstd (a one-symbol FSE table for Huffman weights).
  let seed = 11;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  let failures = 0;
  for (let i = 0; i < 300; i++) {
    const m = packed.slice();
    for (let k = next() % 4; k >= 0; k--) m[next() % m.length] = next() & 0xff;
    try {
      zstdDecompress(m, { maxBytes: 1 << 16 });
    } catch (e) {
      if (!(e instanceof WeirError)) throw new Error(`mutation ${i}: ${e}`);
      failures++;
    }
  }
  assertEquals(failures > 0, true);
});
