import { assertEquals, assertThrows } from "@std/assert";
import {
  crc32c,
  encodeRecordBatch,
  readBatchHeader,
  WeirError,
} from "../../../client/protocol/mod.ts";
import {
  compressedBatch,
  fromBase64,
  goldenBatch,
  goldenPlain,
  runCompressor,
  SNAPPY_RAW_20,
} from "../../../client/protocol/_test_compression_vectors.ts";
import { applyAppendPlan, planAppend, type PlanAppendOptions } from "./validate.ts";
import { batchOf, concat } from "./_testing.ts";

const opts: PlanAppendOptions = {
  nextOffset: 100,
  maxMessageBytes: 10_000,
  timestampType: "CreateTime",
  now: 5000,
  crc: crc32c,
  topicPartition: "t-0",
};

function rejects(buf: Uint8Array, code: string, text: string, o = opts): void {
  const before = buf.slice();
  const err = assertThrows(() => planAppend(buf, o), WeirError);
  assertEquals(err.code, code, err.message);
  if (!err.message.includes(text)) throw new Error(`"${err.message}" lacks "${text}"`);
  assertEquals(buf, before, "planAppend must not change the input");
}

function withCrc(buf: Uint8Array): Uint8Array {
  new DataView(buf.buffer).setUint32(17, crc32c(buf.subarray(21)));
  return buf;
}

Deno.test("`planAppend()` assigns consecutive offsets across batches", () => {
  const buf = concat(batchOf(3, { now: 10 }), batchOf(2, { now: 30 }), batchOf(1, { now: 20 }));
  const plan = planAppend(buf, opts);
  assertEquals(plan.batches.map((b) => [b.baseOffset, b.lastOffset]), [[100, 102], [103, 104], [
    105,
    105,
  ]]);
  assertEquals([plan.recordCount, plan.maxTimestamp, plan.offsetOfMaxTimestamp], [6, 30, 104]);
  assertEquals(plan.logAppendTime, -1);
  applyAppendPlan(buf, plan, { leaderEpoch: 4, crc: crc32c });
  const second = readBatchHeader(buf, plan.batches[1]!.pos);
  assertEquals([second.baseOffset, second.partitionLeaderEpoch], [103, 4]);
});

Deno.test("`applyAppendPlan()` stamps LogAppendTime and keeps the CRC valid", () => {
  const buf = batchOf(2, { now: 10 });
  const plan = planAppend(buf, { ...opts, timestampType: "LogAppendTime" });
  assertEquals([plan.logAppendTime, plan.maxTimestamp], [5000, 5000]);
  applyAppendPlan(buf, plan, { crc: crc32c });
  assertEquals(readBatchHeader(buf).maxTimestamp, 5000);
  planAppend(buf, opts); // still valid
});

Deno.test("`planAppend()` rejects a wrong magic byte", () => {
  const buf = batchOf(1);
  buf[16] = 1;
  rejects(buf, "INVALID_RECORD", "magic 1");
});

Deno.test("`planAppend()` rejects a wrong CRC", () => {
  const buf = batchOf(2);
  buf[buf.length - 1]! ^= 0x40;
  rejects(buf, "INVALID_RECORD", "CRC mismatch");
});

Deno.test("`planAppend()` rejects batch lengths that lie", () => {
  const longer = batchOf(2);
  new DataView(longer.buffer).setInt32(8, longer.length);
  rejects(longer, "INVALID_RECORD", "runs past the end");
  const tiny = batchOf(2);
  new DataView(tiny.buffer).setInt32(8, 10);
  rejects(tiny, "INVALID_RECORD", "smaller than the header");
  rejects(concat(batchOf(1), new Uint8Array(5)), "INVALID_RECORD", "5 trailing bytes");
  rejects(new Uint8Array(0), "INVALID_RECORD", "no record batches");
});

Deno.test("`planAppend()` rejects huge or inconsistent record counts", () => {
  const huge = batchOf(2);
  const view = new DataView(huge.buffer);
  view.setInt32(57, 2_000_000_000);
  view.setInt32(23, 1_999_999_999);
  rejects(withCrc(huge), "INVALID_RECORD", "record 2 of 2000000000 is missing");
  const zero = batchOf(1);
  new DataView(zero.buffer).setInt32(57, 0);
  new DataView(zero.buffer).setInt32(23, -1);
  rejects(withCrc(zero), "INVALID_RECORD", "batch 0");
  const compressed = batchOf(1);
  const cv = new DataView(compressed.buffer);
  cv.setInt16(21, 1); // claim gzip, so the records cannot be counted
  cv.setInt32(57, 50_000);
  cv.setInt32(23, 49_999);
  rejects(withCrc(compressed), "INVALID_RECORD", "implausible");
});

