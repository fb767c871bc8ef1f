import { assertEquals, assertThrows } from "@std/assert";
import { decompressSync, WeirError } from "../../../client/protocol/mod.ts";
import {
  fromBase64,
  goldenPlain,
  runCompressor,
  SNAPPY_XERIAL_20,
} from "../../../client/protocol/_test_compression_vectors.ts";
import { needsServerCodecs, SERVER_CODECS, serverCodecsLoaded } from "./compression_codecs.ts";

function codeOf(fn: () => unknown): string {
  return assertThrows(fn, WeirError).code;
}

Deno.test("SERVER_CODECS decode gzip and zstd made by the gzip and zstd programs", async () => {
  const plain = goldenPlain(300);
  const gz = await runCompressor("gzip", ["-c", "-n"], plain);
  const zst = await runCompressor("zstd", ["-q", "-c"], plain);
  const lz4 = await runCompressor("lz4", ["-q", "-c"], plain);
  assertEquals(decompressSync(gz, "gzip", { codecs: SERVER_CODECS }), plain);
  assertEquals(decompressSync(zst, "zstd", { codecs: SERVER_CODECS }), plain);
  assertEquals(decompressSync(lz4, "lz4", { codecs: SERVER_CODECS }), plain);
  const snappy = fromBase64(SNAPPY_XERIAL_20);
  assertEquals(decompressSync(snappy, "snappy", { codecs: SERVER_CODECS }), goldenPlain(20));
});

Deno.test("SERVER_CODECS stop gzip and zstd bombs at maxBytes with RECORD_TOO_LARGE", async () => {
  const zeros = new Uint8Array(16 << 20);
  for (
    const [codec, program, args] of [["gzip", "gzip", ["-c"]], ["zstd", "zstd", [
      "-q",
      "-c",
    ]]] as const
  ) {
    const packed = await runCompressor(program, [...args], zeros);
    assertEquals(packed.length < 64 * 1024, true, `${codec} bomb is small`);
    const code = codeOf(() =>
      decompressSync(packed, codec, { codecs: SERVER_CODECS, maxBytes: 1 << 20 })
    );
    assertEquals(code, "RECORD_TOO_LARGE", codec);
  }
});

Deno.test("SERVER_CODECS reject garbage with INVALID_RECORD", () => {
  const junk = new TextEncoder().encode("definitely not compressed");
  for (const codec of ["gzip", "zstd", "snappy", "lz4"] as const) {
    assertEquals(
      codeOf(() => decompressSync(junk, codec, { codecs: SERVER_CODECS })),
      "INVALID_RECORD",
      codec,
    );
  }
});

Deno.test("SERVER_CODECS work inside a Worker after loadServerCodecs(), not before", async () => {
  const url = new URL("./compression_codecs.ts", import.meta.url).href;
  const source = `import { SERVER_CODECS, loadServerCodecs, serverCodecsLoaded } from ${
    JSON.stringify(url)
  };
    self.onmessage = async (e) => {
      const before = serverCodecsLoaded();
      let early = "none";
      try { SERVER_CODECS.zstd(new Uint8Array(e.data), { maxBytes: 1 << 20 }); }
      catch (err) { early = err.code; }
      await loadServerCodecs();
      const out = SERVER_CODECS.zstd(new Uint8Array(e.data), { maxBytes: 1 << 20 });
      self.postMessage([before, early, out.length]);
    };`;
  const worker = new Worker(`data:text/javascript,${encodeURIComponent(source)}`, {
    type: "module",
  });
  try {
    const plain = goldenPlain(100);
    const zst = await runCompressor("zstd", ["-q", "-c"], plain);
    const answer = await new Promise<unknown>((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(e.message);
      worker.postMessage(zst.slice().buffer);
    });
    assertEquals(answer, [false, "UNKNOWN_SERVER_ERROR", plain.length]);
  } finally {
    worker.terminate();
  }
});

Deno.test("compression_codecs.ts loads node:zlib at import on the main thread", () => {
  assertEquals(serverCodecsLoaded(), true);
  // Loaded: nothing to wait for, whatever the batch says.
  assertEquals(needsServerCodecs(new Uint8Array([1, 2, 3])), false);
});
