import { assertEquals } from "@std/assert";
import { snappyCompress } from "./compression_snappy_encode.ts";
import { snappyDecompress } from "./compression_snappy.ts";
import { fromBase64, goldenPlain, SNAPPY_RAW_20 } from "./_test_compression_vectors.ts";

function seeded(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  return out;
}

Deno.test("snappyCompress() round-trips through snappyDecompress() at edge sizes", () => {
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["one byte", new Uint8Array([7])],
    ["four bytes", new Uint8Array([1, 2, 3, 4])],
    ["60-byte literal (1-byte length)", seeded(61, 1)],
    ["300-byte literal (2-byte length)", seeded(300, 2)],
    ["70,000 random bytes (3-byte literal length)", seeded(70_000, 3)],
    ["1 MiB of zeros (long copies)", new Uint8Array(1 << 20)],
    ["records section", goldenPlain(2000)],
    [
      "matches beyond 64 KiB",
      new Uint8Array([...seeded(40_000, 4), ...seeded(80_000, 5), ...seeded(40_000, 4)]),
    ],
  ];
  for (const [name, plain] of cases) {
    const packed = snappyCompress(plain);
    assertEquals(snappyDecompress(packed), plain, name);
  }
});

Deno.test("snappyCompress() shrinks records about as well as Google's snappy", () => {
  const plain = goldenPlain(20);
  const ours = snappyCompress(plain);
  const google = fromBase64(SNAPPY_RAW_20);
  // Within 25% of the reference size (a greedy single-candidate matcher).
  assertEquals(ours.length <= google.length * 1.25, true, `${ours.length} vs ${google.length}`);
  const big = goldenPlain(4000);
  assertEquals(snappyCompress(big).length < big.length / 3, true);
});

Deno.test("snappyCompress() grows incompressible data by at most the format's bound", () => {
  const plain = seeded(200_000, 9);
  const packed = snappyCompress(plain);
  assertEquals(packed.length <= 32 + plain.length + plain.length / 6, true);
  assertEquals(packed.length < plain.length + 64, true);
});
