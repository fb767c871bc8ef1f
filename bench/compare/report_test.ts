import { assertAlmostEquals, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import {
  advantage,
  compact,
  formatTable,
  METRICS,
  quantile,
  type Sample,
  spread,
  summarize,
} from "./report.ts";
import { parseStatCpuMs } from "./proc_stats.ts";

function sample(peer: string, workload: string, rep: number, extra: Partial<Sample>): Sample {
  return {
    peer,
    workload,
    rep,
    records: 1000,
    wallMs: 1000,
    recordsPerSec: 1000,
    clientCpuMs: 500,
    serverCpuMs: 250,
    serverRssBytes: 50e6,
    ...extra,
  };
}

Deno.test("spread() gives median and range for odd and even counts", () => {
  assertEquals(spread([3, 1, 2]), { median: 2, min: 1, max: 3, count: 3 });
  assertEquals(spread([4, 1, 2, 3]), { median: 2.5, min: 1, max: 4, count: 4 });
  assertThrows(() => spread([]), RangeError);
});

Deno.test("quantile() picks by nearest rank", () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assertEquals(quantile(sorted, 0.5), 50);
  assertEquals(quantile(sorted, 0.99), 99);
  assertEquals(quantile(sorted, 1), 100);
  assertEquals(Number.isNaN(quantile([], 0.5)), true);
});

Deno.test("advantage() is above 1 when Weir is ahead, whichever way the metric points", () => {
  assertEquals(advantage(300, 100, { higherIsBetter: true }), 3);
  assertEquals(advantage(0.5, 2, { higherIsBetter: false }), 4);
  assertEquals(advantage(undefined, 2, { higherIsBetter: false }), undefined);
  assertEquals(advantage(1, 0, { higherIsBetter: true }), undefined);
});

Deno.test("summarize() computes medians per peer and Weir's advantage per cell", () => {
  const samples = [
    sample("weir", "P1", 0, { recordsPerSec: 300 }),
    sample("weir", "P1", 1, { recordsPerSec: 500 }),
    sample("weir", "P1", 2, { recordsPerSec: 400 }),
    sample("nats", "P1", 0, { recordsPerSec: 100 }),
    sample("nats", "P1", 1, { recordsPerSec: 200 }),
    sample("weir", "P3", 0, { p50Ms: 1, p99Ms: 2 }),
    sample("redis", "P3", 0, { p50Ms: 0.5, p99Ms: 3 }),
  ];
  const rows = summarize(samples, METRICS);
  const p1 = rows.find((r) => r.workload === "P1" && r.metric === "rec/s")!;
  assertEquals(p1.cells.get("weir")!.spread.median, 400);
  assertEquals(p1.cells.get("nats")!.spread.median, 150);
  assertAlmostEquals(p1.cells.get("nats")!.advantage!, 400 / 150);
  assertEquals(rows.some((r) => r.workload === "P3" && r.metric === "rec/s"), false);
  const p99 = rows.find((r) => r.workload === "P3" && r.metric === "p99 ms")!;
  assertEquals(p99.cells.get("redis")!.advantage, 1.5);
  const table = formatTable(rows, ["weir", "nats", "redis"]);
  assertStringIncludes(table, "400 (300–500)");
  assertStringIncludes(table, "W×2.67");
  assertStringIncludes(table, "W×1.50");
  assertEquals(table.split("\n")[0]!.startsWith("workload  metric"), true);
});

Deno.test("compact() abbreviates thousands and millions", () => {
  assertEquals(compact(1_234_567), "1.23M");
  assertEquals(compact(285_000), "285k");
  assertEquals(compact(12.5), "12.5");
});

Deno.test("parseStatCpuMs() reads utime + stime after a command name with spaces", () => {
  const stat = "1234 (deno worker) S 1 2 3 4 5 6 7 8 9 10 150 50 0 0 20 0 5 0 100 1000 200";
  assertEquals(parseStatCpuMs(stat), 2000);
  assertThrows(() => parseStatCpuMs("garbage"), Error, "Cannot read CPU time");
});
