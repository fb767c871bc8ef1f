import { assertEquals, assertThrows } from "@std/assert";
import { isXerialSnappy, snappyDecompress } from "./compression_snappy.ts";
import { WeirError } from "./errors.ts";
import {
  fromBase64,
  goldenPlain,
  SNAPPY_RAW_20,
  SNAPPY_XERIAL_20,
} from "./_test_compression_vectors.ts";

function codeOf(fn: () => unknown): string {
  const e = assertThrows(fn, WeirError);
  return e.code;
}

Deno.test("snappyDecompress() decodes raw snappy made by Google's format (npm snappy)", () => {
  const raw = fromBase64(SNAPPY_RAW_20);
  assertEquals(isXerialSnappy(raw), false);
  assertEquals(snappyDecompress(raw), goldenPlain(20));
});

Deno.test("snappyDecompress() decodes the xerial framing of Java clients", () => {
  const framed = fromBase64(SNAPPY_XERIAL_20);
  assertEquals(isXerialSnappy(framed), true);
  assertEquals(snappyDecompress(framed), goldenPlain(20));
});

Deno.test("snappyDecompress() refuses a declared length over maxBytes before allocating", () => {
  // Preamble says 4 GiB - 1; nothing else follows.
  const bomb = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]);
  assertEquals(codeOf(() => snappyDecompress(bomb, { maxBytes: 1 << 20 })), "RECORD_TOO_LARGE");
  const framed = fromBase64(SNAPPY_XERIAL_20);
  assertEquals(codeOf(() => snappyDecompress(framed, { maxBytes: 1000 })), "RECORD_TOO_LARGE");
});

Deno.test("snappyDecompress() rejects truncated input and bad copies with INVALID_RECORD", () => {
  const raw = fromBase64(SNAPPY_RAW_20);
  for (const cut of [0, 1, 2, 10, raw.length - 1]) {
    assertEquals(codeOf(() => snappyDecompress(raw.subarray(0, cut))), "INVALID_RECORD");
  }
  // Copy (type 1) with offset 5 before any output.
  assertEquals(codeOf(() => snappyDecompress(new Uint8Array([4, 0x01, 5]))), "INVALID_RECORD");
  // Preamble longer than 5 bytes.
  assertEquals(codeOf(() => snappyDecompress(new Uint8Array(8).fill(0x80))), "INVALID_RECORD");
  // Xerial chunk length pointing past the end.
  const framed = fromBase64(SNAPPY_XERIAL_20).slice();
  new DataView(framed.buffer).setInt32(16, 1 << 30);
  assertEquals(codeOf(() => snappyDecompress(framed)), "INVALID_RECORD");
});

Deno.test("snappyDecompress() throws only WeirError on seeded random mutations", () => {
  const raw = fromBase64(SNAPPY_RAW_20);
  let seed = 42;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 2000; i++) {
    const m = raw.slice();
    for (let k = next() % 4; k >= 0; k--) m[next() % m.length] = next() & 0xff;
    try {
      snappyDecompress(m, { maxBytes: 1 << 20 });
    } catch (e) {
      if (!(e instanceof WeirError)) throw new Error(`mutation ${i}: ${e}`);
    }
  }
});
