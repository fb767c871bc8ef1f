/**
 * {@linkcode BrokerMetrics}: one broker's Prometheus metrics (prom-client),
 * one registry per broker (no module globals, no default registry).
 *
 * Counters and histograms are fed by the HTTP edge as requests pass (records
 * and bytes from batch headers, never per record); gauges are filled at
 * scrape time from a {@linkcode MetricsSource} (partition statuses, group
 * lag, actor hosts and restarts). Metric names:
 *
 * - `weir_records_in_total{topic}`, `weir_bytes_in_total{topic}`: appended
 *   (counted when the append is answered; `acks=0` when it is sent).
 * - `weir_records_out_total{topic}`, `weir_bytes_out_total{topic}`: whole
 *   batches returned by fetches (a fetch starts at the batch holding its
 *   offset, so a few records before it may be counted).
 * - `weir_request_duration_seconds{method,route,status}`: by Hono's matched
 *   route pattern (`/v1/topics/:topic`), `unmatched` for a 404.
 * - `weir_produce_duration_seconds{acks="0"|"1"|"all"}`, `weir_fetch_duration_seconds`:
 *   backend time of appends and fetches (fetch includes long-poll waits).
 * - `weir_rejected_requests_total{code}`: error answers by `WeirError` code.
 * - `weir_throttled_requests_total{principal,kind}`: requests refused by a quota
 *   (`kind` = `produce`, `fetch` or `request`).
 * - `weir_auth_failures_total{listener,reason}`: failed authentications
 *   (`listener` = `http` or `kafka`; `reason` = `invalid_key`, or `locked_out`
 *   for attempts refused unchecked from an address with too many failures).
 * - `weir_partition_log_end_offset{topic,partition}`,
 *   `weir_partition_size_bytes{topic,partition}`.
 * - `weir_group_lag{group,topic,partition}`: active groups only.
 * - `weir_actor_restarts_total{kind}`, `weir_actors{kind,host}`,
 *   `weir_workers`: live actors by host and Workers in all.
 * - `weir_log_fsyncs_total`, `weir_log_fsync_seconds_total`: summed over the
 *   running partitions (a partition that stops takes its share away, which
 *   Prometheus reads as a counter reset).
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { MetricsSource } from "./metrics_source.ts";

/** Buckets (seconds) of the latency histograms: 0.5 ms to 10 s. */
const LATENCY_BUCKETS = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

/** Options of {@linkcode BrokerMetrics}. */
export interface BrokerMetricsOptions {
  /** Where scrape-time gauges come from; without one only the edge's counters are shown. */
  source?: MetricsSource;
}

/** One broker's metrics registry and the hooks that feed it. */
export class BrokerMetrics {
  /** `Content-Type` of {@linkcode BrokerMetrics.render}'s text. */
  readonly contentType: string;
  readonly #registry = new Registry();
  readonly #source: MetricsSource | undefined;
  readonly #recordsIn: Counter<"topic">;
  readonly #recordsOut: Counter<"topic">;
  readonly #bytesIn: Counter<"topic">;
  readonly #bytesOut: Counter<"topic">;
  readonly #requests: Histogram<"method" | "route" | "status">;
  readonly #produce: Histogram<"acks">;
  readonly #fetch: Histogram<string>;
  readonly #rejected: Counter<"code">;
  readonly #throttled: Counter<"principal" | "kind">;
  readonly #authFailures: Counter<"listener" | "reason">;
  readonly #logEnd: Gauge<"topic" | "partition">;
  readonly #size: Gauge<"topic" | "partition">;
  readonly #lag: Gauge<"group" | "topic" | "partition">;
  readonly #restarts: Counter<"kind">;
  readonly #actors: Gauge<"kind" | "host">;
  readonly #workers: Gauge<string>;
  readonly #fsyncs: Counter<string>;
  readonly #fsyncSeconds: Counter<string>;

