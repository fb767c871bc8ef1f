import { assertEquals, assertThrows } from "@std/assert";
import { WeirError } from "../../client/protocol/mod.ts";
import { placeReplicas } from "./placement.ts";

Deno.test("placeReplicas() spreads leaders evenly over the live nodes", () => {
  const plan = placeReplicas([2, 1, 3], { partitions: 6, replicationFactor: 3 });
  const leaders = plan.map((a) => a.leader);
  for (const n of [1, 2, 3]) assertEquals(leaders.filter((l) => l === n).length, 2);
  for (const a of plan) {
    assertEquals(new Set(a.replicas).size, 3, "replicas on distinct nodes");
    assertEquals(a.isr, a.replicas);
    assertEquals(a.leaderEpoch, 0);
    assertEquals(a.leader, a.replicas[0]);
  }
});

Deno.test("placeReplicas() starts the round robin at the offset", () => {
  const plan = placeReplicas([1, 2, 3], { partitions: 2, replicationFactor: 1, offset: 2 });
  assertEquals(plan.map((a) => a.replicas), [[3], [1]]);
});

Deno.test("placeReplicas() rejects a replication factor above the live node count", () => {
  const e = assertThrows(
    () => placeReplicas([1, 2], { partitions: 1, replicationFactor: 3 }),
    WeirError,
    "larger than the 2 live node(s)",
  );
  assertEquals(e.code, "INVALID_REPLICATION_FACTOR");
});
