import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { seeded } from "../../actors/partition/log/_testing.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { FaultFileSystem, InjectedIoError } from "./fault_fs.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

Deno.test("`FaultFileSystem.powerLoss()` keeps fsynced bytes and drops the rest", async () => {
  await using dir = await tempDir();
  const fs = new FaultFileSystem();
  const f = fs.open(`${dir.path}/a`, { create: true });
  f.writeAt(bytes(1, 2, 3), 0);
  f.sync();
  f.writeAt(bytes(9), 1); // overwrite inside the durable part
  f.writeAt(bytes(4, 5), 3);
  assertEquals(fs.unsyncedBytes(`${dir.path}/a`), 3);
  const report = fs.powerLoss();
  f.close();
  assertEquals(report.droppedBytes, 3);
  assertEquals(await Deno.readFile(`${dir.path}/a`), bytes(1, 2, 3));
  assertThrows(() => fs.open(`${dir.path}/a`), InjectedIoError, "lost power");
});

Deno.test("`FaultFileSystem.powerLoss()` restores bytes cut by an unsynced truncate", async () => {
  await using dir = await tempDir();
  const fs = new FaultFileSystem();
  const f = fs.open(`${dir.path}/a`, { create: true });
  f.writeAt(bytes(1, 2, 3, 4), 0);
  f.sync();
  f.truncate(1);
  f.writeAt(bytes(7), 1);
  fs.powerLoss();
  f.close();
  assertEquals(await Deno.readFile(`${dir.path}/a`), bytes(1, 2, 3, 4));
});

Deno.test("`FaultFileSystem.powerLoss()` with randomness keeps a prefix and tears the next write", async () => {
  await using dir = await tempDir();
  let sawTorn = false;
  for (let seed = 0; seed < 20; seed++) {
    const fs = new FaultFileSystem();
    const path = `${dir.path}/s${seed}`;
    const f = fs.open(path, { create: true });
    const writes = [bytes(1, 1, 1, 1), bytes(2, 2, 2, 2), bytes(3, 3, 3, 3)];
    writes.forEach((w, i) => f.writeAt(w, i * 4));
    fs.powerLoss({ random: seeded(seed) });
    f.close();
    const got = await Deno.readFile(path);
    // Always a prefix of what was written, in order.
    const all = bytes(1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    assertEquals(got, all.subarray(0, got.length));
    if (got.length % 4 !== 0) sawTorn = true;
  }
  assert(sawTorn, "no seed tore a write");
});

Deno.test("`FaultFileSystem` fails writes with ENOSPC after a partial write", async () => {
  await using dir = await tempDir();
  const fs = new FaultFileSystem();
  const f = fs.open(`${dir.path}/a`, { create: true });
  fs.failWrites = { partialBytes: 2 };
  const err = assertThrows(() => f.writeAt(bytes(1, 2, 3, 4), 0), InjectedIoError);
  assertEquals(err.code, "ENOSPC");
  assertEquals(f.size(), 2);
  fs.failWrites = null;
  f.writeAt(bytes(5), 2);
  assertEquals(fs.stats.writeFailures, 1);
  f.close();
});

Deno.test("`FaultFileSystem` loses writes of a failed fsync even after a later fsync succeeds", async () => {
  await using dir = await tempDir();
  const fs = new FaultFileSystem();
  const f = fs.open(`${dir.path}/a`, { create: true });
  f.writeAt(bytes(1, 2), 0);
  f.sync();
  f.writeAt(bytes(3, 4), 2);
  fs.failSyncs = { times: 1 };
  const err = await assertRejects(() => f.syncAsync(), InjectedIoError);
  assertEquals(err.code, "EIO");
  assertEquals(fs.failSyncs, null);
  f.writeAt(bytes(5, 6), 4);
  f.sync(); // "succeeds", but bytes 2..3 never reach the disk
  const back = new Uint8Array(6);
  assertEquals(f.readAt(back, 0), 6); // still readable from the page cache
  fs.powerLoss();
  f.close();
  assertEquals(await Deno.readFile(`${dir.path}/a`), bytes(1, 2, 0, 0, 5, 6));
});

Deno.test("`FaultFileSystem` saves lost writes once they are written again and fsynced", async () => {
  await using dir = await tempDir();
  const fs = new FaultFileSystem();
  const f = fs.open(`${dir.path}/a`, { create: true });
  f.writeAt(bytes(3, 4), 0);
  fs.failSyncs = {};
  assertThrows(() => f.sync(), InjectedIoError);
  assertThrows(() => f.sync(), InjectedIoError);
  fs.failSyncs = null;
  f.writeAt(bytes(3, 4), 0);
  f.sync();
  fs.powerLoss();
  f.close();
  assertEquals(await Deno.readFile(`${dir.path}/a`), bytes(3, 4));
});

Deno.test("`FaultFileSystem` follows renames and treats truncating opens as changes", async () => {
  await using dir = await tempDir();
  const fs = new FaultFileSystem();
  const f = fs.open(`${dir.path}/tmp`, { create: true });
  f.writeAt(bytes(1), 0);
  f.sync();
  f.close();
  fs.rename(`${dir.path}/tmp`, `${dir.path}/b`);
  const g = fs.open(`${dir.path}/b`, { create: true, truncate: true });
  g.writeAt(bytes(2, 2), 0);
  g.close();
  fs.powerLoss();
  assertEquals(await Deno.readFile(`${dir.path}/b`), bytes(1));
});
