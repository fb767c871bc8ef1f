/**
 * The producer: records are validated and encoded by their topic's codecs,
 * placed on a partition (explicit, murmur2 of the key, or sticky for null
 * keys), gathered per partition for `lingerMs` or up to `maxBatchBytes`, and
 * sent as one Kafka RecordBatch v2 per request on the binary route
 * `POST /v1/topics/:topic/partitions/:p/batches`.
 *
 * Up to `maxInFlight` requests per partition run at once. With
 * `idempotent: true` (the default) the producer gets a producer id from
 * `POST /v1/producers` and numbers each partition's records from 0
 * (`baseSequence` per batch, Kafka's semantics); a retry resends the same
 * bytes with the same sequence so the broker drops duplicates. A batch that
 * the broker rejects as out of order while an earlier batch of the partition
 * is still unsettled is resent once the earlier ones settle. A batch that
 * fails for good makes the producer take a new producer id for the batches
 * that follow (sequences restart at 0), as Kafka's epoch bump does.
 *
 * @module
 */
import {
  Accumulator,
  defaultSchedule,
  estimateRecordSize,
  type PendingRecord,
} from "./_accumulator.ts";
import { Partitioner } from "./_partitioner.ts";
import type { HttpClient } from "./http.ts";
import {
  BATCH_HEADER_SIZE,
  BatchProduceResponseSchema,
  COMPRESSION_TYPES_WRITABLE,
  type CompressionType,
  encodeRecordBatchCompressed,
  InitProducerResponseSchema,
  RECORD_BATCH_CONTENT_TYPE,
  type RecordHeader,
  TopicDescriptionSchema,
  toWeirError,
  WeirError,
} from "./protocol/mod.ts";
import { type TopicKey, type TopicLike, type TopicValue, toTypedTopic } from "./typed_topic.ts";

/** Acknowledgement level: 0 (none), 1 (leader wrote), `"all"` (durable; `-1` is the same). */
export type AcksOption = 0 | 1 | -1 | "all";

/** Options of a producer (`weir.producer(options)`). */
export interface ProducerOptions {
  /** Default `"all"`. */
  acks?: AcksOption;
  /** How long a batch waits for more records, in ms (default 5; 0 = send at once). */
  lingerMs?: number;
  /** Byte budget of one batch (default 1 MiB). */
  maxBatchBytes?: number;
  /** Producer ids and sequence numbers so retries do not duplicate (default true). */
  idempotent?: boolean;
  /** Requests in flight per partition (default 4). */
  maxInFlight?: number;
  /**
   * Compression of each batch's records section, as Kafka clients do it
   * (default `"none"`): `"gzip"` (the platform's `CompressionStream`),
   * `"snappy"` (one raw Snappy block) or `"lz4"` (LZ4 frame, independent
   * 64 KiB blocks), all in plain JS, so they work in browsers too. Every
   * Kafka client and Weir consumer reads them. `"zstd"` is refused with
   * `INVALID_CONFIG`: there is no maintained pure-JS zstd compressor (zstd
   * batches from other clients are read fine).
   */
  compression?: "none" | "gzip" | "snappy" | "lz4";
  /** Clock for record timestamps (default `Date.now`). */
  now?: () => number;
  /** Randomness in [0, 1) for the sticky partition of keyless records (default `Math.random`). */
  random?: () => number;
  /** Timer for `lingerMs`: runs `fn` after `ms`, returns a cancel function (default `setTimeout`). */
  schedule?: (fn: () => void, ms: number) => () => void;
}

/** One record to send; `K`/`V` come from the topic's codecs. */
export interface ProducerRecord<K = string, V = unknown> {
  /** Key (null or absent = no key: sticky partition). */
  key?: K | null;
  /** Value (null = tombstone, where the codec allows it). */
  value: V;
  /** Headers; strings are sent as UTF-8. */
  headers?: Record<string, string | Uint8Array>;
  /** Explicit partition. */
  partition?: number;
  /** Create time in ms (default: the producer's clock). */
  timestamp?: number;
}

/** Where a record landed. */
export interface RecordMetadata {
  /** Topic name. */
  topic: string;
  /** Partition. */
  partition: number;
  /** Offset; -1 with `acks: 0`. */
  offset: number;
  /** The record's timestamp (the broker's when the topic uses LogAppendTime). */
  timestamp?: number;
}

/** Per-call options of `send` and `sendBatch`. */
export interface SendOptions {
  /**
   * Stops waiting: the promise rejects with `REQUEST_ABORTED`. Records not
   * yet handed to the producer are not sent; records already queued may
   * still be written.
   */
  signal?: AbortSignal;
}

