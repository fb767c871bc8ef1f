/**
 * Simulated power loss under a real PartitionActor (inline, real files)
 * through the fault layer; `deno task soak` runs many more iterations.
 */
import { assertEquals, assertGreater } from "@std/assert";
import { formatViolations } from "../_helpers/history_checker.ts";
import { runPowerLoss } from "./power_loss.ts";

Deno.test("partition keeps every acks=all record through simulated power losses", async () => {
  const result = await runPowerLoss({ iterations: 15, seed: 1, acks: "all" });
  assertEquals(formatViolations(result.violations), "");
  assertEquals(result.iterations, 15);
  assertGreater(result.acked, 100);
  assertGreater(result.recordsChecked, 100);
  assertEquals(result.lost, 0);
  assertEquals(result.lostUnsynced, 0);
  // The cuts really hit written-but-unsynced bytes (acks=all appends waiting for their fsync).
  assertGreater(result.cutsWithUnsyncedData, 3);
});

Deno.test("partition loses at most the unsynced tail of acks=1 records at a power loss", async () => {
  const result = await runPowerLoss({ iterations: 20, seed: 2, acks: 1 });
  assertEquals(formatViolations(result.violations), "");
  assertGreater(result.acked, 100);
  assertEquals(result.lost, 0);
  // acks=1 really is weaker: some acknowledged records were in the page cache only.
  assertGreater(result.lostUnsynced, 0);
});
