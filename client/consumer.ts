/**
 * The consumer, assign mode: `assign([{ topic, partition, offset? }])` reads
 * partitions without a group. Iterating (`for await`, or `batches()`) pulls:
 * fetches start only when the loop asks, each partition buffers at most
 * `prefetchRecords` records and `prefetchBytes` bytes, and a partition at the
 * log end long-polls (`waitMs`). Records are decoded by their topic's codecs
 * when handed out (zod-validated; an invalid one throws `INVALID_RECORD`
 * naming its offset, and stays in place until a `seek` moves past it).
 * Leaving the loop with `break` closes the consumer; `close()` aborts the
 * fetches in flight.
 *
 * Consumer groups (`groupId`, commits, `on("assigned")`) come in a later
 * issue: they will drive the same partition sources through `#assignSources`.
 *
 * @module
 */
import { type FetchSettings, type OffsetSpec, PartitionSource } from "./_partition_source.ts";
import type { HttpClient } from "./http.ts";
import { type DecodedRecord, WeirError } from "./protocol/mod.ts";
import {
  type TopicKey,
  type TopicLike,
  type TopicValue,
  toTypedTopic,
  TypedTopic,
} from "./typed_topic.ts";

export type { OffsetSpec } from "./_partition_source.ts";

/** A record as a consumer yields it; `K`/`V` come from the topic's codecs. */
export interface ConsumerRecord<K = string, V = unknown> {
  /** Topic name. */
  topic: string;
  /** Partition. */
  partition: number;
  /** Offset. */
  offset: number;
  /** Timestamp in ms. */
  timestamp: number;
  /** Key, or null. */
  key: K | null;
  /** Value, decoded by the topic's value codec. */
  value: V;
  /** Headers, values decoded as UTF-8 (a null header value becomes ""). */
  headers: Record<string, string>;
}

/** The record type of a consumer reading topics `T`. */
export type ConsumerRecordOf<T> = T extends TopicLike ? ConsumerRecord<TopicKey<T>, TopicValue<T>>
  : never;

/** Records of one partition from one fetch, as `batches()` yields them. */
export interface ConsumerBatch<R = ConsumerRecord> {
  /** Topic name. */
  topic: string;
  /** Partition. */
  partition: number;
  /** Records in offset order. */
  records: R[];
  /** The partition's high watermark when fetched. */
  highWatermark: number;
}

/** A topic and partition. */
export interface TopicPartition<T extends TopicLike = TopicLike> {
  /** A typed topic or a name (a name uses the codecs of the same topic in `topics`). */
  topic: T;
  /** Partition index. */
  partition: number;
}

/** One partition to read, and where to start. */
export interface Assignment<T extends TopicLike = TopicLike> extends TopicPartition<T> {
  /** Next offset to read, `"earliest"` or `"latest"` (default: `autoOffsetReset`). */
  offset?: OffsetSpec;
}

/** Options of a consumer (`weir.consumer(options)`). */
export interface ConsumerOptions<T extends TopicLike = TopicLike> {
  /** Topics read; their codecs type and decode the records. */
  topics?: readonly T[];
  /** Consumer groups are not available yet: giving one throws `INVALID_REQUEST`. */
  groupId?: string;
  /** Where to start without an offset, and after `OFFSET_OUT_OF_RANGE` (default `"latest"`). */
  autoOffsetReset?: "earliest" | "latest" | "none";
  /** Most records buffered per partition (default 1,000). */
  prefetchRecords?: number;
  /** Most bytes buffered per partition (default 1 MiB). */
  prefetchBytes?: number;
  /** Long-poll wait at the log end in ms (default 500). */
  waitMs?: number;
}

const fromUtf8 = new TextDecoder();

function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function topicName(topic: TopicLike): string {
  return typeof topic === "string" ? topic : topic.name;
}

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new WeirError(
      "INVALID_REQUEST",
      `Cannot create a consumer: ${name} must be an integer ${min}..${max}, got ${value}`,
    );
  }
  return value;
}