Deno.test("`planAppend()` answers RECORD_TOO_LARGE over max.message.bytes", () => {
  const buf = batchOf(10, { valueSize: 2000 });
  rejects(buf, "RECORD_TOO_LARGE", "max.message.bytes 10000");
});

Deno.test("`planAppend()` names the bad batch when a later one fails", () => {
  const bad = batchOf(1);
  bad[16] = 0;
  rejects(concat(batchOf(1), bad), "INVALID_RECORD", "batch 1 at byte");
});

Deno.test("`planAppend()` requires keys on compacted topics", () => {
  rejects(batchOf(2), "INVALID_RECORD", "needs a key", { ...opts, requireKeys: true });
  planAppend(batchOf(2, { keys: 2 }), { ...opts, requireKeys: true });
});

Deno.test("`planAppend()` keeps offsets for replication and rejects going backwards", () => {
  const buf = batchOf(2);
  new DataView(buf.buffer).setInt32(4, 150);
  const plan = planAppend(buf, { ...opts, assignOffsets: false });
  assertEquals([plan.baseOffset, plan.lastOffset], [150, 151]);
  rejects(buf, "INVALID_RECORD", "below the expected 200", {
    ...opts,
    nextOffset: 200,
    assignOffsets: false,
  });
});

async function packedWith(
  codec: "gzip" | "snappy" | "lz4" | "zstd",
  n: number,
): Promise<Uint8Array> {
  const plain = goldenPlain(n);
  if (codec === "snappy") return fromBase64(SNAPPY_RAW_20);
  if (codec === "gzip") return await runCompressor("gzip", ["-c", "-n"], plain);
  return await runCompressor(codec, ["-q", "-c"], plain);
}

Deno.test("`planAppend()` accepts batches compressed by real gzip, snappy, lz4 and zstd", async () => {
  for (const codec of ["gzip", "snappy", "lz4", "zstd"] as const) {
    const batch = compressedBatch(goldenBatch(20), codec, await packedWith(codec, 20));
    const plan = planAppend(batch, { ...opts, requireKeys: true });
    assertEquals([plan.baseOffset, plan.lastOffset, plan.recordCount], [100, 119, 20], codec);
  }
});

Deno.test("`planAppend()` rejects a compressed batch whose record count lies", async () => {
  for (const codec of ["gzip", "snappy", "lz4", "zstd"] as const) {
    const packed = await packedWith(codec, 20);
    for (const count of [19, 21, 1, 9_999]) {
      const lying = compressedBatch(goldenBatch(20), codec, packed, { recordCount: count });
      rejects(lying, "INVALID_RECORD", "record", opts);
    }
  }
});

Deno.test("`planAppend()` rejects compressed garbage and stops a decompression bomb", async () => {
  const garbage = new TextEncoder().encode("not compressed at all, not at all");
  for (const codec of ["gzip", "snappy", "lz4", "zstd"] as const) {
    rejects(compressedBatch(goldenBatch(2), codec, garbage), "INVALID_RECORD", "decompress", opts);
  }
  const bomb = await runCompressor("zstd", ["-q", "-c"], new Uint8Array(4 << 20));
  rejects(compressedBatch(goldenBatch(1), "zstd", bomb), "RECORD_TOO_LARGE", "exceeds 10000", opts);
});

Deno.test("`planAppend()` checks keys inside compressed batches on compacted topics", async () => {
  const records = [{ key: null, value: new Uint8Array([1]) }];
  const plain = encodeRecordBatch(records, { now: 1 });
  const packed = await runCompressor("zstd", ["-q", "-c"], plain.subarray(61));
  const keyless = compressedBatch(plain, "zstd", packed);
  assertEquals(planAppend(keyless, opts).recordCount, 1);
  rejects(keyless, "INVALID_RECORD", "needs a key", { ...opts, requireKeys: true });
});

Deno.test("`planAppend()` keeps a replicated batch's timestamps on a LogAppendTime topic", () => {
  const buf = batchOf(2, { now: 1_234 });
  const before = buf.slice();
  const plan = planAppend(buf, {
    ...opts,
    nextOffset: 0,
    timestampType: "LogAppendTime",
    assignOffsets: false,
  });
  assertEquals([plan.logAppendTime, plan.maxTimestamp], [-1, 1_234]);
  applyAppendPlan(buf, plan, { crc: crc32c });
  assertEquals(buf, before, "a follower writes the leader's bytes unchanged");
});
