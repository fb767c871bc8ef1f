/**
 * Pure parts of the comparison report: medians and ranges over repetitions,
 * Weir's advantage over each peer, and the text table.
 *
 * @module
 */

/** One measured run of one workload on one system. */
export interface Sample {
  /** `weir`, `nats`, `redis`. */
  peer: string;
  /** `P1` … `P4`, `P1x16`. */
  workload: string;
  /** Repetition index. */
  rep: number;
  /** Records moved. */
  records: number;
  /** Wall time of the measured part (ms). */
  wallMs: number;
  /** Records per second. */
  recordsPerSec: number;
  /** Send→receive latency percentiles (P3 only). */
  p50Ms?: number;
  /** 99th percentile send→receive latency (P3 only). */
  p99Ms?: number;
  /** CPU time of this (client) process during the run (ms). */
  clientCpuMs: number;
  /** CPU time of the server process during the run (ms). */
  serverCpuMs: number;
  /** Server RSS at the end of the run (bytes). */
  serverRssBytes: number;
}

/** Median and range of one metric. */
export interface Spread {
  /** Median (mean of the middle two for an even count). */
  median: number;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
  /** Number of values. */
  count: number;
}

/**
 * Median and range of values.
 *
 * @param values At least one number.
 * @returns The spread.
 * @throws RangeError when `values` is empty.
 */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError("Cannot summarise: no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, count: sorted.length };
}

/**
 * The `q` quantile (0..1) of values by nearest rank.
 *
 * @param sorted Values sorted ascending.
 * @param q Quantile.
 * @returns The value, or NaN when there are none.
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** What a row of the table reports. */
export interface Metric {
  /** Row label, e.g. `rec/s`. */
  label: string;
  /** Picks the value from a sample; undefined = not measured. */
  pick: (s: Sample) => number | undefined;
  /** Whether a larger value is better (throughput) or worse (latency). */
  higherIsBetter: boolean;
  /** Formats a value. */
  format: (v: number) => string;
}

/** One cell: a spread and Weir's advantage over this peer (>1 = Weir ahead). */
export interface Cell {
  /** Median and range. */
  spread: Spread;
  /** Weir's median relative to this peer's, oriented so that >1 means Weir is better. */
  advantage: number | undefined;
}

/** One row of the table. */
export interface Row {
  /** Workload. */
  workload: string;
  /** Metric label. */
  metric: string;
  /** Cells by peer. */
  cells: Map<string, Cell>;
  /** Formats a value of this row. */
  format: (v: number) => string;
}

/**
 * Weir's advantage: `weir / peer` when higher is better, `peer / weir` when
 * lower is better; undefined when either is missing or zero.
 *
 * @param weir Weir's median.
 * @param peer The peer's median.
 * @param options Orientation.
 * @returns The ratio.
 */
export function advantage(
  weir: number | undefined,
  peer: number | undefined,
  options: { higherIsBetter: boolean },
): number | undefined {
  if (weir === undefined || peer === undefined || weir <= 0 || peer <= 0) return undefined;
  return options.higherIsBetter ? weir / peer : peer / weir;
}

/**
 * Groups samples into rows: per workload, per metric, one cell per peer.
 *
 * @param samples Every sample of the run.
 * @param metrics Metrics to report, in order.
 * @returns Rows in workload order of first appearance.
 */
export function summarize(samples: readonly Sample[], metrics: readonly Metric[]): Row[] {
  const workloads = [...new Set(samples.map((s) => s.workload))];
  const peers = [...new Set(samples.map((s) => s.peer))];
  const rows: Row[] = [];
  for (const workload of workloads) {
    for (const metric of metrics) {
      const spreads = new Map<string, Spread>();
      for (const peer of peers) {
        const values = samples
          .filter((s) => s.workload === workload && s.peer === peer)
          .map(metric.pick)
          .filter((v): v is number => v !== undefined && Number.isFinite(v));
        if (values.length > 0) spreads.set(peer, spread(values));
      }
      if (spreads.size === 0) continue;
      const weir = spreads.get("weir")?.median;
      const cells = new Map<string, Cell>();
      for (const [peer, s] of spreads) {
        cells.set(peer, {
          spread: s,
          advantage: peer === "weir" ? undefined : advantage(weir, s.median, metric),
        });
      }
      rows.push({ workload, metric: metric.label, cells, format: metric.format });
    }
  }
  return rows;
}

/**
 * Formats a number with k/M suffixes (3 significant digits).
 *
 * @param v Value.
 * @returns Text.
 */
export function compact(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (abs >= 1e3) return `${(v / 1e3).toPrecision(3)}k`;
  return v.toPrecision(3);
}

/** The metrics of the comparison table. */
export const METRICS: readonly Metric[] = [
  {
    label: "rec/s",
    pick: (s) => (s.p99Ms === undefined ? s.recordsPerSec : undefined),
    higherIsBetter: true,
    format: compact,
  },
  { label: "p50 ms", pick: (s) => s.p50Ms, higherIsBetter: false, format: (v) => v.toFixed(2) },
  { label: "p99 ms", pick: (s) => s.p99Ms, higherIsBetter: false, format: (v) => v.toFixed(2) },
  {
    label: "client CPU s",
    pick: (s) => s.clientCpuMs / 1000,
    higherIsBetter: false,
    format: (v) => v.toFixed(2),
  },
  {
    label: "server CPU s",
    pick: (s) => s.serverCpuMs / 1000,
    higherIsBetter: false,
    format: (v) => v.toFixed(2),
  },
  {
    label: "server RSS MB",
    pick: (s) => s.serverRssBytes / 1e6,
    higherIsBetter: false,
    format: (v) => v.toFixed(0),
  },
];

/**
 * Renders rows as a fixed-width text table: `median (min–max)` per peer and,
 * for peers, `W×` = Weir's advantage (>1 = Weir ahead).
 *
 * @param rows Rows from {@linkcode summarize}.
 * @param peers Column order (Weir first).
 * @returns The table, one line per row plus a header.
 */
export function formatTable(rows: readonly Row[], peers: readonly string[]): string {
  const header = ["workload", "metric", ...peers.map((p) => (p === "weir" ? p : `${p} (W×)`))];
  const body = rows.map((r) => [
    r.workload,
    r.metric,
    ...peers.map((p) => {
      const c = r.cells.get(p);
      if (c === undefined) return "—";
      const { median, min, max, count } = c.spread;
      const range = count > 1 ? ` (${r.format(min)}–${r.format(max)})` : "";
      const adv = c.advantage === undefined ? "" : `  W×${c.advantage.toFixed(2)}`;
      return `${r.format(median)}${range}${adv}`;
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cols: string[]) => cols.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
