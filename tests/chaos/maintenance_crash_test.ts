/**
 * A power cut at every step of a retention and of a compaction pass
 * (through the fault layer's `crashBefore`), then recovery with the real
 * file system: files left in `.deleted`, `.cleaned` or `.swap` states are
 * resolved, nothing that had to stay is lost, nothing is duplicated or moved.
 */
import { assert, assertEquals } from "@std/assert";
import { crc32c } from "@node-rs/crc32";
import { decodeRecords, encodeRecordBatch, iterateBatches } from "../../client/protocol/mod.ts";
import { Log, type LogConfig } from "../../actors/partition/log/mod.ts";
import { formatViolations, History } from "../_helpers/history_checker.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { FaultFileSystem } from "./fault_fs.ts";

/**
 * Crash points tried: every `STRIDE`-th operation (all of them with
 * `WEIR_CRASH_STRIDE=1`; CI keeps to a third to stay quick).
 */
const STRIDE = Number(Deno.env.get("WEIR_CRASH_STRIDE") ?? 3);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Written {
  offset: number;
  key: string;
  value: string;
}

/** Writes `batches` batches of 3 keyed records at time `now` and closes the log. */
async function writeLog(
  dir: string,
  config: Partial<LogConfig>,
  options: { batches: number; keys: number; now: number },
): Promise<Written[]> {
  const written: Written[] = [];
  const log = await Log.open(dir, { crc: crc32c, config, clock: { now: () => options.now } });
  try {
    for (let b = 0; b < options.batches; b++) {
      const records = [0, 1, 2].map((j) => {
        const i = b * 3 + j;
        return { key: `k${i % options.keys}`, value: `v${i}` };
      });
      const { baseOffset } = log.append(encodeRecordBatch(
        records.map((r) => ({ key: encoder.encode(r.key), value: encoder.encode(r.value) })),
        { crc: crc32c, now: options.now },
      ));
      records.forEach((r, j) => written.push({ offset: baseOffset + j, ...r }));
    }
    log.flush();
  } finally {
    log.close();
  }
  return written;
}

/** Every record readable from the log start, in order. */
function readAll(log: Log): { offset: number; value: string }[] {
  const out: { offset: number; value: string }[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { bytes, nextOffset } = log.read(offset, { maxBytes: 1 << 20 });
    for (const { pos } of iterateBatches(bytes)) {
      for (const r of decodeRecords(bytes, pos)) {
        if (r.offset >= offset) out.push({ offset: r.offset, value: decoder.decode(r.value!) });
      }
    }
    if (nextOffset <= offset) break;
    offset = nextOffset;
  }
  return out;
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

/**
 * Runs `step` on a copy of `pristine` with the power cut before operation
 * k, for k = 0, 1, ... until a run finishes; calls `verify` on each recovered copy.
 * Returns the number of crash points tried.
 */
async function crashAtEveryStep(
  pristine: string,
  work: string,
  args: {
    config: Partial<LogConfig>;
    now: number;
    step: (log: Log) => void;
    verify: (log: Log, finished: boolean) => void;
  },
): Promise<number> {
  for (let k = 0, tried = 1;; k += STRIDE, tried++) {
    const dir = `${work}/crash-${k}`;
    await copyDir(pristine, dir);
    const fs = new FaultFileSystem();
    fs.crashBefore = k;
    let log: Log | null = null;
    try {
      log = await Log.open(dir, {
        crc: crc32c,
        config: args.config,
        fs,
        clock: { now: () => args.now },
      });
      args.step(log);
    } catch (e) {
      if (!fs.dead) throw e;
    } finally {
      log?.close();
    }
    const finished = !fs.dead;
    if (!finished) fs.crashBefore = null;
    const recovered = await Log.open(dir, {
      crc: crc32c,
      config: args.config,
      clock: { now: () => args.now },
    });
    try {
      args.verify(recovered, finished);
    } finally {
      recovered.close();
    }
    await Deno.remove(dir, { recursive: true });
    if (finished) return tried;
  }
}

Deno.test("compaction cut by a power loss at every step loses and duplicates nothing", async () => {
  await using root = await tempDir("weir-compact-crash-");
  const config: Partial<LogConfig> = {
    segmentBytes: 700,
    cleanupPolicy: "compact",
    deleteRetentionMs: 86_400_000,
  };
  const pristine = `${root.path}/pristine`;
  const written = await writeLog(pristine, config, { batches: 14, keys: 5, now: 1_000 });
  const latest = new Map<string, number>();
  for (const w of written) latest.set(w.key, w.offset);
  let swapped = 0;
  const points = await crashAtEveryStep(pristine, root.path, {
    config,
    now: 2_000,
    step: (log) => {
      for (let i = 0; i < 1_000; i++) {
        const r = log.compactionStep();
        if (r.swapped) swapped++;
        if (r.phase === "idle" || r.phase === "done") return;
      }
    },
    verify: (log, finished) => {
      const h = new History();
      for (const w of written) {
        h.attempt(w.value);
        // The latest record of each key must survive; older ones may be compacted away.
        if (latest.get(w.key) === w.offset) h.ack(w.value, { partition: 0, offset: w.offset });
        else h.fail(w.value);
      }
      const read = readAll(log);
      for (const r of read) h.read({ reader: "r", partition: 0, offset: r.offset, value: r.value });
      assertEquals(formatViolations(h.check()), "");
      assertEquals(log.logEndOffset, written.length);
      if (finished) assert(read.length < written.length, "the finished pass removed nothing");
    },
  });
  assert(points * STRIDE > 10, `only ${points} crash points`);
  assert(swapped > 0, "no run swapped a segment in");
});

Deno.test("retention cut by a power loss at every step keeps what it must and stays contiguous", async () => {
  await using root = await tempDir("weir-retention-crash-");
  const config: Partial<LogConfig> = { segmentBytes: 400, retentionMs: 1_000 };
  const pristine = `${root.path}/pristine`;
  const written = await writeLog(pristine, config, { batches: 16, keys: 1_000, now: 1_000 });
  let activeBase = -1;
  {
    using log = await Log.open(pristine, { crc: crc32c, config, clock: { now: () => 1_000 } });
    activeBase = log.segmentBaseOffsets.at(-1)!;
    assert(log.segmentCount > 3);
  }
  const points = await crashAtEveryStep(pristine, root.path, {
    config,
    now: 1_000_000,
    step: (log) => {
      while (log.retentionStep({ maxSegments: 2 }).deletedSegments > 0) { /* next step */ }
    },
    verify: (log, finished) => {
      const h = new History();
      for (const w of written) {
        h.attempt(w.value);
        // The active segment is never deleted; expired ones may be gone, but only as a prefix.
        if (w.offset >= activeBase) h.ack(w.value, { partition: 0, offset: w.offset });
        else h.fail(w.value);
      }
      const read = readAll(log);
      read.forEach((r, i) => {
        assertEquals(r.offset, log.logStartOffset + i, "records are contiguous from the log start");
        h.read({ reader: "r", partition: 0, offset: r.offset, value: r.value });
      });
      assertEquals(formatViolations(h.check()), "");
      assertEquals(log.logEndOffset, written.length);
      if (finished) assertEquals(log.logStartOffset, activeBase);
    },
  });
  assert(points * STRIDE > 5, `only ${points} crash points`);
});
