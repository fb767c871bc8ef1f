import { assertEquals } from "@std/assert";
import { lz4Compress, xxhash32 } from "./compression_lz4_encode.ts";
import { lz4Decompress } from "./compression_lz4.ts";
import { goldenPlain, runCompressor } from "./_test_compression_vectors.ts";

const enc = new TextEncoder();

function seeded(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  return out;
}

Deno.test("xxhash32() matches the reference values", () => {
  assertEquals(xxhash32(new Uint8Array(0)), 0x02cc5d05);
  assertEquals(xxhash32(enc.encode("a")), 0x550d7456);
  assertEquals(xxhash32(enc.encode("abc")), 0x32d153ff);
  assertEquals(xxhash32(enc.encode("Nobody inspects the spammish repetition")), 0xe2293b2f);
});

Deno.test("xxhash32() matches the content checksum the lz4 program writes", async () => {
  for (const plain of [goldenPlain(3), goldenPlain(500), seeded(1000, 1)]) {
    // Content checksum on, no block checksums, no content size: the last 4 bytes are xxHash32.
    const frame = await runCompressor("lz4", ["-q", "-c", "--frame-crc", "-BI"], plain);
    const tail = new DataView(frame.buffer, frame.byteOffset + frame.length - 4, 4);
    assertEquals(xxhash32(plain), tail.getUint32(0, true));
  }
});

const CASES: [string, Uint8Array][] = [
  ["empty", new Uint8Array(0)],
  ["one byte", new Uint8Array([7])],
  ["12 bytes (below the match limit)", enc.encode("abcabcabcabc")],
  ["13 bytes", enc.encode("aaaaaaaaaaaaa")],
  ["random 100 KB (stored blocks)", seeded(100_000, 2)],
  ["1 MiB of zeros (long matches)", new Uint8Array(1 << 20)],
  ["records section (several blocks)", goldenPlain(4000)],
  ["exactly one block", goldenPlain(4000).subarray(0, 65536)],
];

Deno.test("lz4Compress() round-trips through lz4Decompress()", () => {
  for (const [name, plain] of CASES) {
    assertEquals(lz4Decompress(lz4Compress(plain)), plain, name);
  }
});

Deno.test("lz4Compress() shrinks records about as well as the lz4 program", async () => {
  const big = goldenPlain(4000);
  const reference = await runCompressor("lz4", ["-q", "-c", "-1", "-BI", "-B4"], big);
  const ours = lz4Compress(big);
  assertEquals(ours.length < big.length / 2, true);
  assertEquals(
    ours.length <= reference.length * 1.1,
    true,
    `${ours.length} vs ${reference.length}`,
  );
});

Deno.test("lz4Compress() frames decode with the lz4 program (header checksum checked)", async () => {
  for (const [name, plain] of CASES) {
    const out = await runCompressor("lz4", ["-q", "-d", "-c"], lz4Compress(plain));
    assertEquals(out, plain, name);
  }
});

Deno.test("lz4Compress() output with a wrong header checksum is refused by the lz4 program", async () => {
  const frame = lz4Compress(goldenPlain(10));
  frame[6] = frame[6]! ^ 0xff;
  let failed = false;
  try {
    await runCompressor("lz4", ["-q", "-d", "-c"], frame);
  } catch {
    failed = true;
  }
  assertEquals(failed, true);
});
