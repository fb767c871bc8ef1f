import { assert, assertEquals } from "@std/assert";
import { crc32c } from "@node-rs/crc32";
import { Log } from "./log.ts";
import { batchOf } from "./_testing.ts";
import { repairPartition, scanPartition } from "./repair.ts";
import { tempDir } from "../../../tests/_helpers/temp_dir.ts";
import { iterateBatches } from "../../../client/protocol/codec.ts";

/** Three segments of 4 batches of 5 records (offsets 0..59). */
async function threeSegments(dir: string): Promise<string[]> {
  const log = await Log.open(dir, { crc: crc32c });
  for (let s = 0; s < 3; s++) {
    for (let b = 0; b < 4; b++) log.append(batchOf(5));
    if (s < 2) log.roll();
  }
  const names = log.segmentBaseOffsets.map((b) => `${dir}/${String(b).padStart(20, "0")}.log`);
  log.close();
  return names;
}

Deno.test("`scanPartition()` finds nothing wrong in a clean log", async () => {
  await using dir = await tempDir();
  await threeSegments(dir.path);
  const report = scanPartition(dir.path, { crc: crc32c });
  assertEquals(report, { segments: 3, batches: 12, validEnd: 60, corrupt: null });
});

Deno.test("`repairPartition()` truncates at a bit flip in the middle and drops later segments", async () => {
  await using dir = await tempDir();
  const [, middle] = await threeSegments(dir.path);
  const bytes = await Deno.readFile(middle!);
  const third = [...iterateBatches(bytes)][2]!;
  bytes[third.pos + 65]! ^= 0x01;
  await Deno.writeFile(middle!, bytes);
  const dry = await repairPartition(dir.path, { crc: crc32c, dryRun: true });
  assertEquals(dry.repaired, false);
  assertEquals(dry.corrupt?.offset, 30);
  assertEquals(dry.corrupt?.segment, 20);
  assertEquals(dry.corrupt?.position, third.pos);
  assert(dry.corrupt!.reason.startsWith("CRC mismatch"), dry.corrupt!.reason);
  assertEquals(dry.removedSegments, [40]);
  assertEquals((await Deno.stat(middle!)).size, bytes.length, "a dry run changed the file");

  const done = await repairPartition(dir.path, { crc: crc32c });
  assertEquals(done.repaired, true);
  assertEquals(done.bytesCut, bytes.length - third.pos);
  assertEquals(scanPartition(dir.path, { crc: crc32c }).corrupt, null);
  using log = await Log.open(dir.path, { crc: crc32c });
  assertEquals(log.logEndOffset, 30);
  assertEquals(log.segmentBaseOffsets, [0, 20]);
  assertEquals(log.append(batchOf(1)).baseOffset, 30);
});

Deno.test("`scanPartition()` reports a batch length that runs past the segment", async () => {
  await using dir = await tempDir();
  const [first] = await threeSegments(dir.path);
  const bytes = await Deno.readFile(first!);
  const second = [...iterateBatches(bytes)][1]!;
  new DataView(bytes.buffer).setInt32(second.pos + 8, 1 << 30);
  await Deno.writeFile(first!, bytes);
  const report = scanPartition(dir.path, { crc: crc32c });
  assertEquals(report.corrupt?.offset, 5);
  assertEquals(report.corrupt?.reason, "batch length 1073741824 runs past the end of the segment");
  assertEquals(report.batches, 1);
});
