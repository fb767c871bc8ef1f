/**
 * The consumer, assign mode: `assign([{ topic, partition, offset? }])` reads
 * partitions without a group. Iterating (`for await`, or `batches()`) pulls:
 * fetches start only when the loop asks, each partition buffers at most
 * `prefetchRecords` records and `prefetchBytes` bytes, and a partition at the
 * log end long-polls (`waitMs`). Fetched responses stay bytes until the loop
 * reaches them: a stored batch is decoded (decompressed) when its first
 * record is asked for, and records are decoded by their topic's codecs when
 * handed out (zod-validated; an invalid one throws `INVALID_RECORD` naming
 * its offset, and stays in place until a `seek` moves past it; a malformed
 * batch likewise, naming its base offset).
 * Leaving the loop with `break` closes the consumer; `close()` aborts the
 * fetches in flight.
 *
 * Group mode (`groupId`): the consumer joins the group at once (when it has
 * topics) and a {@linkcode GroupMembership} heartbeats on its own timer, so
 * a slow loop never gets the member kicked out. The broker decides the
 * assignment; the consumer follows it on every heartbeat answer:
 *
 * - a partition no longer assigned is revoked in this order: its fetch stops
 *   and its buffer is dropped, its processed offset is committed
 *   (`autoCommit`), `"revoked"` listeners run (awaited), and only then the
 *   next heartbeat stops listing it in `ownedPartitions` (so the broker can
 *   give it to another member);
 * - a new partition starts at the group's committed offset, else at
 *   `autoOffsetReset`; with `"none"` the loop throws `OFFSET_OUT_OF_RANGE`
 *   for it (again on each call) until a `seek` gives it a position; then
 *   `"assigned"` listeners run and fetching starts when the loop asks;
 * - `FENCED_MEMBER_EPOCH` / `UNKNOWN_MEMBER_ID` (the broker dropped us, e.g.
 *   after a session timeout): every partition is dropped WITHOUT a commit
 *   (another member may own it already), `"revoked"` listeners run, and the
 *   consumer joins again.
 *
 * A record counts as processed when the loop asks for the next one (a batch
 * of `batches()` likewise), so the record in hand when the loop is left
 * with `break` or an exception is not committed by `autoCommit` and is read
 * again later (at-least-once); `commit(record)` counts it explicitly.
 * `autoCommit` (default on) commits processed offsets every
 * `autoCommitIntervalMs` (5 s), on revoke and on `close()`; `close()` then
 * leaves the group (`DELETE`), which hands the partitions over at once. A
 * committed offset is the next offset to read (Kafka's rule); commits carry
 * the member id and epoch and are sent in order with the heartbeats.
 * `subscribe(moreTopics)` gives up the partitions (with a commit), leaves and
 * joins again with the larger subscription (a heartbeat carries none).
 *
 * @module
 */
import {
  type CommitFn,
  GroupMembership,
  type Schedule,
  timerSchedule,
} from "./_group_membership.ts";
import {
  type BufferedChunk,
  type FetchSettings,
  type OffsetSpec,
  PartitionSource,
} from "./_partition_source.ts";
import type { HttpClient } from "./http.ts";
import {
  type DecodedRecord,
  GroupOffsetsResponseSchema,
  type OffsetCommit,
  type TopicPartitionList,
  toWeirError,
  validateGroupId,
  WeirError,
} from "./protocol/mod.ts";
import {
  type TopicKey,
  type TopicLike,
  type TopicValue,
  toTypedTopic,
  TypedTopic,
} from "./typed_topic.ts";

export type { OffsetSpec } from "./_partition_source.ts";
export type { Schedule } from "./_group_membership.ts";

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

/** Most records one `batches()` step decodes and yields. */
const BATCH_RECORDS = 1_000;

/** Records of one partition from one fetch (at most 1,000), as `batches()` yields them. */
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

