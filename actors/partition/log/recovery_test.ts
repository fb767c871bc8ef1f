import { assert, assertEquals } from "@std/assert";
import { crc32c, decodeRecords, iterateBatches } from "../../../client/protocol/mod.ts";
import { Log } from "./log.ts";
import { batchOf, concat, seeded, tempDir } from "./_testing.ts";

const SEG0 = "00000000000000000000";

/** Writes `batches` batches of 2 records in one segment, closed cleanly; returns batch ends. */
async function writeLog(dir: string, batches: number): Promise<number[]> {
  using log = await Log.open(dir, { crc: crc32c, config: { indexIntervalBytes: 64 } });
  const ends: number[] = [];
  for (let i = 0; i < batches; i++) {
    log.append(batchOf(2, { first: 2 * i }));
    ends.push(log.size);
  }
  return ends;
}

/** Makes the next open validate everything (as after a crash before any flush). */
async function forgetRecoveryPoint(dir: string): Promise<void> {
  await Deno.remove(`${dir}/recovery-point.checkpoint`);
}

function allOffsets(log: Log): number[] {
  const out: number[] = [];
  for (let o = log.logStartOffset; o < log.logEndOffset;) {
    const { bytes, nextOffset } = log.read(o, { maxBytes: 1 << 20 });
    for (const { pos } of iterateBatches(bytes)) {
      out.push(...decodeRecords(bytes, pos).map((r) => r.offset));
    }
    o = nextOffset;
  }
  return out;
}

Deno.test("`recoverLog()` truncates a torn tail at seeded cut points", async () => {
  const rnd = seeded(42);
  for (let round = 0; round < 5; round++) {
    await using dir = await tempDir();
    const ends = await writeLog(dir.path, 10);
    const cut = 1 + Math.floor(rnd() * (ends.at(-1)! - 1));
    const path = `${dir.path}/${SEG0}.log`;
    await Deno.truncate(path, cut);
    await forgetRecoveryPoint(dir.path);
    using log = await Log.open(dir.path, { crc: crc32c });
    const whole = ends.filter((e) => e <= cut).length;
    assertEquals(log.logEndOffset, whole * 2, `cut at ${cut}`);
    assertEquals(log.recoveryReport.truncated[0]?.bytes ?? 0, cut - (ends[whole - 1] ?? 0));
    assertEquals(allOffsets(log), Array.from({ length: whole * 2 }, (_, i) => i));
    assertEquals(log.append(batchOf(1)).baseOffset, whole * 2);
  }
});

Deno.test("`recoverLog()` cuts garbage appended after the last batch", async () => {
  await using dir = await tempDir();
  const ends = await writeLog(dir.path, 5);
  const path = `${dir.path}/${SEG0}.log`;
  const garbage = new Uint8Array(300);
  const rnd = seeded(3);
  for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(rnd() * 256);
  await Deno.writeFile(path, garbage, { append: true });
  // A well-formed batch that repeats offsets is garbage too.
  await Deno.writeFile(path, batchOf(1), { append: true });
  await forgetRecoveryPoint(dir.path);
  using log = await Log.open(dir.path, { crc: crc32c });
  assertEquals(log.logEndOffset, 10);
  assertEquals(log.size, ends.at(-1));
  assertEquals(log.recoveryReport.truncated.length, 1);
});

function outsideCrc(ends: number[], at: number): boolean {
  const start = [0, ...ends].filter((e) => e <= at).at(-1)!;
  const rel = at - start;
  return rel < 8 || (rel >= 12 && rel < 16);
}

Deno.test("`recoverLog()` catches seeded bit flips by CRC", async () => {
  const rnd = seeded(99);
  for (let round = 0; round < 8; round++) {
    await using dir = await tempDir();
    const ends = await writeLog(dir.path, 8);
    const path = `${dir.path}/${SEG0}.log`;
    const bytes = await Deno.readFile(path);
    // Base offset (bytes 0-7) and leader epoch (12-15) lie outside Kafka's CRC by design;
    // flip anywhere else.
    let at: number;
    do at = Math.floor(rnd() * bytes.length); while (outsideCrc(ends, at));
    bytes[at]! ^= 1 << Math.floor(rnd() * 8);
    await Deno.writeFile(path, bytes);
    await forgetRecoveryPoint(dir.path);
    using log = await Log.open(dir.path, { crc: crc32c });
    const intact = ends.filter((e) => e <= at).length; // batches wholly before the flipped byte
    assertEquals(log.logEndOffset, intact * 2, `flip at ${at}`);
  }
});

Deno.test("`recoverLog()` rebuilds a deleted or corrupt index of a trusted segment", async (t) => {
  for (const damage of ["delete", "garbage", "stale"] as const) {
    await t.step(damage, async () => {
      await using dir = await tempDir();
      {
        using log = await Log.open(dir.path, {
          crc: crc32c,
          config: { segmentBytes: 2000, indexIntervalBytes: 64 },
        });
        for (let i = 0; i < 60; i++) log.append(batchOf(2, { first: 2 * i }));
        assert(log.segmentCount >= 3);
      }
      const index = `${dir.path}/${SEG0}.index`;
      if (damage === "delete") await Deno.remove(index);
      if (damage === "garbage") {
        await Deno.writeFile(index, new Uint8Array([0, 0, 0, 9, 0, 0, 0, 1, 0]));
      }
      if (damage === "stale") {
        // Entries pointing past the end of the log (an index from a longer, older log).
        const bytes = await Deno.readFile(index);
        new DataView(bytes.buffer).setInt32(bytes.length - 4, 1 << 30);
        await Deno.writeFile(index, bytes);
      }
      using log = await Log.open(dir.path, { crc: crc32c, config: { indexIntervalBytes: 64 } });
      assertEquals(log.recoveryReport.rebuiltIndexes.map((r) => r.baseOffset), [0]);
      assertEquals(allOffsets(log), Array.from({ length: 120 }, (_, i) => i));
      assert((await Deno.stat(index)).size > 8);
    });
  }
});

