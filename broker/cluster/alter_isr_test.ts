import { assertEquals, assertThrows } from "@std/assert";
import { WeirError } from "../../client/protocol/mod.ts";
import { planAlterIsr } from "./alter_isr.ts";

const current = { replicas: [1, 2, 3], leader: 2, leaderEpoch: 3, isr: [2, 3] };
const proposal = { topic: "t", partition: 0, leaderEpoch: 3 };

Deno.test("planAlterIsr() takes the leader's ISR with the leader first", () => {
  assertEquals(planAlterIsr(current, { ...proposal, isr: [3, 1, 2] }).isr, [2, 3, 1]);
});

Deno.test("planAlterIsr() fences a stale leader epoch", () => {
  const e = assertThrows(
    () => planAlterIsr(current, { ...proposal, leaderEpoch: 2, isr: [2] }),
    WeirError,
  );
  assertEquals(e.code, "FENCED_LEADER_EPOCH");
});

Deno.test("planAlterIsr() refuses an ISR without the leader or with a non-replica", () => {
  assertEquals(
    assertThrows(() => planAlterIsr(current, { ...proposal, isr: [3] }), WeirError).code,
    "INVALID_REQUEST",
  );
  assertEquals(
    assertThrows(() => planAlterIsr(current, { ...proposal, isr: [2, 4] }), WeirError).code,
    "INVALID_REQUEST",
  );
});