/** One offset to commit: the next offset the group will read. */
export interface CommitOffset<T extends TopicLike = TopicLike> extends TopicPartition<T> {
  /** Next offset to read (Kafka's rule: last processed offset + 1). */
  offset: number;
  /** Stored with the offset. */
  metadata?: string;
}

/** The events of a group consumer. */
export type ConsumerEvent = "assigned" | "revoked";

/** A listener of `"assigned"`/`"revoked"`; awaited before the consumer goes on. */
export type RebalanceListener = (
  partitions: { topic: string; partition: number }[],
) => void | Promise<void>;

/** Options of a consumer (`weir.consumer(options)`). */
export interface ConsumerOptions<T extends TopicLike = TopicLike> {
  /** Topics read (subscribed to, with `groupId`); their codecs type and decode the records. */
  topics?: readonly T[];
  /** Consumer group: the broker assigns the partitions of `topics` (see the module doc). */
  groupId?: string;
  /** Group mode: commit processed offsets every interval, on revoke and on close (default true). */
  autoCommit?: boolean;
  /** Group mode: the auto-commit interval in ms (default 5,000). */
  autoCommitIntervalMs?: number;
  /** Group mode: session timeout in ms, 1,000–300,000 (broker default 45,000). */
  sessionTimeoutMs?: number;
  /** Group mode: rebalance timeout in ms (broker default). */
  rebalanceTimeoutMs?: number;
  /** Group mode: static membership id; rejoining within the session keeps the partitions. */
  instanceId?: string;
  /** Group mode: the timer for heartbeats and auto-commits (default `setTimeout`; for tests). */
  schedule?: Schedule;
  /**
   * Group mode: told of background failures the consumer handled itself (a
   * failed auto-commit, heartbeat or join retry, a listener that threw); the
   * SDK has no logger of its own. Default: ignored.
   */
  onError?: (error: WeirError) => void;
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

/** Calling this symbol on a group consumer stops its heartbeats and commits (simulates death). */
const STOP_HEARTBEATS = Symbol.for("weir.test.stopHeartbeats");

function sortedLists(tps: Iterable<{ topic: string; partition: number }>): TopicPartitionList[] {
  const byTopic = new Map<string, number[]>();
  for (const tp of tps) {
    const list = byTopic.get(tp.topic) ?? [];
    list.push(tp.partition);
    byTopic.set(tp.topic, list);
  }
  return [...byTopic.keys()].sort().map((topic) => ({
    topic,
    partitions: byTopic.get(topic)!.sort((a, b) => a - b),
  }));
}

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
  /** Something changed since `#ready()` last looked at every source (see `#quick()`). */
  #dirty = true;
  #closing: Promise<void> | undefined;
  readonly #groupId: string | undefined;
  readonly #group: GroupMembership | undefined;
  readonly #autoCommit: boolean;
  readonly #autoCommitIntervalMs: number;
  readonly #schedule: Schedule;
  #cancelAutoCommit: (() => void) | undefined;
  /** Group mode: next offset after the last processed record, per partition. */
  readonly #processed = new Map<string, number>();
  /** Group mode: the offset last committed (or found committed), per partition. */
  readonly #committed = new Map<string, number>();
  /** Group mode: partitions without a position (`autoOffsetReset: "none"`), until a seek. */
  readonly #unpositioned = new Set<string>();
  readonly #listeners: Record<ConsumerEvent, Set<RebalanceListener>> = {
    assigned: new Set(),
    revoked: new Set(),
  };
  #failure: WeirError | undefined;
  readonly #onError: ((error: WeirError) => void) | undefined;

  /**
   * Creates a consumer (use `weir.consumer(options)`).
   *
   * @param http The connection's HTTP client.
   * @param options Topics, group, offset reset, commits, prefetch bounds, long-poll wait.
   * @throws {WeirError} `INVALID_REQUEST` for a bad option; `INVALID_GROUP_ID`.
   */
  constructor(http: HttpClient, options: ConsumerOptions<T> = {}) {
    if (options.groupId !== undefined) validateGroupId(options.groupId);
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
    this.#groupId = options.groupId;
    this.#autoCommit = options.autoCommit ?? true;
    this.#autoCommitIntervalMs = checkInt(
      "autoCommitIntervalMs",
      options.autoCommitIntervalMs ?? 5_000,
      1,
      86_400_000,
    );
    this.#schedule = options.schedule ?? timerSchedule;
    this.#onError = options.onError;
    if (options.groupId === undefined) {
      this.#group = undefined;
      return;
    }
    this.#group = new GroupMembership(http, {
      groupId: options.groupId,
      instanceId: options.instanceId,
      sessionTimeoutMs: options.sessionTimeoutMs,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs,
      schedule: this.#schedule,
      onError: options.onError,
      handler: {
        owned: () => sortedLists(this.assignment()),
        reconcile: (assignment, commit) => this.#reconcile(assignment, commit),
        lost: () => this.#lose(),
        failed: (error) => {
          this.#failure = error;
          this.#signal();
        },
      },
    });
    if (this.#topics.size > 0) this.#group.subscribe([...this.#topics.keys()]);
    if (this.#autoCommit) this.#armAutoCommit();
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
    if (this.#group !== undefined) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot assign partitions: the consumer is in group "${this.#groupId}" (use subscribe)`,
      );
    }
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
    const offset = checkOffset(target.offset, `seek ${source.label}`);
    source.seek(offset);
    const key = tpKey(source.topic.name, source.partition);
    this.#unpositioned.delete(key);
    this.#committed.delete(key);
    if (typeof offset === "number") this.#processed.set(key, offset);
    else this.#processed.delete(key);
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
    this.#dirty = true;
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
        const source = this.#quick() ?? await this.#ready();
        if (source === undefined) return;
        const ready = source.ready(1);
        const chunk = ready instanceof Promise ? await this.#settle(source, ready) : ready;
        if (chunk === undefined) {
          this.#current = undefined;
          continue;
        }
        const record = this.#decode(source, chunk.records[chunk.index]!) as ConsumerRecordOf<T>;
        source.advance(chunk, 1);
        if (source.buffer.length === 0) this.#current = undefined;
        yield record;
        this.#markProcessed(source, record.offset + 1);
      }
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      if (!failed) await this.close();
    }
  }

  /**
   * Yields the records of one partition from one fetch at a time, at most
   * 1,000 (a larger fetch comes in several yields; its stored batches are
   * decoded only when reached): `{ topic, partition, records, highWatermark }`.
   * Same closing rules as iterating the consumer.
   *
   * @returns An async iterator of batches.
   */
  async *batches(): AsyncGenerator<ConsumerBatch<ConsumerRecordOf<T>>, void, undefined> {
    let failed = false;
    try {
      for (;;) {
        const source = this.#quick() ?? await this.#ready();
        if (source === undefined) return;
        this.#current = undefined;
        const ready = source.ready(BATCH_RECORDS);
        const chunk = ready instanceof Promise ? await this.#settle(source, ready) : ready;
        if (chunk === undefined) continue;
        const raw = source.peek(chunk, BATCH_RECORDS);
        const records = new Array<ConsumerRecordOf<T>>(raw.length);
        for (let i = 0; i < raw.length; i++) {
          records[i] = this.#decode(source, raw[i]!) as ConsumerRecordOf<T>;
        }
        source.advance(chunk, raw.length);
        yield {
          topic: source.topic.name,
          partition: source.partition,
          records,
          highWatermark: chunk.highWatermark,
        };
        const last = records[records.length - 1];
        if (last !== undefined) this.#markProcessed(source, last.offset + 1);
      }
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      if (!failed) await this.close();
    }
  }

  /**
   * Aborts every fetch in flight, drops buffers and ends iteration. In group
   * mode it first commits processed offsets (`autoCommit`), runs
   * `"revoked"` listeners and leaves the group. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#cancelAutoCommit?.();
      this.#cancelAutoCommit = undefined;
      this.#current = undefined;
      this.#signal();
      if (this.#group?.alive) {
        await this.#group.leave((commit) => this.#revoke([...this.#sources.keys()], commit));
      }
      const sources = [...this.#sources.values()];
      this.#sources.clear();
      await Promise.all(sources.map((s) => s.close()));
    })();
    return this.#closing;
  }

  /**
   * Group mode: adds topics to the subscription (the consumer gives up its
   * partitions, leaves and joins again; see the module doc).
   *
   * @param topics Topics to add (typed topics bring their codecs).
   * @throws {WeirError} `INVALID_REQUEST` without `groupId` or on a closed consumer.
   */
  subscribe(topics: readonly T[]): void {
    this.#open("subscribe");
    const group = this.#requireGroup("subscribe");
    for (const t of topics) {
      const typed = toTypedTopic(t);
      this.#topics.set(typed.name, typed as TypedTopic<unknown, unknown>);
    }
    group.subscribe([...this.#topics.keys()]);
  }

  /**
   * Group mode: registers a listener of `"assigned"` (partitions just
   * given, before they are fetched) or `"revoked"` (partitions taken away,
   * after their commit, before the broker hears they are released; also
   * partitions lost to fencing). Listeners are awaited; one that throws is
   * logged and ignored.
   *
   * @param event `"assigned"` or `"revoked"`.
   * @param listener Gets `{ topic, partition }[]`.
   * @returns A function that removes the listener.
   */
  on(event: ConsumerEvent, listener: RebalanceListener): () => void {
    const set = this.#listeners[event];
    if (set === undefined) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot listen to ${JSON.stringify(event)}: no such event`,
      );
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Group mode: commits offsets. Without an argument, the position (next
   * offset to deliver) of every owned partition; with a record, that record
   * (its offset + 1); with a list, those offsets. Sent with the member id
   * and epoch, in order with the heartbeats.
   *
   * @param target A record, offsets, or nothing.
   * @throws {WeirError} `INVALID_REQUEST` without `groupId` or for a bad offset;
   *   `REBALANCE_IN_PROGRESS` while not a member; `FENCED_MEMBER_EPOCH` / `UNKNOWN_MEMBER_ID`.
   */
  async commit(
    target?:
      | { topic: string; partition: number; offset: number }
      | readonly CommitOffset<
        T | string
      >[],
  ): Promise<void> {
    const group = this.#requireGroup("commit");
    const offsets: OffsetCommit[] = [];
    if (target === undefined) {
      for (const [key, s] of this.#sources) {
        if (s.position !== undefined && this.#committed.get(key) !== s.position) {
          offsets.push({ topic: s.topic.name, partition: s.partition, offset: s.position });
        }
      }
    } else if (Array.isArray(target)) {
      for (const o of target as readonly CommitOffset<TopicLike>[]) {
        const c: OffsetCommit = {
          topic: topicName(o.topic),
          partition: o.partition,
          offset: o.offset,
        };
        if (o.metadata !== undefined) c.metadata = o.metadata;
        offsets.push(c);
      }
    } else {
      const r = target as { topic: string; partition: number; offset: number };
      offsets.push({ topic: r.topic, partition: r.partition, offset: r.offset + 1 });
    }
    for (const o of offsets) {
      if (!Number.isSafeInteger(o.offset) || o.offset < 0 || !Number.isInteger(o.partition)) {
        throw new WeirError(
          "INVALID_REQUEST",
          `Cannot commit "${o.topic}-${o.partition}": offset ${o.offset} is not an offset >= 0`,
        );
      }
    }
    await group.commit(offsets);
    for (const o of offsets) this.#committed.set(tpKey(o.topic, o.partition), o.offset);
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
    this.#dirty = true;
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
   * The hot path of `#ready()`: while nothing was signalled since its last
   * full look (no fetch settled, no seek, pause, resume, assignment, error
   * or close), the current source goes on, topping up only its own prefetch.
   */
  #quick(): PartitionSource | undefined {
    const current = this.#current;
    if (this.#dirty || current === undefined || current.paused || !current.hasBuffered) {
      return undefined;
    }
    if (current.wantsFetch(this.#settings)) {
      current.startFetch(this.#http, this.#settings, () => this.#signal());
    }
    return current;
  }

  /**
   * Waits until a source has records to hand out (or an error to throw);
   * undefined once closed. Fetches start here, that is, only when the loop
   * asks.
   */
  async #ready(): Promise<PartitionSource | undefined> {
    for (;;) {
      this.#dirty = false;
      if (this.#closing !== undefined) return undefined;
      if (this.#failure !== undefined) {
        this.#dirty = true;
        throw this.#failure;
      }
      const sources = [...this.#sources.values()];
      for (const s of sources) {
        if (s.error !== undefined && !s.paused) {
          const error = s.error;
          if (!this.#unpositioned.has(tpKey(s.topic.name, s.partition))) s.error = undefined;
          this.#dirty = true;
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

  /**
   * Awaits a decompressing decode; undefined when the source was paused,
   * revoked or closed meanwhile (the loop then picks again).
   */
  async #settle(
    source: PartitionSource,
    ready: Promise<BufferedChunk | undefined>,
  ): Promise<BufferedChunk | undefined> {
    const chunk = await ready;
    const key = tpKey(source.topic.name, source.partition);
    if (this.#closing !== undefined || source.paused || this.#sources.get(key) !== source) {
      return undefined;
    }
    return chunk;
  }

  #requireGroup(what: string): GroupMembership {
    if (this.#group === undefined) {
      throw new WeirError("INVALID_REQUEST", `Cannot ${what}: the consumer has no groupId`);
    }
    return this.#group;
  }

  /** Test hook: stop heartbeating and committing, as if the process died. */
  [STOP_HEARTBEATS](): void {
    this.#cancelAutoCommit?.();
    this.#cancelAutoCommit = undefined;
    this.#group?.stop();
  }

  #markProcessed(source: PartitionSource, next: number): void {
    if (this.#group === undefined) return;
    const key = tpKey(source.topic.name, source.partition);
    if (this.#sources.get(key) === source) this.#processed.set(key, next);
  }

  /** Processed offsets of `keys` not committed yet. */
  #uncommitted(keys: Iterable<string>): OffsetCommit[] {
    const offsets: OffsetCommit[] = [];
    for (const key of keys) {
      const next = this.#processed.get(key);
      const committed = this.#committed.get(key);
      if (next === undefined || (committed !== undefined && next <= committed)) continue;
      const [topic, partition] = key.split("\u0000") as [string, string];
      offsets.push({ topic, partition: Number(partition), offset: next });
    }
    return offsets;
  }

  async #commitProcessed(keys: Iterable<string>, commit: CommitFn): Promise<void> {
    const offsets = this.#uncommitted(keys);
    try {
      await commit(offsets);
      for (const o of offsets) this.#committed.set(tpKey(o.topic, o.partition), o.offset);
    } catch (e) {
      this.#onError?.(toWeirError(e, `Cannot auto-commit offsets of group "${this.#groupId}"`));
    }
  }

  #armAutoCommit(): void {
    const group = this.#group;
    if (group === undefined || !group.alive || this.#closing !== undefined) return;
    this.#cancelAutoCommit = this.#schedule(() => {
      this.#cancelAutoCommit = undefined;
      void group.asMember((commit) => this.#commitProcessed([...this.#sources.keys()], commit))
        .finally(() => this.#armAutoCommit());
    }, this.#autoCommitIntervalMs);
  }

  async #emit(event: ConsumerEvent, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const partitions = keys.map((key) => {
      const [topic, partition] = key.split("\u0000") as [string, string];
      return { topic, partition: Number(partition) };
    });
    for (const listener of [...this.#listeners[event]]) {
      try {
        await listener(partitions.map((p) => ({ ...p })));
      } catch (e) {
        this.#onError?.(toWeirError(e, `Cannot run a "${event}" listener`));
      }
    }
  }

  /** Stops fetching `keys`, commits them (autoCommit), emits "revoked", forgets them. */
  async #revoke(keys: string[], commit: CommitFn | undefined): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const key of keys) {
      const source = this.#sources.get(key);
      if (source === undefined) continue;
      this.#sources.delete(key);
      if (this.#current === source) this.#current = undefined;
      closing.push(source.close());
    }
    await Promise.all(closing);
    if (commit !== undefined && this.#autoCommit) await this.#commitProcessed(keys, commit);
    await this.#emit("revoked", keys);
    for (const key of keys) {
      this.#processed.delete(key);
      this.#committed.delete(key);
      this.#unpositioned.delete(key);
    }
    this.#signal();
  }

  /** Fenced or unknown: drop everything, commit nothing. */
  #lose(): Promise<void> {
    return this.#revoke([...this.#sources.keys()], undefined);
  }

  /** Follows the member's full assignment (see the module doc for the order). */
  async #reconcile(assignment: TopicPartitionList[], commit: CommitFn): Promise<void> {
    const target = new Map<string, { topic: string; partition: number }>();
    for (const { topic, partitions } of assignment) {
      for (const partition of partitions) target.set(tpKey(topic, partition), { topic, partition });
    }
    const revoked = [...this.#sources.keys()].filter((key) => !target.has(key));
    if (revoked.length > 0) await this.#revoke(revoked, commit);
    const added = [...target].filter(([key]) => !this.#sources.has(key));
    if (added.length === 0 || this.#closing !== undefined) return;
    const committed = new Map<string, number>();
    for (const topic of new Set(added.map(([, tp]) => tp.topic))) {
      const { offsets } = await this.#http.json(
        `/v1/groups/${encodeURIComponent(this.#groupId!)}/offsets`,
        GroupOffsetsResponseSchema,
        { query: { topic } },
      );
      for (const o of offsets) committed.set(tpKey(o.topic, o.partition), o.offset);
    }
    if (this.#closing !== undefined) return;
    for (const [key, tp] of added) {
      const offset = committed.get(key);
      const reset = this.#settings.autoOffsetReset;
      const source = new PartitionSource(
        this.#resolve(tp.topic),
        tp.partition,
        offset ?? (reset === "none" ? "latest" : reset),
      );
      if (offset !== undefined) {
        this.#committed.set(key, offset);
      } else if (reset === "none") {
        source.error = new WeirError(
          "OFFSET_OUT_OF_RANGE",
          `Cannot start reading ${source.label} for group "${this.#groupId}": ` +
            `it has no committed offset and autoOffsetReset is "none" (seek to choose one)`,
        );
        this.#unpositioned.add(key);
      }
      this.#sources.set(key, source);
    }
    await this.#emit("assigned", added.map(([key]) => key));
    this.#signal();
  }

  #decode(source: PartitionSource, r: DecodedRecord): ConsumerRecord<unknown, unknown> {
    // Hot path (once per record): build each codec context directly, no spread copies.
    const topic = source.topic;
    const name = topic.name;
    const partition = source.partition;
    const offset = r.offset;
    const headers: Record<string, string> = {};
    for (const h of r.headers) headers[h.key] = h.value === null ? "" : fromUtf8.decode(h.value);
    return {
      topic: name,
      partition,
      offset,
      timestamp: r.timestamp,
      key: r.key === null
        ? null
        : topic.key.decode(r.key, { topic: name, partition, offset, part: "key" }),
      value: topic.value.decode(r.value, { topic: name, partition, offset, part: "value" }),
      headers,
    };
  }
}