Deno.test("`Log.read()` survives an index entry that points at the wrong batch", async () => {
  await using dir = await tempDir();
  {
    using log = await Log.open(dir.path, {
      crc: crc32c,
      config: { segmentBytes: 2000, indexIntervalBytes: 1 },
    });
    for (let i = 0; i < 40; i++) log.append(batchOf(2, { first: 2 * i }));
  }
  // Swap the positions of two entries' worth: keep the order valid but wrong.
  const index = `${dir.path}/${SEG0}.index`;
  const bytes = await Deno.readFile(index);
  const view = new DataView(bytes.buffer);
  view.setInt32(12, view.getInt32(12) + 1); // entry 1 now points one byte into a batch
  await Deno.writeFile(index, bytes);
  using log = await Log.open(dir.path, { crc: crc32c });
  assertEquals(allOffsets(log).length, 80);
  const got = log.read(3, { maxBytes: 1 });
  assert(decodeRecords(got.bytes).some((r) => r.offset === 3));
});

Deno.test("`recoverLog()` drops segments after a cut and leftovers of other files stay", async () => {
  await using dir = await tempDir();
  {
    using log = await Log.open(dir.path, { crc: crc32c, config: { segmentBytes: 1000 } });
    for (let i = 0; i < 30; i++) log.append(batchOf(2, { first: 2 * i }));
    assert(log.segmentCount >= 3);
  }
  await Deno.writeTextFile(`${dir.path}/producer-state.snapshot`, "{}");
  await Deno.writeTextFile(`${dir.path}/recovery-point.checkpoint.tmp`, "junk");
  await Deno.writeFile(`${dir.path}/00000000000000000999.index`, new Uint8Array(8)); // orphan
  const path = `${dir.path}/${SEG0}.log`;
  const bytes = await Deno.readFile(path);
  bytes[100]! ^= 0xff;
  await Deno.writeFile(path, bytes);
  await forgetRecoveryPoint(dir.path);
  using log = await Log.open(dir.path, { crc: crc32c });
  assertEquals(log.segmentCount, 1);
  assert(log.recoveryReport.deletedSegments.length >= 2);
  assertEquals(
    log.recoveryReport.removedFiles.sort(),
    ["00000000000000000999.index", "recovery-point.checkpoint.tmp"],
  );
  assert(await Deno.stat(`${dir.path}/producer-state.snapshot`).then(() => true));
});

Deno.test("`recoverLog()` starts at the checkpointed log start offset", async () => {
  await using dir = await tempDir();
  {
    using log = await Log.open(dir.path, { crc: crc32c, config: { segmentBytes: 500 } });
    for (let i = 0; i < 20; i++) log.append(concat(batchOf(1), batchOf(1)));
    log.deleteRecordsBefore(15);
  }
  using log = await Log.open(dir.path, { crc: crc32c });
  assertEquals(log.logStartOffset, 15);
  assert(log.recoveryReport.deletedSegments.length > 0);
  assertEquals(allOffsets(log)[0]! <= 15, true);
});

Deno.test("`recoverLog()` drops segments that follow a segment whose records were lost", async () => {
  await using dir = await tempDir();
  let bases: number[];
  {
    using log = await Log.open(dir.path, { crc: crc32c, config: { segmentBytes: 1000 } });
    for (let i = 0; i < 30; i++) log.append(batchOf(2, { first: 2 * i }));
    bases = log.segmentBaseOffsets;
    assert(bases.length >= 3);
  }
  // A power loss kept the newer files (durable metadata) but not the unsynced records of the
  // second segment: it ends before the third one starts.
  const second = `${dir.path}/${String(bases[1]).padStart(20, "0")}.log`;
  await Deno.truncate(second, 0);
  await forgetRecoveryPoint(dir.path);
  using log = await Log.open(dir.path, { crc: crc32c });
  assertEquals(log.logEndOffset, bases[1]);
  assertEquals(log.segmentBaseOffsets, bases.slice(0, 2));
  assertEquals(allOffsets(log), Array.from({ length: bases[1]! }, (_, i) => i));
  assertEquals(log.recoveryReport.deletedSegments, bases.slice(2));
  assertEquals(log.append(batchOf(1)).baseOffset, bases[1]);
});

Deno.test("`recoverLog()` keeps a CRC failure below the recovery point and the batches after it", async () => {
  await using dir = await tempDir();
  const ends = await writeLog(dir.path, 6); // closed cleanly: the recovery point is the log end
  const path = `${dir.path}/${SEG0}.log`;
  const bytes = await Deno.readFile(path);
  bytes[ends[2]! + 70]! ^= 0x04; // inside the records of the fourth batch (offsets 6, 7)
  await Deno.writeFile(path, bytes);
  using log = await Log.open(dir.path, { crc: crc32c });
  assertEquals(log.logEndOffset, 12);
  assertEquals(log.recoveryReport.truncated, []);
  assertEquals(log.recoveryReport.corruptBatches.map((c) => c.offset), [6]);
  const { bytes: before, nextOffset } = log.read(0, { maxBytes: 1 << 20 });
  assertEquals([...iterateBatches(before)].length, 3);
  assertEquals(nextOffset, 6);
  assertEquals(log.nextBatchOffset(6), 8);
  assertEquals(decodeRecords(log.read(8, { maxBytes: 1 << 20 }).bytes)[0]?.offset, 8);
});