interface Waiter {
  resolve: (meta: RecordMetadata) => void;
  reject: (error: WeirError) => void;
}

/** Collects the metadata of the records of one `send`/`sendBatch` call. */
class WaiterGroup {
  readonly results: RecordMetadata[];
  readonly promise: Promise<RecordMetadata[]>;
  #left: number;
  #resolve!: (metas: RecordMetadata[]) => void;
  #reject!: (error: WeirError) => void;
  #settled = false;

  constructor(count: number) {
    this.results = new Array<RecordMetadata>(count);
    this.#left = count;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (count === 0) this.#resolve(this.results);
  }

  done(index: number, meta: RecordMetadata): void {
    this.results[index] = meta;
    if (--this.#left === 0 && !this.#settled) {
      this.#settled = true;
      this.#resolve(this.results);
    }
  }

  fail(error: WeirError): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }
}

/** The {@linkcode Waiter} of record `index` of a {@linkcode WaiterGroup}. */
class WaiterSlot implements Waiter {
  readonly #group: WaiterGroup;
  readonly #index: number;

  constructor(group: WaiterGroup, index: number) {
    this.#group = group;
    this.#index = index;
  }

  resolve(meta: RecordMetadata): void {
    this.#group.done(this.#index, meta);
  }

  reject(error: WeirError): void {
    this.#group.fail(error);
  }
}

interface ProducerIds {
  promise: Promise<{ producerId: number; producerEpoch: number }>;
  sequences: Map<string, number>;
}

interface Batch {
  records: PendingRecord<Waiter>[];
  ids: ProducerIds | undefined;
  baseSequence: number;
  done: Promise<void>;
}

/**
 * Queued bytes from which a lane sends a further request while one is in
 * flight; below it the records wait for that answer and go out merged.
 */
const PIPELINE_BYTES = 16 * 1024;

/** Whether the records queued in `queue` add up to at least `bytes`. */
function atLeastBytes(queue: readonly Batch[], bytes: number): boolean {
  let total = 0;
  for (const batch of queue) {
    for (const r of batch.records) {
      total += r.size;
      if (total >= bytes) return true;
    }
  }
  return false;
}

interface Lane {
  topic: string;
  partition: number;
  queue: Batch[];
  inFlight: Batch[];
}

interface TopicMeta {
  count: number | undefined;
  promise: Promise<number>;
  waiting: number;
}

const utf8 = new TextEncoder();
const MAX_SEQUENCE = 0x7fffffff;

function laneKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function acksParam(acks: AcksOption): "0" | "1" | "all" {
  if (acks === 0) return "0";
  if (acks === 1) return "1";
  if (acks === -1 || acks === "all") return "all";
  throw new WeirError(
    "INVALID_REQUEST",
    `Cannot create a producer: acks ${JSON.stringify(acks)} is not 0, 1, "all" or -1`,
  );
}

function compressionOption(value: unknown): CompressionType {
  if (!COMPRESSION_TYPES_WRITABLE.includes(value as CompressionType)) {
    throw new WeirError(
      "INVALID_CONFIG",
      `Cannot create a producer: compression ${
        JSON.stringify(value)
      } is not supported, use one of ${COMPRESSION_TYPES_WRITABLE.map((c) => `"${c}"`).join(", ")}`,
    );
  }
  return value as CompressionType;
}

function positiveInt(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new WeirError(
      "INVALID_REQUEST",
      `Cannot create a producer: ${name} must be an integer >= ${min}, got ${value}`,
    );
  }
  return value;
}

function aborted(signal: AbortSignal): WeirError {
  return signal.reason instanceof WeirError
    ? signal.reason
    : new WeirError("REQUEST_ABORTED", "Cannot send: the call was aborted", {
      cause: signal.reason,
    });
}

/**
 * Sends records to topics in batches. Create with `weir.producer(options)`;
 * `close()` (or leaving an `await using` scope) flushes and waits for every
 * record.
 */
export class Producer implements AsyncDisposable {
  readonly #http: HttpClient;
  readonly #acks: "0" | "1" | "all";
  readonly #idempotent: boolean;
  readonly #compression: CompressionType;
  readonly #maxInFlight: number;
  readonly #maxBatchBytes: number;
  readonly #now: () => number;
  readonly #partitioner: Partitioner;
  readonly #accumulator: Accumulator<Waiter>;
  readonly #lanes = new Map<string, Lane>();
  readonly #topics = new Map<string, TopicMeta>();
  readonly #work = new Set<Promise<unknown>>();
  #ids: ProducerIds | undefined;
  #closing: Promise<void> | undefined;

