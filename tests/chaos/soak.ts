/**
 * `deno task soak [iterations=100] [seed=7] [kill|power]`: the long
 * durability runs that CI keeps short. Prints one summary line per
 * scenario, e.g. `kill -9 under acks=all: 100 iterations, 210000 acked,
 * 0 lost`, and exits 1 when any check failed. Power loss runs five times as
 * many iterations (they are cheap).
 *
 * @module
 */
import { formatViolations } from "../_helpers/history_checker.ts";
import { runKillNine } from "./kill_nine.ts";
import { runPowerLoss } from "./power_loss.ts";

const encoder = new TextEncoder();
const print = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));
const progress = (line: string) => Deno.stderr.writeSync(encoder.encode(line + "\n"));

/** kill -9 of a real broker; returns whether every check passed. */
async function soakKillNine(iterations: number, seed: number): Promise<boolean> {
  const dataDir = await Deno.makeTempDir({ prefix: "weir-soak-" });
  try {
    const started = performance.now();
    const kill = await runKillNine({
      dataDir,
      iterations,
      seed,
      maxAcksPerIteration: 5_000,
      onIteration: (i, r) => {
        if (i % 10 === 0) {
          progress(`  kill -9 iteration ${i}: ${r.byAcks.all.acked + r.byAcks.one.acked} acked`);
        }
      },
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    for (const [mode, t] of [["all", kill.byAcks.all], ["1", kill.byAcks.one]] as const) {
      print(
        `kill -9 under acks=${mode}: ${kill.iterations} iterations, ${t.acked} acked, ${t.lost} lost` +
          ` (${t.unknown} unacknowledged at the kill)`,
      );
    }
    print(`kill -9 read back and checked: ${kill.recordsChecked} records (${seconds} s)`);
    if (kill.violations.length === 0) return true;
    print(formatViolations(kill.violations));
    return false;
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

/** Simulated power loss under acks=all and acks=1; returns whether every check passed. */
async function soakPowerLoss(iterations: number, seed: number): Promise<boolean> {
  let ok = true;
  for (const acks of ["all", 1] as const) {
    const power = await runPowerLoss({ iterations, seed, acks });
    print(
      `power loss (unsynced writes dropped or torn) under acks=${acks}: ${power.iterations} iterations,` +
        ` ${power.acked} acked, ${power.lost} lost, ${power.lostUnsynced} unsynced acks=1 records lost` +
        `, ${power.recordsChecked} records checked, ${power.cutsWithUnsyncedData} cuts dropped unsynced bytes`,
    );
    if (power.violations.length > 0) {
      ok = false;
      print(formatViolations(power.violations));
    }
  }
  return ok;
}

if (import.meta.main) {
  const iterations = Number(Deno.args[0] ?? 100);
  const seed = Number(Deno.args[1] ?? 7);
  const only = Deno.args[2];
  let ok = true;
  if (only !== "power") ok = await soakKillNine(iterations, seed) && ok;
  if (only !== "kill") ok = await soakPowerLoss(iterations * 5, seed) && ok;
  Deno.exit(ok ? 0 : 1);
}
