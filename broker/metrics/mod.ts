/**
 * Weir's broker metrics: a per-broker Prometheus registry
 * ({@linkcode BrokerMetrics}), the edge hooks that feed it and the
 * scrape-time source interface `BrokerNode` implements.
 *
 * @module
 */
export { type BatchCounts, countBatches } from "./batch_counts.ts";
export { BrokerMetrics, type BrokerMetricsOptions } from "./broker_metrics.ts";
export { mapBounded } from "./map_bounded.ts";
export { meteredBackend } from "./metered_backend.ts";
export type {
  GroupLagSample,
  MetricsSnapshot,
  MetricsSource,
  PartitionSample,
} from "./metrics_source.ts";
export { requestTiming, routeLabel, UNMATCHED_ROUTE } from "./request_timing.ts";