  /**
   * Creates a producer (use `weir.producer(options)`).
   *
   * @param http The connection's HTTP client.
   * @param options Acks, linger, batch size, idempotence, in-flight limit, clock.
   * @throws {WeirError} `INVALID_REQUEST` for a bad option; `INVALID_CONFIG` for a compression
   *   it cannot write (zstd, unknown names).
   */
  constructor(http: HttpClient, options: ProducerOptions = {}) {
    this.#http = http;
    this.#acks = acksParam(options.acks ?? "all");
    this.#idempotent = options.idempotent ?? true;
    this.#compression = compressionOption(options.compression ?? "none");
    this.#maxInFlight = positiveInt("maxInFlight", options.maxInFlight ?? 4, 1);
    this.#now = options.now ?? Date.now;
    this.#partitioner = new Partitioner(options.random);
    this.#maxBatchBytes = positiveInt("maxBatchBytes", options.maxBatchBytes ?? 1024 * 1024, 128);
    this.#accumulator = new Accumulator<Waiter>({
      lingerMs: positiveInt("lingerMs", options.lingerMs ?? 5, 0),
      maxBatchBytes: this.#maxBatchBytes,
      schedule: options.schedule ?? defaultSchedule,
      onDrain: (key, groups) => this.#onDrain(key, groups),
    });
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Sends one record; resolves when the broker acknowledged it (at once with
   * `acks: 0`, with offset -1).
   *
   * @param topic A typed topic or a plain name (string keys, JSON values).
   * @param record Key, value, headers, partition, timestamp.
   * @param options Per-call signal.
   * @returns `{ topic, partition, offset, timestamp }`.
   * @throws {WeirError} `INVALID_RECORD` when the codec rejects the record (nothing is sent);
   *   `UNKNOWN_TOPIC_OR_PARTITION`; the broker's codes; `REQUEST_ABORTED`.
   */
  async send<T extends TopicLike>(
    topic: T,
    record: ProducerRecord<TopicKey<T>, TopicValue<T>>,
    options: SendOptions = {},
  ): Promise<RecordMetadata> {
    const [meta] = await this.#enqueue(topic, [record], false, options);
    return meta!;
  }

  /**
   * Sends many records at once (batched per partition, not lingering);
   * resolves when all are acknowledged, in input order. Every record is
   * validated first: one invalid record rejects the call and nothing is sent.
   *
   * @param topic A typed topic or a plain name.
   * @param records The records.
   * @param options Per-call signal.
   * @returns Metadata per record, in input order.
   * @throws {WeirError} As {@linkcode Producer.send}.
   */
  sendBatch<T extends TopicLike>(
    topic: T,
    records: readonly ProducerRecord<TopicKey<T>, TopicValue<T>>[],
    options: SendOptions = {},
  ): Promise<RecordMetadata[]> {
    return this.#enqueue(topic, records, true, options);
  }

  /** Sends every waiting record now and resolves when all records sent so far are settled. */
  async flush(): Promise<void> {
    while (this.#work.size > 0 || this.#accumulator.size > 0) {
      this.#accumulator.drainAll();
      await Promise.allSettled([...this.#work]);
    }
  }

  /** Flushes, then refuses new records. Idempotent; concurrent calls share the same wait. */
  close(): Promise<void> {
    this.#closing ??= this.flush();
    return this.#closing;
  }

  /** Same as {@linkcode Producer.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#work.add(promise);
    const forget = (): void => {
      this.#work.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  #enqueue<T extends TopicLike>(
    topicLike: T,
    records: readonly ProducerRecord<TopicKey<T>, TopicValue<T>>[],
    hold: boolean,
    options: SendOptions,
  ): Promise<RecordMetadata[]> {
    try {
      if (this.#closing !== undefined) {
        throw new WeirError("INVALID_REQUEST", "Cannot send: the producer is closed");
      }
      const topic = toTypedTopic(topicLike);
      if (options.signal?.aborted) throw aborted(options.signal);
      const name = topic.name;
      const now = this.#now();
      const encoded = records.map((r, i) => {
        if (typeof r !== "object" || r === null) {
          throw new WeirError(
            "INVALID_RECORD",
            `Cannot send record ${i} to "${name}": not an object`,
          );
        }
        const key = topic.key.encode((r.key ?? null) as TopicKey<T> | null, {
          part: "key",
          topic: name,
        });
        const value = topic.value.encode(r.value as TopicValue<T> | null, {
          part: "value",
          topic: name,
        });
        const headers: RecordHeader[] = r.headers === undefined
          ? []
          : Object.entries(r.headers).map(([k, v]) => ({
            key: k,
            value: typeof v === "string" ? utf8.encode(v) : v,
          }));
        const timestamp = r.timestamp ?? now;
        if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
          throw new WeirError(
            "INVALID_RECORD",
            `Cannot send record ${i} to "${name}": timestamp ${timestamp} is not a time in ms`,
          );
        }
        return { partition: r.partition, record: { key, value, headers, timestamp } };
      });
      const place = (count: number): Promise<RecordMetadata[]> => {
        // choose() throws for a bad explicit partition: place every record before queueing any.
        const partitions = encoded.map(({ partition, record }) =>
          this.#partitioner.choose(name, count, { partition, key: record.key })
        );
        // One promise for the whole call; each record gets a small slot object instead of a
        // promise and two closures of its own (measured: the per-record promises were most
        // of the producer's garbage).
        const group = new WaiterGroup(encoded.length);
        const touched = new Set<string>();
        let key = "";
        let keyPartition = -1;
        for (let i = 0; i < encoded.length; i++) {
          const record = encoded[i]!.record;
          const partition = partitions[i]!;
          if (partition !== keyPartition) {
            key = laneKey(name, partition);
            keyPartition = partition;
            touched.add(key);
          }
          const pending = {
            record,
            size: estimateRecordSize(record),
            waiter: new WaiterSlot(group, i),
          };
          this.#accumulator.append(key, pending, hold);
        }
        if (hold) { for (const k of touched) this.#accumulator.drain(k); }
        return group.promise;
      };
      const meta = this.#topicMeta(name);
      let all: Promise<RecordMetadata[]>;
      if (meta.count !== undefined && meta.waiting === 0) {
        all = place(meta.count);
      } else {
        meta.waiting++;
        all = this.#track(meta.promise.finally(() => meta.waiting--)).then((count) => place(count));
      }
      const signal = options.signal;
      if (signal === undefined) return all;
      return new Promise((resolve, reject) => {
        const onAbort = (): void => reject(aborted(signal));
        signal.addEventListener("abort", onAbort, { once: true });
        all.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
      });
    } catch (e) {
      return Promise.reject(toWeirError(e, "Cannot send"));
    }
  }

  #topicMeta(name: string): TopicMeta {
    const cached = this.#topics.get(name);
    if (cached !== undefined) return cached;
    const meta: TopicMeta = {
      count: undefined,
      waiting: 0,
      promise: this.#http.json(`/v1/topics/${encodeURIComponent(name)}`, TopicDescriptionSchema)
        .then((d) => {
          meta.count = d.partitions.length;
          return meta.count;
        }, (e) => {
          if (this.#topics.get(name) === meta) this.#topics.delete(name);
          throw e;
        }),
    };
    meta.promise.catch(() => {});
    this.#topics.set(name, meta);
    return meta;
  }

  #producerIds(): ProducerIds {
    if (this.#ids !== undefined) return this.#ids;
    const ids: ProducerIds = {
      sequences: new Map(),
      promise: this.#http.json("/v1/producers", InitProducerResponseSchema, { method: "POST" }),
    };
    ids.promise.catch(() => {});
    this.#ids = ids;
    return ids;
  }

  #onDrain(key: string, groups: PendingRecord<Waiter>[][]): void {
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      const at = key.lastIndexOf("\u0000");
      lane = {
        topic: key.slice(0, at),
        partition: Number(key.slice(at + 1)),
        queue: [],
        inFlight: [],
      };
      this.#lanes.set(key, lane);
    }
    for (const records of groups) {
      let ids: ProducerIds | undefined;
      let baseSequence = -1;
      if (this.#idempotent) {
        ids = this.#producerIds();
        baseSequence = ids.sequences.get(key) ?? 0;
        const next = baseSequence + records.length;
        ids.sequences.set(key, next > MAX_SEQUENCE ? next - MAX_SEQUENCE - 1 : next);
      }
      lane.queue.push({ records, ids, baseSequence, done: Promise.resolve() });
    }
    const count = this.#topics.get(lane.topic)?.count;
    if (count !== undefined) this.#partitioner.batchSent(lane.topic, lane.partition, count);
    this.#pump(lane);
  }

  #pump(lane: Lane): void {
    while (lane.inFlight.length < this.#maxInFlight && lane.queue.length > 0) {
      // Small batches wait behind a request in flight and leave merged when it answers:
      // one request per round trip instead of one per record (P3: a third of the CPU per
      // record and half the p99). Big batches pipeline up to maxInFlight.
      if (lane.inFlight.length > 0 && !atLeastBytes(lane.queue, PIPELINE_BYTES)) break;
      const batch = this.#coalesce(lane.queue);
      lane.inFlight.push(batch);
      batch.done = this.#track(
        this.#deliver(lane, batch).finally(() => {
          lane.inFlight.splice(lane.inFlight.indexOf(batch), 1);
          this.#pump(lane);
        }),
      );
    }
  }

  /**
   * Takes the next batch off a lane's queue, merged with the batches queued
   * behind it while requests were in flight (as Kafka's accumulator keeps
   * filling a partition's batch until the sender is ready): one request
   * instead of many when records arrive one `send` at a time. Only batches
   * with consecutive sequence numbers of the same producer id merge, within
   * `maxBatchBytes`.
   */
  #coalesce(queue: Batch[]): Batch {
    const first = queue.shift()!;
    let bytes = BATCH_HEADER_SIZE;
    for (const r of first.records) bytes += r.size;
    let merged: PendingRecord<Waiter>[] | undefined;
    let count = first.records.length;
    while (queue.length > 0) {
      const next = queue[0]!;
      let nextBytes = 0;
      for (const r of next.records) nextBytes += r.size;
      const consecutive = next.ids === first.ids &&
        (first.ids === undefined || next.baseSequence === first.baseSequence + count);
      if (!consecutive || bytes + nextBytes > this.#maxBatchBytes) break;
      queue.shift();
      merged ??= [...first.records];
      for (const r of next.records) merged.push(r);
      bytes += nextBytes;
      count += next.records.length;
    }
    return merged === undefined ? first : { ...first, records: merged };
  }

  async #deliver(lane: Lane, batch: Batch): Promise<void> {
    const path = `/v1/topics/${
      encodeURIComponent(lane.topic)
    }/partitions/${lane.partition}/batches`;
    const inputs = batch.records.map((r) => r.record);
    try {
      let bytes: Uint8Array;
      if (batch.ids !== undefined) {
        const { producerId, producerEpoch } = await batch.ids.promise;
        bytes = await encodeRecordBatchCompressed(inputs, {
          producerId,
          producerEpoch,
          baseSequence: batch.baseSequence,
          compression: this.#compression,
        });
      } else {
        bytes = await encodeRecordBatchCompressed(inputs, { compression: this.#compression });
      }
      for (;;) {
        try {
          const response = await this.#http.request(path, {
            method: "POST",
            query: { acks: this.#acks },
            headers: { "content-type": RECORD_BATCH_CONTENT_TYPE },
            body: bytes,
          });
          if (this.#acks === "0") {
            await response.body?.cancel();
            batch.records.forEach((r) =>
              r.waiter.resolve({
                topic: lane.topic,
                partition: lane.partition,
                offset: -1,
                timestamp: r.record.timestamp,
              })
            );
            return;
          }
          const parsed = BatchProduceResponseSchema.safeParse(await response.json());
          if (!parsed.success) {
            throw new WeirError(
              "UNKNOWN_SERVER_ERROR",
              `Cannot read the answer to a produce to "${lane.topic}-${lane.partition}": unexpected shape`,
            );
          }
          const { baseOffset, logAppendTime } = parsed.data;
          batch.records.forEach((r, i) =>
            r.waiter.resolve({
              topic: lane.topic,
              partition: lane.partition,
              offset: baseOffset + i,
              timestamp: logAppendTime ?? r.record.timestamp,
            })
          );
          return;
        } catch (e) {
          const earlier = lane.inFlight.slice(0, lane.inFlight.indexOf(batch));
          if (
            e instanceof WeirError && e.code === "OUT_OF_ORDER_SEQUENCE_NUMBER" &&
            batch.ids !== undefined && earlier.length > 0
          ) {
            await Promise.allSettled(earlier.map((b) => b.done));
            continue;
          }
          throw e;
        }
      }
    } catch (e) {
      const error = toWeirError(e, `Cannot send to "${lane.topic}-${lane.partition}"`);
      for (const r of batch.records) r.waiter.reject(error);
      if (batch.ids !== undefined && batch.ids === this.#ids) this.#ids = undefined;
    }
  }
}
