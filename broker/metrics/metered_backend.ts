/**
 * {@linkcode meteredBackend}: an {@linkcode EdgeBackend} that counts records
 * and bytes in and out (from batch headers) and times appends and fetches,
 * delegating everything to the backend it wraps.
 *
 * @module
 */
import type {
  AppendBatchesOptions,
  EdgeBackend,
  FetchBatchesOptions,
  FetchBatchesResult,
} from "../http/backend.ts";
import type { BatchProduceResponse } from "../../client/protocol/mod.ts";
import { countBatches } from "./batch_counts.ts";
import type { BrokerMetrics } from "./broker_metrics.ts";

/**
 * Wraps a backend so appends and fetches feed `metrics`. Every other member
 * is the backend's own (bound to it, so private fields keep working).
 *
 * @param backend The backend to wrap.
 * @param metrics Where counts and latencies go.
 * @returns The metered backend.
 *
 * @example Count what a fetch returns
 * ```ts
 * import { meteredBackend } from "./metered_backend.ts";
 * import { BrokerMetrics } from "./broker_metrics.ts";
 * import type { EdgeBackend } from "../http/backend.ts";
 * import { encodeRecordBatch } from "../../client/protocol/mod.ts";
 * import { assertStringIncludes } from "@std/assert";
 *
 * const batches = encodeRecordBatch([{ value: null }, { value: null }], { now: 1 });
 * const fake = {
 *   limits: { maxRequestBytes: 1024 },
 *   fetchBatches: () =>
 *     Promise.resolve({ batches, nextOffset: 2, highWatermark: 2, logStartOffset: 0 }),
 * } as unknown as EdgeBackend;
 * const metrics = new BrokerMetrics();
 * await meteredBackend(fake, metrics).fetchBatches("t", 0, {
 *   offset: 0, maxBytes: 1024, maxRecords: 10, waitMs: 0,
 * });
 * assertStringIncludes(await metrics.render(), 'weir_records_out_total{topic="t"} 2');
 * ```
 */
export function meteredBackend(backend: EdgeBackend, metrics: BrokerMetrics): EdgeBackend {
  const appendBatches = async (
    topic: string,
    partition: number,
    batches: Uint8Array,
    options: AppendBatchesOptions,
  ): Promise<BatchProduceResponse> => {
    const counts = countBatches(batches); // before the buffer is transferred away
    const started = performance.now();
    const reply = await backend.appendBatches(topic, partition, batches, options);
    metrics.produced(topic, {
      ...counts,
      seconds: (performance.now() - started) / 1000,
      acks: options.acks,
    });
    return reply;
  };
  const fetchBatches = async (
    topic: string,
    partition: number,
    options: FetchBatchesOptions,
  ): Promise<FetchBatchesResult> => {
    const started = performance.now();
    const result = await backend.fetchBatches(topic, partition, options);
    metrics.fetched(topic, {
      ...countBatches(result.batches),
      seconds: (performance.now() - started) / 1000,
    });
    return result;
  };
  return new Proxy(backend, {
    get(target, prop) {
      if (prop === "appendBatches") return appendBatches;
      if (prop === "fetchBatches") return fetchBatches;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
