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
  // Hot path: no async wrapper (one promise layer less per request), no spread copies.
  const appendBatches = (
    topic: string,
    partition: number,
    batches: Uint8Array,
    options: AppendBatchesOptions,
  ): Promise<BatchProduceResponse> => {
    try {
      const counts = countBatches(batches); // before the buffer is transferred away
      const started = performance.now();
      return backend.appendBatches(topic, partition, batches, options).then((reply) => {
        metrics.produced(topic, {
          records: counts.records,
          bytes: counts.bytes,
          seconds: (performance.now() - started) / 1000,
          acks: options.acks,
        });
        return reply;
      });
    } catch (e) {
      return Promise.reject(e);
    }
  };
  const fetchBatches = (
    topic: string,
    partition: number,
    options: FetchBatchesOptions,
  ): Promise<FetchBatchesResult> => {
    try {
      const started = performance.now();
      return backend.fetchBatches(topic, partition, options).then((result) => {
        const counts = countBatches(result.batches);
        metrics.fetched(topic, {
          records: counts.records,
          bytes: counts.bytes,
          seconds: (performance.now() - started) / 1000,
        });
        return result;
      });
    } catch (e) {
      return Promise.reject(e);
    }
  };
  // Other methods are bound once per function, not on every access.
  const bound = new Map<PropertyKey, { fn: unknown; bound: unknown }>();
  return new Proxy(backend, {
    get(target, prop) {
      if (prop === "appendBatches") return appendBatches;
      if (prop === "fetchBatches") return fetchBatches;
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      let entry = bound.get(prop);
      if (entry?.fn !== value) {
        entry = { fn: value, bound: value.bind(target) };
        bound.set(prop, entry);
      }
      return entry.bound;
    },
  });
}
