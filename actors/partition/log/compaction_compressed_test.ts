import { assertEquals } from "@std/assert";
import {
  crc32c,
  decodeRecords,
  readBatchHeader,
  validateBatch,
} from "../../../client/protocol/mod.ts";
import {
  compressedBatch,
  goldenBatch,
  goldenPlain,
  runCompressor,
} from "../../../client/protocol/_test_compression_vectors.ts";
import { collectLatest, filterBatch } from "./compaction.ts";

// goldenRecords(20) has keys key-(i % 17): offsets 0..2 are superseded by 17..19.
Deno.test("`filterBatch()` compacts inside a compressed batch and writes it back uncompressed", async () => {
  for (const codec of ["gzip", "lz4", "zstd"] as const) {
    const args = codec === "gzip" ? ["-c", "-n"] : ["-q", "-c"];
    const batch = compressedBatch(
      goldenBatch(20),
      codec,
      await runCompressor(codec, args, goldenPlain(20)),
    );
    const header = readBatchHeader(batch);
    const latest = new Map<string, number>();
    collectLatest(batch, 0, { header, latest });
    assertEquals(latest.size, 17, codec);
    const out = filterBatch(batch, 0, { header, latest, dropTombstones: false, crc: crc32c });
    assertEquals(out.removed, 3, codec);
    const kept = out.bytes!;
    const keptHeader = validateBatch(kept, 0, { allowOffsetGaps: true });
    assertEquals(keptHeader.attributes & 0x07, 0, "written back uncompressed");
    assertEquals([keptHeader.baseOffset, keptHeader.lastOffsetDelta], [0, 19], "offsets unchanged");
    assertEquals(decodeRecords(kept).map((r) => r.offset), [...Array(17).keys()].map((i) => i + 3));
  }
});

Deno.test("`filterBatch()` keeps a compressed batch as it came when nothing is removed", async () => {
  const batch = compressedBatch(
    goldenBatch(10),
    "zstd",
    await runCompressor("zstd", ["-q", "-c"], goldenPlain(10)),
  );
  const header = readBatchHeader(batch);
  const latest = new Map<string, number>();
  collectLatest(batch, 0, { header, latest });
  const out = filterBatch(batch, 0, { header, latest, dropTombstones: false, crc: crc32c });
  assertEquals(out.removed, 0);
  assertEquals(out.bytes, batch);
});

Deno.test("`collectLatest()` and `filterBatch()` keep an undecodable compressed batch whole", () => {
  const batch = compressedBatch(goldenBatch(3), "zstd", new TextEncoder().encode("garbage"));
  const header = readBatchHeader(batch);
  const latest = new Map<string, number>();
  collectLatest(batch, 0, { header, latest });
  assertEquals(latest.size, 0);
  const out = filterBatch(batch, 0, { header, latest, dropTombstones: true, crc: crc32c });
  assertEquals([out.removed, out.bytes], [0, batch]);
});