  /**
   * Creates the registry and every metric.
   *
   * @param options The scrape-time source.
   *
   * @example Count a produce and render it
   * ```ts
   * import { BrokerMetrics } from "./broker_metrics.ts";
   * import { assertStringIncludes } from "@std/assert";
   *
   * const metrics = new BrokerMetrics();
   * metrics.produced("orders", { records: 3, bytes: 200, seconds: 0.002, acks: 1 });
   * const text = await metrics.render();
   * assertStringIncludes(text, 'weir_records_in_total{topic="orders"} 3');
   * ```
   */
  constructor(options: BrokerMetricsOptions = {}) {
    this.#source = options.source;
    this.contentType = this.#registry.contentType;
    const registers = [this.#registry];
    const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Counter<L>({ name, help, labelNames, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Gauge<L>({ name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Histogram<L>({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers });
    this.#recordsIn = counter("weir_records_in_total", "Records appended, by topic", ["topic"]);
    this.#bytesIn = counter("weir_bytes_in_total", "Batch bytes appended, by topic", ["topic"]);
    this.#recordsOut = counter("weir_records_out_total", "Records fetched, by topic", ["topic"]);
    this.#bytesOut = counter("weir_bytes_out_total", "Batch bytes fetched, by topic", ["topic"]);
    this.#requests = histogram(
      "weir_request_duration_seconds",
      "HTTP request duration by method, route pattern and status",
      ["method", "route", "status"],
    );
    this.#produce = histogram(
      "weir_produce_duration_seconds",
      "Time to append batches to a partition, by acks",
      ["acks"],
    );
    this.#fetch = histogram(
      "weir_fetch_duration_seconds",
      "Time to fetch batches from a partition (long-poll waits included)",
      [],
    );
    this.#rejected = counter(
      "weir_rejected_requests_total",
      "Requests answered with an error, by error code",
      ["code"],
    );
    this.#throttled = counter(
      "weir_throttled_requests_total",
      "Requests refused by a quota (429), by principal (or client IP) and quota kind",
      ["principal", "kind"],
    );
    this.#authFailures = counter(
      "weir_auth_failures_total",
      "Failed authentications, by listener and reason (invalid_key or locked_out)",
      ["listener", "reason"],
    );
    this.#logEnd = gauge(
      "weir_partition_log_end_offset",
      "Offset the next record of the partition will get",
      ["topic", "partition"],
    );
    this.#size = gauge(
      "weir_partition_size_bytes",
      "Bytes of the partition's segments on disk",
      ["topic", "partition"],
    );
    this.#lag = gauge(
      "weir_group_lag",
      "High watermark minus committed offset, per active group and partition",
      ["group", "topic", "partition"],
    );
    this.#restarts = counter(
      "weir_actor_restarts_total",
      "Actor restarts after a crash, by kind",
      ["kind"],
    );
    this.#actors = gauge("weir_actors", "Live actors by kind and host", ["kind", "host"]);
    this.#workers = gauge("weir_workers", "Live actor Workers", []);
    this.#fsyncs = counter("weir_log_fsyncs_total", "fsyncs of partition logs", []);
    this.#fsyncSeconds = counter(
      "weir_log_fsync_seconds_total",
      "Seconds spent in fsyncs of partition logs",
      [],
    );
  }

  /**
   * Counts an answered append.
   *
   * @param topic The topic appended to.
   * @param sample Records and bytes (from the batch headers), backend seconds and acks
   *   (`-1` is labelled `all`).
   */
  produced(
    topic: string,
    sample: { records: number; bytes: number; seconds: number; acks: number },
  ): void {
    this.#recordsIn.inc({ topic }, sample.records);
    this.#bytesIn.inc({ topic }, sample.bytes);
    this.#produce.observe(
      { acks: sample.acks === -1 ? "all" : String(sample.acks) },
      sample.seconds,
    );
  }

  /**
   * Counts an answered fetch.
   *
   * @param topic The topic fetched from.
   * @param sample Records and bytes returned (from the batch headers) and backend seconds.
   */
  fetched(topic: string, sample: { records: number; bytes: number; seconds: number }): void {
    if (sample.records > 0) this.#recordsOut.inc({ topic }, sample.records);
    if (sample.bytes > 0) this.#bytesOut.inc({ topic }, sample.bytes);
    this.#fetch.observe(sample.seconds);
  }

  /**
   * Records one HTTP request's duration.
   *
   * @param sample Method, matched route pattern, status and seconds.
   */
  request(sample: { method: string; route: string; status: number; seconds: number }): void {
    this.#requests.observe(
      { method: sample.method, route: sample.route, status: String(sample.status) },
      sample.seconds,
    );
  }

  /**
   * Counts a request answered with an error.
   *
   * @param code The `WeirError` code sent.
   */
  rejected(code: string): void {
    this.#rejected.inc({ code });
  }

  /**
   * Counts a request refused by a quota.
   *
   * @param principal The principal's name, or `ip:<address>` without auth.
   * @param kind `produce`, `fetch` or `request`.
   */
  throttled(principal: string, kind: string): void {
    this.#throttled.inc({ principal, kind });
  }

  /**
   * Counts a failed (or, from a locked-out address, refused) authentication.
   *
   * @param listener `http` or `kafka`.
   * @param reason `invalid_key` or `locked_out`.
   */
  authFailed(listener: string, reason: string): void {
    this.#authFailures.inc({ listener, reason });
  }

  /**
   * Fills the scrape-time gauges from the source, then renders every metric
   * in the Prometheus text format (version 0.0.4).
   *
   * @returns The exposition text.
   */
  async render(): Promise<string> {
    if (this.#source !== undefined) {
      const snap = await this.#source.collectMetrics();
      this.#logEnd.reset();
      this.#size.reset();
      let fsyncs = 0;
      let fsyncSeconds = 0;
      for (const p of snap.partitions) {
        const labels = { topic: p.topic, partition: String(p.partition) };
        this.#logEnd.set(labels, p.logEndOffset);
        this.#size.set(labels, p.size);
        fsyncs += p.fsyncs;
        fsyncSeconds += p.fsyncSeconds;
      }
      this.#fsyncs.reset();
      this.#fsyncs.inc(fsyncs);
      this.#fsyncSeconds.reset();
      this.#fsyncSeconds.inc(fsyncSeconds);
      this.#lag.reset();
      for (const l of snap.groupLags) {
        this.#lag.set({ group: l.group, topic: l.topic, partition: String(l.partition) }, l.lag);
      }
      this.#restarts.reset();
      this.#actors.reset();
      let workers = 0;
      for (const [kind, counts] of Object.entries(snap.hosts)) {
        this.#restarts.inc({ kind }, 0);
        this.#actors.set({ kind, host: "worker" }, counts.worker);
        this.#actors.set({ kind, host: "inline" }, counts.inline);
        workers += counts.worker;
      }
      for (const [kind, n] of Object.entries(snap.restarts)) this.#restarts.inc({ kind }, n);
      this.#workers.set(workers);
    }
    return await this.#registry.metrics();
  }
}
