import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { crc32c, decodeRecords, iterateBatches, WeirError } from "../../../client/protocol/mod.ts";
import { Log } from "./log.ts";
import { batchOf, concat, countingFs, fakeClock, seeded, tempDir } from "./_testing.ts";

function offsetsOf(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (const { pos } of iterateBatches(bytes)) {
    out.push(...decodeRecords(bytes, pos).map((r) => r.offset));
  }
  return out;
}

Deno.test("`Log.append()` assigns offsets and `read()` returns whole batches from the index", async () => {
  await using dir = await tempDir();
  using log = await Log.open(dir.path, {
    crc: crc32c,
    clock: fakeClock(),
    config: { segmentBytes: 4096, indexIntervalBytes: 256 },
  });
  const rnd = seeded(7);
  let expected = 0;
  for (let i = 0; i < 200; i++) {
    const n = 1 + Math.floor(rnd() * 5);
    const r = log.append(batchOf(n, { first: expected }));
    assertEquals([r.baseOffset, r.lastOffset, r.recordCount, r.batchCount], [
      expected,
      expected + n - 1,
      n,
      1,
    ]);
    expected += n;
  }
  assertEquals(log.logEndOffset, expected);
  assert(log.segmentCount > 3, `segments: ${log.segmentCount}`);
  for (let k = 0; k < 100; k++) {
    const offset = Math.floor(rnd() * expected);
    const { bytes, nextOffset } = log.read(offset, { maxBytes: 1 });
    const offsets = offsetsOf(bytes);
    assert(offsets.includes(offset) && offsets[0]! <= offset, `offset ${offset} in ${offsets}`);
    assertEquals(nextOffset, offsets[offsets.length - 1]! + 1);
    assertEquals(
      decodeRecords(bytes).find((r) => r.offset === offset)!.value,
      new TextEncoder().encode(`v${offset}`),
    );
  }
  // Sequential read covers every offset exactly once.
  const seen: number[] = [];
  for (let o = 0; o < expected;) {
    const r = log.read(o, { maxBytes: 1000 });
    seen.push(...offsetsOf(r.bytes).filter((x) => x >= o));
    o = r.nextOffset;
  }
  assertEquals(seen, Array.from({ length: expected }, (_, i) => i));
  assertEquals(log.read(expected, { maxBytes: 10 }).bytes.length, 0);
});

Deno.test("`Log.read()` throws OFFSET_OUT_OF_RANGE outside the log and honours maxOffset", async () => {
  await using dir = await tempDir();
  using log = await Log.open(dir.path, { crc: crc32c });
  log.append(concat(batchOf(2), batchOf(2), batchOf(2)));
  for (const bad of [-1, 7, 1.5]) {
    assertEquals(
      assertThrows(() => log.read(bad, { maxBytes: 10 }), WeirError).code,
      "OFFSET_OUT_OF_RANGE",
    );
  }
  assertEquals(offsetsOf(log.read(0, { maxBytes: 1 << 20, maxOffset: 4 }).bytes), [0, 1, 2, 3]);
  assertEquals(offsetsOf(log.read(0, { maxBytes: 1 << 20 }).bytes), [0, 1, 2, 3, 4, 5]);
});

Deno.test("`Log.append()` writes nothing when any batch is bad", async () => {
  await using dir = await tempDir();
  using log = await Log.open(dir.path, { crc: crc32c, config: { maxMessageBytes: 2000 } });
  log.append(batchOf(1));
  const size = log.size;
  const badCrc = batchOf(1);
  badCrc[badCrc.length - 1]! ^= 1;
  const badMagic = batchOf(1);
  badMagic[16] = 3;
  const cases: [Uint8Array, string][] = [
    [concat(batchOf(1), badCrc), "INVALID_RECORD"],
    [concat(batchOf(1), badMagic), "INVALID_RECORD"],
    [concat(batchOf(1), batchOf(1).subarray(0, 30)), "INVALID_RECORD"],
    [concat(batchOf(1), batchOf(5, { valueSize: 500 })), "RECORD_TOO_LARGE"],
  ];
  for (const [buf, code] of cases) {
    assertEquals(assertThrows(() => log.append(buf), WeirError).code, code);
    assertEquals([log.size, log.logEndOffset], [size, 1]);
  }
  const onDisk = await Deno.readFile(`${dir.path}/00000000000000000000.log`);
  assertEquals(onDisk.length, size);
});

