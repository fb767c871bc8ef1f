/**
 * What the metrics need from a broker at scrape time:
 * {@linkcode MetricsSource} returns one {@linkcode MetricsSnapshot}.
 * `BrokerNode` implements it; tests may pass any other implementation.
 *
 * @module
 */

/** One partition as seen at scrape time. */
export interface PartitionSample {
  /** Topic name. */
  topic: string;
  /** Partition number. */
  partition: number;
  /** Offset the next record will get. */
  logEndOffset: number;
  /** Bytes of all segments. */
  size: number;
  /** fsyncs done by the partition's log since its actor started. */
  fsyncs: number;
  /** Seconds spent in those fsyncs. */
  fsyncSeconds: number;
}

/** The lag of one partition in one consumer group. */
export interface GroupLagSample {
  /** Group id. */
  group: string;
  /** Topic name. */
  topic: string;
  /** Partition number. */
  partition: number;
  /** High watermark minus the committed offset (never negative). */
  lag: number;
}

/** Everything gathered from the actors for one scrape. */
export interface MetricsSnapshot {
  /** Every running partition (internal topics included). */
  partitions: PartitionSample[];
  /** Lag per committed partition of every active group. */
  groupLags: GroupLagSample[];
  /** Actor restarts so far per kind. */
  restarts: Record<string, number>;
  /** Live actors per kind, by host. */
  hosts: Record<string, { worker: number; inline: number }>;
}

/** Gathers a {@linkcode MetricsSnapshot}; asks actors with bounded concurrency. */
export interface MetricsSource {
  /** Gathers the scrape-time values. */
  collectMetrics(): Promise<MetricsSnapshot>;
}
