import { assertEquals } from "@std/assert";
import { DEFAULT_RESTART_POLICY, planRestart } from "./supervisor.ts";

const policy = DEFAULT_RESTART_POLICY;

Deno.test("planRestart() doubles the backoff up to the cap", () => {
  let history: readonly number[] = [];
  const delays: number[] = [];
  const capped = { ...policy, maxRestarts: 10, maxBackoffMs: 1_000 };
  for (let i = 0; i < 6; i++) {
    const plan = planRestart(history, { now: i, policy: capped });
    if (!plan.restart) throw new Error("gave up too early");
    delays.push(plan.delayMs);
    history = plan.history;
  }
  assertEquals(delays, [100, 200, 400, 800, 1_000, 1_000]);
});

Deno.test("planRestart() gives up on the crash after maxRestarts within the window", () => {
  const history = [0, 1_000, 2_000, 3_000, 4_000];
  assertEquals(planRestart(history, { now: 5_000, policy }).restart, false);
});

Deno.test("planRestart() forgets restarts older than the window", () => {
  const history = [0, 1_000, 2_000, 3_000, 4_000];
  const plan = planRestart(history, { now: 60_500, policy });
  assertEquals(plan, {
    restart: true,
    delayMs: 1_600,
    history: [1_000, 2_000, 3_000, 4_000, 60_500],
  });
  const later = planRestart(history, { now: 200_000, policy });
  assertEquals(later, { restart: true, delayMs: 100, history: [200_000] });
});
