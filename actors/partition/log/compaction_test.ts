import { assert, assertEquals } from "@std/assert";
import {
  crc32c,
  decodeRecords,
  encodeRecordBatch,
  iterateBatches,
} from "../../../client/protocol/mod.ts";
import { Log } from "./log.ts";
import { fakeClock, tempDir } from "./_testing.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function rec(key: string, value: string | null, ts: number) {
  return { key: enc.encode(key), value: value === null ? null : enc.encode(value), timestamp: ts };
}

function contents(log: Log): { offset: number; key: string; value: string | null }[] {
  const out: { offset: number; key: string; value: string | null }[] = [];
  for (let o = log.logStartOffset; o < log.logEndOffset;) {
    const { bytes, nextOffset } = log.read(o, { maxBytes: 1 << 20 });
    for (const { pos } of iterateBatches(bytes)) {
      for (const r of decodeRecords(bytes, pos)) {
        out.push({
          offset: r.offset,
          key: dec.decode(r.key!),
          value: r.value && dec.decode(r.value),
        });
      }
    }
    o = nextOffset;
  }
  return out;
}

function runCompaction(log: Log): number {
  let removed = 0;
  for (let i = 0; i < 1000; i++) {
    const step = log.compactionStep();
    removed += step.removedRecords;
    if (step.phase === "done" || step.phase === "idle") return removed;
  }
  throw new Error("compaction did not finish");
}

async function compactedLog(dir: string, clock: { now(): number; t: number }): Promise<Log> {
  const log = await Log.open(dir, {
    crc: crc32c,
    clock,
    config: { cleanupPolicy: "compact", segmentBytes: 300, deleteRetentionMs: 10_000 },
  });
  // Keys a..d updated over time; b deleted; a fresh tail in the active segment.
  const t = clock.t;
  log.append(encodeRecordBatch([rec("a", "a1", t), rec("b", "b1", t)]));
  log.append(encodeRecordBatch([rec("c", "c1", t), rec("a", "a2", t)]));
  log.append(encodeRecordBatch([rec("b", null, t), rec("d", "d1", t)]));
  log.append(encodeRecordBatch([rec("c", "c2", t), rec("e", "e1", t)]));
  log.append(encodeRecordBatch([rec("a", "a3", t)]));
  log.append(encodeRecordBatch([rec("f", "f1", t)]));
  log.roll();
  log.append(encodeRecordBatch([rec("d", "d2", t)]));
  log.flush();
  return log;
}

Deno.test("`Log.compactionStep()` keeps the latest record per key, in order, with offsets", async () => {
  await using dir = await tempDir();
  const clock = fakeClock(1_000_000);
  using log = await compactedLog(dir.path, clock);
  const before = contents(log);
  assert(log.segmentCount > 2);
  const removed = runCompaction(log);
  const after = contents(log);
  assertEquals(removed, before.length - after.length);
  assertEquals(after.map((r) => `${r.offset}:${r.key}=${r.value}`), [
    "4:b=null", // tombstone kept: younger than delete.retention.ms
    "5:d=d1", // d2 is in the active segment, which is never cleaned or mapped
    "6:c=c2",
    "7:e=e1",
    "8:a=a3",
    "9:f=f1",
    "10:d=d2",
  ]);
  assertEquals(log.compactionStep().phase, "idle");
  assertEquals(log.logEndOffset, 11);
  assertEquals(log.append(encodeRecordBatch([rec("z", "z", 0)])).baseOffset, 11);
});

Deno.test("`Log.compactionStep()` drops tombstones after delete.retention.ms", async () => {
  await using dir = await tempDir();
  const clock = fakeClock(1_000_000);
  using log = await compactedLog(dir.path, clock);
  runCompaction(log);
  clock.t += 10_001;
  log.append(encodeRecordBatch([rec("x", "x", clock.t)])); // new dirty data after a roll
  log.roll();
  log.flush();
  runCompaction(log);
  assert(!contents(log).some((r) => r.key === "b"), "tombstone for b should be gone");
});

Deno.test("`Log` reopens compacted segments with offset gaps intact", async () => {
  await using dir = await tempDir();
  const clock = fakeClock(1_000_000);
  let expected;
  {
    using log = await compactedLog(dir.path, clock);
    runCompaction(log);
    expected = contents(log);
  }
  await Deno.remove(`${dir.path}/recovery-point.checkpoint`); // validate everything
  using log = await Log.open(dir.path, {
    crc: crc32c,
    clock,
    config: { cleanupPolicy: "compact" },
  });
  assertEquals(log.recoveryReport.truncated, []);
  assertEquals(contents(log), expected);
  assertEquals(log.read(0, { maxBytes: 1 }).nextOffset > 1, true); // offsets 0..3 were cleaned away
});

Deno.test("`recoverLog()` leaves old or new after a crash in the middle of compaction", async (t) => {
  const states = {
    // Crash while writing .cleaned files: the original is intact.
    cleaned: ["log.cleaned", "index.cleaned"],
    // Crash after the index swaps, before the log's commit rename.
    "index swapped, log still cleaned": ["index.swap", "timeindex.swap", "log.cleaned"],
    // Crash right after the commit point.
    committed: ["index.swap", "timeindex.swap", "log.swap"],
    // Crash after the log was renamed over, before the indexes were.
    "log installed": ["index.swap", "timeindex.swap", "log"],
  } as const;
  for (const [name, files] of Object.entries(states)) {
    await t.step(name, async () => {
      await using dir = await tempDir();
      await using work = await tempDir();
      const clock = fakeClock(1_000_000);
      let original, compacted;
      {
        using log = await compactedLog(dir.path, clock);
        original = contents(log);
      }
      // Produce the compacted files in a copy, then stage the crash in the original dir.
      for (const f of Deno.readDirSync(dir.path)) {
        await Deno.copyFile(`${dir.path}/${f.name}`, `${work.path}/${f.name}`);
      }
      {
        using log = await Log.open(work.path, {
          crc: crc32c,
          clock,
          config: { cleanupPolicy: "compact" },
        });
        runCompaction(log);
        compacted = contents(log);
      }
      const seg = "00000000000000000000";
      for (const f of files) {
        const [kind, state] = f.split(".") as [string, string | undefined];
        // The originals stay: a crash leaves them next to the staged files.
        await Deno.copyFile(
          `${work.path}/${seg}.${kind}`,
          `${dir.path}/${seg}.${kind}${state ? "." + state : ""}`,
        );
      }
      using log = await Log.open(dir.path, {
        crc: crc32c,
        clock,
        config: { cleanupPolicy: "compact" },
      });
      const got = contents(log);
      const leftovers = [...Deno.readDirSync(dir.path)].filter((f) =>
        /\.(cleaned|swap)$/.test(f.name)
      );
      assertEquals(leftovers, []);
      if (name === "cleaned" || name === "index swapped, log still cleaned") {
        assertEquals(got, original);
      } else {
        assertEquals(got.filter((r) => r.offset < 6), compacted.filter((r) => r.offset < 6));
        assertEquals(got.length < original.length, true);
      }
    });
  }
});
