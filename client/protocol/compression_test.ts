import { assertEquals, assertRejects } from "@std/assert";
import { compress, decompress, decompressSync } from "./compression.ts";
import { WeirError } from "./errors.ts";

Deno.test("compress() and decompress() round-trip gzip, including empty input", async () => {
  const data = new TextEncoder().encode("weir ".repeat(10_000));
  const packed = await compress(data, "gzip");
  assertEquals([packed[0], packed[1]], [0x1f, 0x8b]); // gzip magic
  assertEquals(packed.length < data.length / 20, true);
  assertEquals(await decompress(packed, "gzip"), data);
  const empty = await compress(new Uint8Array(0), "gzip");
  assertEquals(await decompress(empty, "gzip"), new Uint8Array(0));
});

Deno.test("compress() with none returns the input itself", async () => {
  const data = new Uint8Array([1, 2, 3]);
  assertEquals(await compress(data, "none") === data, true);
  assertEquals(await decompress(data, "none") === data, true);
});

Deno.test("compress() rejects zstd, which has no pure-JS compressor", async () => {
  const e = await assertRejects(() => compress(new Uint8Array(1), "zstd"), WeirError, "zstd");
  assertEquals(e.code, "UNSUPPORTED_COMPRESSION_TYPE");
});

Deno.test("compress() and decompress() round-trip snappy and lz4 with the portable codecs", async () => {
  const data = new TextEncoder().encode("weir ".repeat(10_000));
  for (const type of ["snappy", "lz4"] as const) {
    const packed = await compress(data, type);
    assertEquals(packed.length < data.length / 20, true, type);
    assertEquals(await decompress(packed, type), data, type);
    assertEquals(decompressSync(packed, type), data, type);
  }
});

Deno.test("decompress() reads zstd without codecs and rejects garbage zstd with INVALID_RECORD", async () => {
  // `printf abc | zstd -c`
  const frame = Uint8Array.from(atob("KLUv/QRYGQAAYWJjmQl3rQ=="), (c) => c.charCodeAt(0));
  assertEquals(new TextDecoder().decode(await decompress(frame, "zstd")), "abc");
  const d = await assertRejects(() => decompress(new Uint8Array(1), "zstd"), WeirError, "zstd");
  assertEquals(d.code, "INVALID_RECORD");
});

Deno.test("decompress() rejects garbage snappy and lz4 with INVALID_RECORD", async () => {
  for (const type of ["snappy", "lz4"] as const) {
    const d = await assertRejects(() => decompress(new Uint8Array([0xff]), type), WeirError);
    assertEquals(d.code, "INVALID_RECORD");
  }
});

Deno.test("decompress() prefers a codec passed in options.codecs", async () => {
  const out = await decompress(new Uint8Array([1]), "zstd", {
    codecs: { zstd: (data) => new Uint8Array([...data, 2]) },
  });
  assertEquals(out, new Uint8Array([1, 2]));
});

Deno.test("decompress() rejects data that is not gzip", async () => {
  const e = await assertRejects(
    () => decompress(new TextEncoder().encode("not gzip at all"), "gzip"),
    WeirError,
    "Cannot decompress records",
  );
  assertEquals(e.code, "INVALID_RECORD");
});

Deno.test("decompress() stops at maxBytes", async () => {
  const packed = await compress(new Uint8Array(1 << 20), "gzip");
  const e = await assertRejects(
    () => decompress(packed, "gzip", { maxBytes: 1000 }),
    WeirError,
    "exceeds 1000 bytes",
  );
  assertEquals(e.code, "RECORD_TOO_LARGE");
  assertEquals((await decompress(packed, "gzip", { maxBytes: 1 << 20 })).length, 1 << 20);
});
