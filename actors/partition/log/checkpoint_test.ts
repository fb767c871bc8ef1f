import { assertEquals } from "@std/assert";
import { readCheckpoint, writeCheckpoint } from "./checkpoint.ts";
import { denoFileSystem } from "./log_fs.ts";
import { tempDir } from "./_testing.ts";

Deno.test("`writeCheckpoint()` replaces the file atomically and leaves no temp file", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/recovery-point.checkpoint`;
  writeCheckpoint(denoFileSystem, path, { offset: 1, dir: dir.path });
  writeCheckpoint(denoFileSystem, path, { offset: 2 ** 40, dir: dir.path });
  assertEquals(readCheckpoint(denoFileSystem, path), 2 ** 40);
  assertEquals(denoFileSystem.list(dir.path), ["recovery-point.checkpoint"]);
});

Deno.test("`readCheckpoint()` treats garbage as missing", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/cp`;
  for (const text of ["", "0\n", "1\n5\n", "0\n-5\n", "0\nabc\n", "0\n5"]) {
    await Deno.writeTextFile(path, text);
    assertEquals(readCheckpoint(denoFileSystem, path), null, JSON.stringify(text));
  }
});