function checkOffset(offset: unknown, what: string): OffsetSpec {
  if (offset === "earliest" || offset === "latest") return offset;
  if (typeof offset === "number" && Number.isSafeInteger(offset) && offset >= 0) return offset;
  throw new WeirError(
    "INVALID_REQUEST",
    `Cannot ${what}: offset ${
      JSON.stringify(offset)
    } is not an offset >= 0, "earliest" or "latest"`,
  );
}

/**
 * Reads records from assigned partitions (see the module doc). Create with
 * `weir.consumer(options)`, then `assign(...)`, then iterate.
 */
export class Consumer<T extends TopicLike = TopicLike>
  implements AsyncDisposable, AsyncIterable<ConsumerRecordOf<T>> {
  readonly #http: HttpClient;
  readonly #settings: FetchSettings;
  readonly #topics = new Map<string, TypedTopic<unknown, unknown>>();
  readonly #sources = new Map<string, PartitionSource>();
  #current: PartitionSource | undefined;
  #rotation = 0;
  #wake: (() => void) | undefined;
  #changed: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  /**
   * Creates a consumer (use `weir.consumer(options)`).
   *
   * @param http The connection's HTTP client.
   * @param options Topics, offset reset, prefetch bounds, long-poll wait.
   * @throws {WeirError} `INVALID_REQUEST` for `groupId` (not available yet) or a bad option.
   */
  constructor(http: HttpClient, options: ConsumerOptions<T> = {}) {
    if (options.groupId !== undefined) {
      throw new WeirError(
        "INVALID_REQUEST",
        "Cannot subscribe: consumer groups are not available yet",
      );
    }
    const reset = options.autoOffsetReset ?? "latest";
    if (reset !== "earliest" && reset !== "latest" && reset !== "none") {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot create a consumer: autoOffsetReset ${
          JSON.stringify(reset)
        } is not earliest, latest or none`,
      );
    }
    this.#http = http;
    this.#settings = {
      autoOffsetReset: reset,
      prefetchRecords: checkInt("prefetchRecords", options.prefetchRecords ?? 1_000, 1, 100_000),
      prefetchBytes: checkInt(
        "prefetchBytes",
        options.prefetchBytes ?? 1024 * 1024,
        1,
        64 * 1024 * 1024,
      ),
      waitMs: checkInt("waitMs", options.waitMs ?? 500, 0, 30_000),
    };
    for (const t of options.topics ?? []) {
      const typed = toTypedTopic(t);
      this.#topics.set(typed.name, typed as TypedTopic<unknown, unknown>);
    }
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Reads exactly these partitions from now on (replacing any earlier
   * assignment; partitions kept keep their position unless an offset is
   * given).
   *
   * @param assignments Topic, partition and optional start offset.
   * @throws {WeirError} `INVALID_REQUEST` for a bad partition or offset, or a closed consumer.
   */
  assign(assignments: readonly Assignment<T | string>[]): void {
    this.#open("assign partitions");
    const next = new Map<
      string,
      { topic: TypedTopic<unknown, unknown>; partition: number; offset: OffsetSpec | undefined }
    >();
    for (const a of assignments) {
      const topic = this.#resolve(a.topic);
      if (!Number.isInteger(a.partition) || a.partition < 0) {
        throw new WeirError(
          "INVALID_REQUEST",
          `Cannot assign "${topic.name}": partition ${a.partition} is not a partition index`,
        );
      }
      const offset = a.offset === undefined
        ? undefined
        : checkOffset(a.offset, `assign "${topic.name}-${a.partition}"`);
      next.set(tpKey(topic.name, a.partition), { topic, partition: a.partition, offset });
    }
    this.#assignSources(next);
  }

  /** The partitions assigned now. */
  assignment(): { topic: string; partition: number }[] {
    return [...this.#sources.values()].map((s) => ({
      topic: s.topic.name,
      partition: s.partition,
    }));
  }

  /**
   * The next offset the loop will get from a partition, once known (after
   * the first fetch for `"earliest"`/`"latest"`).
   *
   * @param tp Topic and partition.
   * @returns The offset, or undefined.
   * @throws {WeirError} `INVALID_REQUEST` for a partition not assigned.
   */
  position(tp: TopicPartition<T | string>): number | undefined {
    return this.#source(tp, "read the position").position;
  }

  /**
   * Moves a partition's position; buffered records and the fetch in flight
   * are dropped.
   *
   * @param target Topic, partition and the next offset to read.
   * @throws {WeirError} `INVALID_REQUEST` for a partition not assigned or a bad offset.
   */
  seek(target: TopicPartition<T | string> & { offset: OffsetSpec }): void {
    const source = this.#source(target, "seek");
    source.seek(checkOffset(target.offset, `seek ${source.label}`));
    this.#signal();
  }

  /**
   * Stops handing out and fetching records of these partitions (their
   * buffer is kept).
   *
   * @param partitions Topics and partitions.
   * @throws {WeirError} `INVALID_REQUEST` for a partition not assigned.
   */
  pause(partitions: readonly TopicPartition<T | string>[]): void {
    for (const tp of partitions) this.#source(tp, "pause").paused = true;
    if (this.#current?.paused) this.#current = undefined;
  }

  /**
   * Undoes {@linkcode Consumer.pause}.
   *
   * @param partitions Topics and partitions.
   * @throws {WeirError} `INVALID_REQUEST` for a partition not assigned.
   */
  resume(partitions: readonly TopicPartition<T | string>[]): void {
    for (const tp of partitions) this.#source(tp, "resume").paused = false;
    this.#signal();
  }

  /** The partitions paused now. */
  paused(): { topic: string; partition: number }[] {
    return [...this.#sources.values()].filter((s) => s.paused).map((s) => ({
      topic: s.topic.name,
      partition: s.partition,
    }));
  }

  /**
   * Yields records one by one, in offset order per partition, until the
   * consumer is closed. `break` closes the consumer; a thrown error (e.g.
   * `INVALID_RECORD`) leaves it open so the caller may `seek` and iterate
   * again.
   *
   * @returns An async iterator of records.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecordOf<T>, void, undefined> {
    let failed = false;
    try {
      for (;;) {
        const source = await this.#ready();
        if (source === undefined) return;
        const taken = source.takeRecord();
        if (taken === undefined) {
          this.#current = undefined;
          continue;
        }
        let record: ConsumerRecordOf<T>;
        try {
          record = this.#decode(source, taken.record) as ConsumerRecordOf<T>;
        } catch (e) {
          source.putBack([taken.record], taken.chunk.highWatermark);
          throw e;
        }
        if (source.buffer.length === 0) this.#current = undefined;
        yield record;
      }
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      if (!failed) await this.close();
    }
  }

  /**
   * Yields the records of one partition from one fetch at a time:
   * `{ topic, partition, records, highWatermark }`. Same closing rules as
   * iterating the consumer.
   *
   * @returns An async iterator of batches.
   */
  async *batches(): AsyncGenerator<ConsumerBatch<ConsumerRecordOf<T>>, void, undefined> {
    let failed = false;
    try {
      for (;;) {
        const source = await this.#ready();
        if (source === undefined) return;
        this.#current = undefined;
        const taken = source.takeChunk();
        if (taken === undefined) continue;
        let records: ConsumerRecordOf<T>[];
        try {
          records = taken.records.map((r) => this.#decode(source, r) as ConsumerRecordOf<T>);
        } catch (e) {
          source.putBack(taken.records, taken.highWatermark);
          throw e;
        }
        yield {
          topic: source.topic.name,
          partition: source.partition,
          records,
          highWatermark: taken.highWatermark,
        };
      }
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      if (!failed) await this.close();
    }
  }

  /** Aborts every fetch in flight, drops buffers and ends iteration. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const sources = [...this.#sources.values()];
      this.#sources.clear();
      this.#current = undefined;
      this.#signal();
      await Promise.all(sources.map((s) => s.close()));
    })();
    return this.#closing;
  }

  /** Same as {@linkcode Consumer.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Replaces the set of sources (assign mode now; group assignments later).
   * Sources that stay keep their position unless an offset is given.
   */
  #assignSources(
    next: Map<
      string,
      { topic: TypedTopic<unknown, unknown>; partition: number; offset: OffsetSpec | undefined }
    >,
  ): void {
    for (const [key, source] of this.#sources) {
      if (!next.has(key)) {
        this.#sources.delete(key);
        if (this.#current === source) this.#current = undefined;
        void source.close();
      }
    }
    for (const [key, a] of next) {
      const existing = this.#sources.get(key);
      if (existing !== undefined) {
        if (a.offset !== undefined) existing.seek(a.offset);
        continue;
      }
      const start = a.offset ??
        (this.#settings.autoOffsetReset === "none" ? "latest" : this.#settings.autoOffsetReset);
      this.#sources.set(key, new PartitionSource(a.topic, a.partition, start));
    }
    this.#signal();
  }

  #open(what: string): void {
    if (this.#closing !== undefined) {
      throw new WeirError("INVALID_REQUEST", `Cannot ${what}: the consumer is closed`);
    }
  }

  #resolve(topic: TopicLike): TypedTopic<unknown, unknown> {
    if (topic instanceof TypedTopic) return topic as TypedTopic<unknown, unknown>;
    const name = topicName(topic);
    return this.#topics.get(name) ?? (toTypedTopic(name) as TypedTopic<unknown, unknown>);
  }

  #source(tp: TopicPartition<TopicLike>, what: string): PartitionSource {
    const name = topicName(tp.topic);
    const source = this.#sources.get(tpKey(name, tp.partition));
    if (source === undefined) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot ${what} "${name}-${tp.partition}": the partition is not assigned`,
      );
    }
    return source;
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    this.#changed = undefined;
    wake?.();
  }

  #waitForChange(): Promise<void> {
    this.#changed ??= new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    return this.#changed;
  }

  /** Starts fetches for every source that may fetch. */
  #fill(): void {
    for (const source of this.#sources.values()) {
      if (source.wantsFetch(this.#settings)) {
        source.startFetch(this.#http, this.#settings, () => this.#signal());
      }
    }
  }

  /**
   * Waits until a source has records to hand out (or an error to throw);
   * undefined once closed. Fetches start here, that is, only when the loop
   * asks.
   */
  async #ready(): Promise<PartitionSource | undefined> {
    for (;;) {
      if (this.#closing !== undefined) return undefined;
      const sources = [...this.#sources.values()];
      for (const s of sources) {
        if (s.error !== undefined && !s.paused) {
          const error = s.error;
          s.error = undefined;
          throw error;
        }
      }
      this.#fill();
      const current = this.#current;
      if (current !== undefined && !current.paused && current.buffer.length > 0) return current;
      for (let i = 0; i < sources.length; i++) {
        const s = sources[(this.#rotation + i) % sources.length]!;
        if (!s.paused && s.buffer.length > 0) {
          this.#rotation = (this.#rotation + i + 1) % sources.length;
          this.#current = s;
          return s;
        }
      }
      await this.#waitForChange();
    }
  }

  #decode(source: PartitionSource, r: DecodedRecord): ConsumerRecord<unknown, unknown> {
    const context = { topic: source.topic.name, partition: source.partition, offset: r.offset };
    const headers: Record<string, string> = {};
    for (const h of r.headers) headers[h.key] = h.value === null ? "" : fromUtf8.decode(h.value);
    return {
      topic: source.topic.name,
      partition: source.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      key: r.key === null ? null : source.topic.key.decode(r.key, { ...context, part: "key" }),
      value: source.topic.value.decode(r.value, { ...context, part: "value" }),
      headers,
    };
  }
}
