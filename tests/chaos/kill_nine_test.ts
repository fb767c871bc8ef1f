/**
 * kill -9 of the real broker under acks=all and acks=1 load (a few seeded
 * iterations; `deno task soak` runs many more).
 */
import { assertEquals, assertGreater } from "@std/assert";
import { tempDir } from "../_helpers/temp_dir.ts";
import { formatViolations } from "../_helpers/history_checker.ts";
import { runKillNine } from "./kill_nine.ts";

Deno.test("broker loses no acknowledged record when killed with SIGKILL under load", async () => {
  await using dir = await tempDir("weir-kill9-");
  const result = await runKillNine({
    dataDir: dir.path,
    iterations: 3,
    seed: 42,
    maxAcksPerIteration: 800,
  });
  assertEquals(result.iterations, 3);
  assertGreater(result.byAcks.all.acked, 0);
  assertGreater(result.byAcks.one.acked, 0);
  assertGreater(result.recordsChecked, result.byAcks.all.acked);
  assertEquals(formatViolations(result.violations), "");
  assertEquals(result.byAcks.all.lost, 0);
  assertEquals(result.byAcks.one.lost, 0);
});
