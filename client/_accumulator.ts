/**
 * The producer's per-partition record accumulator: records wait here until
 * `lingerMs` passes or `maxBatchBytes` is reached, then leave as batches
 * that each fit `maxBatchBytes` (a single larger record leaves alone, and the
 * broker judges it). Sizes are estimates of the encoded RecordBatch v2 bytes.
 *
 * @module
 */
import { BATCH_HEADER_SIZE, type RecordInput } from "./protocol/mod.ts";

/** Schedules `fn` after `ms`; returns a function that cancels it. */
export type Schedule = (fn: () => void, ms: number) => () => void;

/** The default {@linkcode Schedule}: `setTimeout`. */
export const defaultSchedule: Schedule = (fn: () => void, ms: number): () => void => {
  const id = setTimeout(fn, ms);
  return () => clearTimeout(id);
};

/** A record waiting to be sent, with the callbacks of its `send`. */
export interface PendingRecord<R> {
  /** The record to encode (timestamp set). */
  record: RecordInput & { timestamp: number };
  /** Estimated encoded size in bytes. */
  size: number;
  /** What the sender of the record is waiting for. */
  waiter: R;
}

/**
 * Upper bound of the encoded size of one record inside a batch (varints at
 * their widest).
 *
 * @param record The record.
 * @returns Bytes.
 */
export function estimateRecordSize(record: RecordInput): number {
  let size = 5 + 1 + 10 + 5 + 5 + 5 + 5; // length, attributes, ts delta, offset delta, key/value lengths, header count
  size += record.key?.length ?? 0;
  size += record.value?.length ?? 0;
  for (const h of record.headers ?? []) size += 10 + h.key.length * 3 + (h.value?.length ?? 0);
  return size;
}

/**
 * Splits records into consecutive groups that each fit `maxBytes` together
 * with a batch header; a record larger than that forms a group alone.
 *
 * @param records Records in order.
 * @param maxBytes Byte budget per batch.
 * @returns Groups in order.
 */
export function splitBatches<T extends { size: number }>(
  records: readonly T[],
  maxBytes: number,
): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = BATCH_HEADER_SIZE;
  for (const r of records) {
    if (current.length > 0 && bytes + r.size > maxBytes) {
      out.push(current);
      current = [];
      bytes = BATCH_HEADER_SIZE;
    }
    current.push(r);
    bytes += r.size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Options of {@linkcode Accumulator}. */
export interface AccumulatorOptions<R> {
  /** How long the first record of a batch waits for company; 0 = drain at once. */
  lingerMs: number;
  /** Byte budget of one batch. */
  maxBatchBytes: number;
  /** Timer. */
  schedule: Schedule;
  /** Called with the records of one partition when they are due. */
  onDrain: (key: string, records: PendingRecord<R>[][]) => void;
}

interface Slot<R> {
  records: PendingRecord<R>[];
  bytes: number;
  cancel: (() => void) | undefined;
}

/** Holds pending records per key (`topic` + partition) and drains them when due. */
export class Accumulator<R> {
  readonly #options: AccumulatorOptions<R>;
  readonly #slots = new Map<string, Slot<R>>();

  /**
   * Creates an accumulator.
   *
   * @param options Linger, batch size, timer and the drain callback.
   */
  constructor(options: AccumulatorOptions<R>) {
    this.#options = options;
  }

  /** Number of records waiting. */
  get size(): number {
    let n = 0;
    for (const slot of this.#slots.values()) n += slot.records.length;
    return n;
  }

  /**
   * Adds a record under `key`. What is waiting leaves first when the record
   * would push it past `maxBatchBytes`; the slot drains at once when full, or
   * when `lingerMs` is 0 and `hold` is not set; else the linger timer runs.
   *
   * @param key Partition key, e.g. `orders\u00000`.
   * @param pending The record.
   * @param hold Keep it even with `lingerMs` 0 (the caller drains soon, e.g. `sendBatch`).
   */
  append(key: string, pending: PendingRecord<R>, hold = false): void {
    let slot = this.#slots.get(key);
    if (slot !== undefined && slot.bytes + pending.size > this.#options.maxBatchBytes) {
      this.drain(key);
      slot = undefined;
    }
    if (slot === undefined) {
      slot = { records: [], bytes: BATCH_HEADER_SIZE, cancel: undefined };
      this.#slots.set(key, slot);
    }
    slot.records.push(pending);
    slot.bytes += pending.size;
    if (slot.bytes >= this.#options.maxBatchBytes) return this.drain(key);
    if (hold) return;
    if (this.#options.lingerMs <= 0) return this.drain(key);
    const current = slot;
    current.cancel ??= this.#options.schedule(() => {
      if (current.cancel !== undefined) {
        current.cancel = undefined;
        this.drain(key);
      }
    }, this.#options.lingerMs);
  }

  /**
   * Hands the records of `key` to `onDrain`, split into batches.
   *
   * @param key Partition key.
   */
  drain(key: string): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) return;
    this.#slots.delete(key);
    slot.cancel?.();
    slot.cancel = undefined;
    if (slot.records.length === 0) return;
    this.#options.onDrain(key, splitBatches(slot.records, this.#options.maxBatchBytes));
  }

  /** Drains every key now. */
  drainAll(): void {
    for (const key of [...this.#slots.keys()]) this.drain(key);
  }
}
