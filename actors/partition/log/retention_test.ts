import { assertEquals } from "@std/assert";
import { crc32c } from "../../../client/protocol/mod.ts";
import { Log } from "./log.ts";
import { planRetention, type RetentionInput } from "./retention.ts";
import { batchOf, fakeClock, tempDir } from "./_testing.ts";

const base: RetentionInput = {
  segments: [
    { baseOffset: 0, size: 100, maxTimestamp: 100 },
    { baseOffset: 10, size: 100, maxTimestamp: 200 },
    { baseOffset: 20, size: 100, maxTimestamp: 300 },
    { baseOffset: 30, size: 100, maxTimestamp: 400 },
  ],
  logStartOffset: 0,
  now: 1000,
  retentionMs: -1,
  retentionBytes: -1,
  deletePolicy: true,
  maxSegments: 10,
};

Deno.test("`planRetention()` deletes closed segments older than retention.ms, never the active one", () => {
  assertEquals(planRetention({ ...base, retentionMs: 750 }).deleteCount, 2);
  const all = planRetention({ ...base, retentionMs: 0 });
  assertEquals([all.deleteCount, all.logStartOffset], [3, 30]);
  assertEquals(planRetention({ ...base, retentionMs: 0, maxSegments: 1 }).deleteCount, 1);
});

Deno.test("`planRetention()` keeps the log at or above retention.bytes", () => {
  assertEquals(planRetention({ ...base, retentionBytes: 250 }).deleteCount, 1);
  assertEquals(planRetention({ ...base, retentionBytes: 200 }).deleteCount, 2);
  assertEquals(planRetention({ ...base, retentionBytes: 0 }).deleteCount, 3);
});

Deno.test("`planRetention()` deletes below the log start offset even for compact-only topics", () => {
  const plan = planRetention({ ...base, logStartOffset: 25, deletePolicy: false, retentionMs: 0 });
  assertEquals([plan.deleteCount, plan.logStartOffset, plan.reasons], [2, 25, [
    "logStart",
    "logStart",
  ]]);
});

Deno.test("`Log.retentionStep()` deletes expired segments with a fake clock and persists the start", async () => {
  await using dir = await tempDir();
  const clock = fakeClock(10_000);
  {
    using log = await Log.open(dir.path, {
      crc: crc32c,
      clock,
      config: { segmentBytes: 400, retentionMs: 50_000 },
    });
    for (let i = 0; i < 12; i++) {
      clock.t += 1000;
      log.append(batchOf(2, { now: clock.t }));
    }
    const segments = log.segmentCount;
    assertEquals(log.retentionStep().deletedSegments, 0);
    log.updateConfig({ retentionMs: 5_000 });
    const step = log.retentionStep();
    assertEquals(step.deletedSegments > 0, true);
    assertEquals(log.segmentCount, segments - step.deletedSegments);
    assertEquals(step.logStartOffset, log.segmentBaseOffsets[0]);
    assertEquals(log.logStartOffset, step.logStartOffset);
    assertEquals(log.read(log.logStartOffset, { maxBytes: 1 }).bytes.length > 0, true);
    clock.t += 100_000;
    log.retentionStep();
    assertEquals(log.segmentCount, 1);
  }
  using log = await Log.open(dir.path, { crc: crc32c, clock });
  assertEquals(log.logStartOffset, log.segmentBaseOffsets[0]);
  assertEquals(log.logStartOffset > 0, true);
});
