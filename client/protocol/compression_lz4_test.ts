import { assertEquals, assertThrows } from "@std/assert";
import { lz4Decompress } from "./compression_lz4.ts";
import { WeirError } from "./errors.ts";
import { goldenPlain, runCompressor } from "./_test_compression_vectors.ts";

function codeOf(fn: () => unknown): string {
  return assertThrows(fn, WeirError).code;
}

// Vectors come from the reference `lz4` program (Debian package lz4).
Deno.test("lz4Decompress() decodes frames made by the lz4 program, in every block mode", async () => {
  const small = goldenPlain(300);
  const big = goldenPlain(4000); // ~370 KB: several 64 KiB blocks
  const cases: [string, string[], Uint8Array][] = [
    ["independent 64 KiB blocks", ["-B4", "-BI"], big],
    ["linked blocks with content size", ["-B4", "-BD", "--content-size"], big],
    ["block checksums", ["-B4", "-BX"], small],
    ["no content checksum, 256 KiB blocks", ["-B5", "--no-frame-crc"], big],
    ["4 MiB blocks", ["-B7"], small],
  ];
  for (const [name, args, plain] of cases) {
    const packed = await runCompressor("lz4", ["-q", "-c", ...args], plain);
    assertEquals(lz4Decompress(packed), plain, name);
  }
});

Deno.test("lz4Decompress() decodes concatenated and skippable frames", async () => {
  const a = goldenPlain(30);
  const b = goldenPlain(40);
  const fa = await runCompressor("lz4", ["-q", "-c"], a);
  const fb = await runCompressor("lz4", ["-q", "-c"], b);
  const skippable = new Uint8Array([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
  const joined = new Uint8Array([...fa, ...skippable, ...fb]);
  assertEquals(lz4Decompress(joined), new Uint8Array([...a, ...b]));
});

Deno.test("lz4Decompress() stops a decompression bomb at maxBytes", async () => {
  const zeros = new Uint8Array(8 << 20);
  const packed = await runCompressor("lz4", ["-q", "-c"], zeros);
  assertEquals(packed.length < 64 * 1024, true);
  assertEquals(codeOf(() => lz4Decompress(packed, { maxBytes: 1 << 20 })), "RECORD_TOO_LARGE");
  // A declared content size over the limit fails before decoding.
  const sized = await runCompressor("lz4", ["-q", "-c", "--content-size"], zeros);
  assertEquals(codeOf(() => lz4Decompress(sized, { maxBytes: 1 << 20 })), "RECORD_TOO_LARGE");
});

Deno.test("lz4Decompress() rejects truncated and malformed frames with INVALID_RECORD", async () => {
  const packed = await runCompressor("lz4", ["-q", "-c"], goldenPlain(50));
  for (const cut of [0, 3, 5, 7, 12, packed.length - 5]) {
    assertEquals(
      codeOf(() => lz4Decompress(packed.subarray(0, cut))),
      "INVALID_RECORD",
      `cut ${cut}`,
    );
  }
  const wrongMagic = packed.slice();
  wrongMagic[0] = 0;
  assertEquals(codeOf(() => lz4Decompress(wrongMagic)), "INVALID_RECORD");
  const hugeBlock = packed.slice();
  new DataView(hugeBlock.buffer).setUint32(7, 0x7fffffff, true);
  assertEquals(codeOf(() => lz4Decompress(hugeBlock)), "INVALID_RECORD");
});

Deno.test("lz4Decompress() throws only WeirError on seeded random mutations", async () => {
  const packed = await runCompressor("lz4", ["-q", "-c"], goldenPlain(60));
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 2000; i++) {
    const m = packed.slice();
    for (let k = next() % 4; k >= 0; k--) m[next() % m.length] = next() & 0xff;
    try {
      lz4Decompress(m, { maxBytes: 1 << 20 });
    } catch (e) {
      if (!(e instanceof WeirError)) throw new Error(`mutation ${i}: ${e}`);
    }
  }
});