Deno.test("`Log` rolls by segment.ms with an injected clock", async () => {
  await using dir = await tempDir();
  const clock = fakeClock();
  using log = await Log.open(dir.path, { crc: crc32c, clock, config: { segmentMs: 1000 } });
  log.append(batchOf(1));
  clock.t += 999;
  log.append(batchOf(1));
  assertEquals(log.segmentCount, 1);
  clock.t += 1;
  log.append(batchOf(1));
  assertEquals(log.segmentBaseOffsets, [0, 2]);
  // The roll does not fsync the old segment in line: a background sync does, then the recovery
  // point passes it.
  assertEquals(log.recoveryPoint, 0);
  await log.sync();
  assertEquals(log.recoveryPoint, 3);
});

Deno.test("`Log` stamps LogAppendTime and finds offsets by timestamp", async () => {
  await using dir = await tempDir();
  const clock = fakeClock(50_000);
  using log = await Log.open(dir.path, {
    crc: crc32c,
    clock,
    config: { messageTimestampType: "LogAppendTime", indexIntervalBytes: 1, segmentBytes: 600 },
  });
  for (let i = 0; i < 20; i++) {
    clock.t += 10;
    assertEquals(log.append(batchOf(2)).logAppendTime, clock.t);
  }
  assertEquals(log.offsetForTimestamp(0), 0);
  assertEquals(log.offsetForTimestamp(50_010), 0);
  assertEquals(log.offsetForTimestamp(50_011), 2);
  assertEquals(log.offsetForTimestamp(50_100), 18);
  assertEquals(log.offsetForTimestamp(50_201), null);
  assertEquals(decodeRecords(log.read(4, { maxBytes: 1 }).bytes)[0]!.timestamp, 50_030);
});

Deno.test("`Log.offsetForTimestamp()` returns the first record at or after the time inside a batch", async () => {
  await using dir = await tempDir();
  using log = await Log.open(dir.path, { crc: crc32c });
  const { encodeRecordBatch } = await import("../../../client/protocol/mod.ts");
  log.append(encodeRecordBatch([100, 200, 300].map((timestamp) => ({ value: null, timestamp }))));
  assertEquals(log.offsetForTimestamp(150), 1);
  assertEquals(log.offsetForTimestamp(300), 2);
});

Deno.test("`Log.sync()` lets concurrent appends share one fsync", async () => {
  await using dir = await tempDir();
  const fs = countingFs();
  using log = await Log.open(dir.path, { crc: crc32c, fs });
  const before = fs.syncs;
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 16; i++) {
    log.append(batchOf(1));
    waits.push(log.sync());
  }
  await Promise.all(waits);
  assertEquals(fs.syncs - before, 1);
  assertEquals(log.recoveryPoint, 16);
  await log.sync(); // nothing new: no fsync
  assertEquals(fs.syncs - before, 1);
  // Appends made while an fsync runs share the next one.
  log.append(batchOf(1));
  const first = log.sync();
  await Promise.resolve();
  const later: Promise<void>[] = [];
  for (let i = 0; i < 8; i++) {
    log.append(batchOf(1));
    later.push(log.sync());
  }
  await Promise.all([first, ...later]);
  assertEquals(fs.syncs - before, 3);
  assertEquals(log.recoveryPoint, 25);
});

Deno.test("`Log.sync()` resolves when called right after a previous sync resolved", async () => {
  await using dir = await tempDir();
  using log = await Log.open(dir.path, { crc: crc32c });
  for (let i = 0; i < 20; i++) {
    log.append(batchOf(1));
    await log.sync();
  }
  assertEquals(log.recoveryPoint, 20);
});

Deno.test("`Log.flush()` persists the recovery point", async () => {
  await using dir = await tempDir();
  using log = await Log.open(dir.path, { crc: crc32c });
  log.append(batchOf(3));
  log.flush();
  assertEquals(log.recoveryPoint, 3);
  assertEquals(await Deno.readTextFile(`${dir.path}/recovery-point.checkpoint`), "0\n3\n");
});

Deno.test("`Log.read()` never serves a corrupt batch", async () => {
  await using dir = await tempDir();
  {
    using log = await Log.open(dir.path, { crc: crc32c });
    for (let i = 0; i < 4; i++) log.append(batchOf(2));
  }
  const path = `${dir.path}/00000000000000000000.log`;
  const bytes = await Deno.readFile(path);
  const third = [...iterateBatches(bytes)][2]!;
  bytes[third.pos + third.size - 3]! ^= 0x10; // flip a bit inside batch 2 (offsets 4-5)
  await Deno.writeFile(path, bytes);
  // The recovery point covers it, so open trusts the segment; reads must still catch it.
  await Deno.writeTextFile(`${dir.path}/recovery-point.checkpoint`, "0\n8\n");
  await Deno.writeFile(`${dir.path}/00000000000000000008.log`, new Uint8Array(0)); // seg 0 closed
  using log = await Log.open(dir.path, { crc: crc32c });
  assertEquals(offsetsOf(log.read(0, { maxBytes: 1 << 20 }).bytes), [0, 1, 2, 3]);
  const err = assertThrows(() => log.read(4, { maxBytes: 1 << 20 }), WeirError);
  assertEquals(err.code, "CORRUPT_MESSAGE");
});

Deno.test("`Log` goes offline after a failed write and cuts the partial bytes", async () => {
  await using dir = await tempDir();
  const fs = countingFs();
  const log = await Log.open(dir.path, { crc: crc32c, fs });
  log.append(batchOf(1));
  const size = log.size;
  fs.failWrites = new Error("ENOSPC");
  assertEquals(assertThrows(() => log.append(batchOf(1)), WeirError).code, "KAFKA_STORAGE_ERROR");
  fs.failWrites = null;
  assertEquals((await Deno.stat(`${dir.path}/00000000000000000000.log`)).size, size);
  assertEquals(assertThrows(() => log.append(batchOf(1)), WeirError).code, "KAFKA_STORAGE_ERROR");
  await assertRejects(() => log.sync(), WeirError);
  log.close();
  log.close();
});

Deno.test("`Log.close()` is idempotent and later calls fail with a code", async () => {
  await using dir = await tempDir();
  const log = await Log.open(dir.path, { crc: crc32c });
  log.append(batchOf(1));
  log.close();
  log.close();
  assertEquals(
    assertThrows(() => log.read(0, { maxBytes: 1 }), WeirError).code,
    "KAFKA_STORAGE_ERROR",
  );
  using again = await Log.open(dir.path, { crc: crc32c });
  assertEquals(again.logEndOffset, 1);
});

Deno.test("`Log.updateConfig()` validates and applies settings", async () => {
  await using dir = await tempDir();
  using log = await Log.open(dir.path, { crc: crc32c });
  assertEquals(
    assertThrows(() => log.updateConfig({ segmentBytes: -1 }), WeirError).code,
    "INVALID_CONFIG",
  );
  log.updateConfig({ maxMessageBytes: 100 });
  assertEquals(assertThrows(() => log.append(batchOf(10)), WeirError).code, "RECORD_TOO_LARGE");
  await assertRejects(() => Log.open(dir.path, { config: { retentionMs: -5 } }), WeirError);
});

Deno.test("`Log.truncateTo()` removes whole batches from the end", async () => {
  await using dir = await tempDir();
  using log = await Log.open(dir.path, { crc: crc32c, config: { segmentBytes: 300 } });
  for (let i = 0; i < 10; i++) log.append(batchOf(3));
  assertEquals(log.truncateTo(16), 15);
  assertEquals(log.append(batchOf(1)).baseOffset, 15);
  assertEquals(offsetsOf(log.read(12, { maxBytes: 1 << 20 }).bytes).at(-1), 15);
});

Deno.test("`Log.delete()` removes the directory", async () => {
  await using dir = await tempDir();
  const log = await Log.open(`${dir.path}/p-0`, { crc: crc32c });
  log.append(batchOf(1));
  log.delete();
  assertEquals(await Deno.stat(`${dir.path}/p-0`).then(() => true, () => false), false);
});

Deno.test("`Log.truncateFullyAndStartAt()` empties the log and restarts it at the offset, durably", async () => {
  await using dir = await tempDir();
  {
    using log = await Log.open(dir.path, { crc: crc32c, config: { segmentBytes: 300 } });
    for (let i = 0; i < 10; i++) log.append(batchOf(3));
    assertEquals(log.truncateFullyAndStartAt(100), 100);
    assertEquals([log.logStartOffset, log.logEndOffset, log.segmentCount], [100, 100, 1]);
    assertThrows(() => log.read(50, { maxBytes: 1024 }), WeirError);
    assertEquals(log.append(batchOf(2)).baseOffset, 100);
    assertThrows(() => log.truncateFullyAndStartAt(-1), WeirError);
  }
  using reopened = await Log.open(dir.path, { crc: crc32c });
  assertEquals([reopened.logStartOffset, reopened.logEndOffset], [100, 102]);
  assertEquals(offsetsOf(reopened.read(100, { maxBytes: 1 << 20 }).bytes), [100, 101]);
  assertEquals(
    [...Deno.readDirSync(dir.path)].filter((e) => e.name.startsWith("0000000000000000000")).length,
    0,
  );
});
