/**
 * One partition a consumer reads: its position, a bounded buffer of fetched
 * records, and at most one fetch in flight on the binary route
 * `GET /v1/topics/:topic/partitions/:p/batches` (long-polling at the log
 * end). The consumer decides when to fetch (only when its loop asks, while
 * the buffer is under its record and byte bounds); a seek or close aborts
 * the fetch in flight and drops what it would bring. Group membership (a
 * later issue) only changes which sources exist and where they start.
 *
 * @module
 */
import type { HttpClient } from "./http.ts";
import {
  BATCH_HEADERS,
  type DecodedRecord,
  decodeRecordsAsync,
  isControlBatch,
  iterateBatches,
  RECORD_BATCH_CONTENT_TYPE,
  toWeirError,
  WeirError,
} from "./protocol/mod.ts";
import type { TypedTopic } from "./typed_topic.ts";

/** Where reading starts: an offset, or the log's earliest or latest end. */
export type OffsetSpec = number | "earliest" | "latest";

/** Fetch settings shared by a consumer's sources. */
export interface FetchSettings {
  /** Most records buffered per partition before fetching stops. */
  prefetchRecords: number;
  /** Most bytes buffered per partition before fetching stops. */
  prefetchBytes: number;
  /** Long-poll wait at the log end, ms. */
  waitMs: number;
  /** Where to go after `OFFSET_OUT_OF_RANGE`; `"none"` surfaces the error. */
  autoOffsetReset: "earliest" | "latest" | "none";
}

/** Records fetched in one response, consumed from `index` on. */
export interface BufferedChunk {
  /** Decoded records (raw key and value bytes), in offset order. */
  records: DecodedRecord[];
  /** Next record to hand out. */
  index: number;
  /** High watermark when fetched. */
  highWatermark: number;
  /** Bytes the response carried. */
  bytes: number;
}

/** A partition being read (see the module doc). */
export class PartitionSource {
  /** The typed topic (its codecs decode the records). */
  readonly topic: TypedTopic<unknown, unknown>;
  /** Partition index. */
  readonly partition: number;
  /** Fetched, not yet delivered records. */
  readonly buffer: BufferedChunk[] = [];
  /** Paused partitions neither fetch nor deliver. */
  paused = false;
  /** A fetch failure waiting to be thrown to the loop. */
  error: WeirError | undefined;
  /** Next offset to deliver (the consumer's position), once known. */
  position: number | undefined;
  #fetchFrom: OffsetSpec;
  #records = 0;
  #bytes = 0;
  #epoch = 0;
  #fetch: { controller: AbortController; done: Promise<void> } | undefined;
  #closed = false;

  /**
   * Creates a source.
   *
   * @param topic The typed topic.
   * @param partition The partition.
   * @param start Where to start.
   */
  constructor(topic: TypedTopic<unknown, unknown>, partition: number, start: OffsetSpec) {
    this.topic = topic;
    this.partition = partition;
    this.#fetchFrom = start;
    if (typeof start === "number") this.position = start;
  }

  /** `topic-partition`, for messages. */
  get label(): string {
    return `"${this.topic.name}-${this.partition}"`;
  }

  /** Records buffered. */
  get bufferedRecords(): number {
    return this.#records;
  }

  /** Bytes buffered. */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** True while a fetch is in flight. */
  get fetching(): boolean {
    return this.#fetch !== undefined;
  }

  /** True when this source may start a fetch now. */
  wantsFetch(settings: FetchSettings): boolean {
    return !this.#closed && !this.paused && this.#fetch === undefined &&
      this.error === undefined && this.#records < settings.prefetchRecords &&
      this.#bytes < settings.prefetchBytes;
  }

  /** Takes the next buffered record, or undefined. */
  takeRecord(): { record: DecodedRecord; chunk: BufferedChunk } | undefined {
    const chunk = this.buffer[0];
    if (chunk === undefined) return undefined;
    const record = chunk.records[chunk.index]!;
    chunk.index++;
    this.#records--;
    if (chunk.index >= chunk.records.length) {
      this.buffer.shift();
      this.#bytes -= chunk.bytes;
    }
    this.position = record.offset + 1;
    return { record, chunk };
  }

  /** Takes the rest of the head chunk, or undefined. */
  takeChunk(): { records: DecodedRecord[]; highWatermark: number } | undefined {
    const chunk = this.buffer.shift();
    if (chunk === undefined) return undefined;
    const records = chunk.records.slice(chunk.index);
    this.#records -= records.length;
    this.#bytes -= chunk.bytes;
    const last = records[records.length - 1];
    if (last !== undefined) this.position = last.offset + 1;
    return { records, highWatermark: chunk.highWatermark };
  }

  /** Puts back records taken by {@linkcode PartitionSource.takeChunk} (a failed decode). */
  putBack(records: DecodedRecord[], highWatermark: number): void {
    if (records.length === 0) return;
    this.buffer.unshift({ records, index: 0, highWatermark, bytes: 0 });
    this.#records += records.length;
    this.position = records[0]!.offset;
  }

  /**
   * Moves the position: aborts the fetch in flight, drops the buffer and a
   * pending error.
   *
   * @param offset The next offset to read.
   */
  seek(offset: OffsetSpec): void {
    this.#epoch++;
    this.#fetch?.controller.abort();
    this.#fetch = undefined;
    this.buffer.length = 0;
    this.#records = 0;
    this.#bytes = 0;
    this.error = undefined;
    this.#fetchFrom = offset;
    this.position = typeof offset === "number" ? offset : undefined;
  }

  /**
   * Starts one fetch; `onSettled` runs when it ends (data, nothing, or error).
   *
   * @param http The connection's client.
   * @param settings Bounds and long-poll wait.
   * @param onSettled Wakes the consumer.
   */
  startFetch(http: HttpClient, settings: FetchSettings, onSettled: () => void): void {
    const controller = new AbortController();
    const epoch = this.#epoch;
    const done = this.#run(http, settings, controller.signal, epoch).finally(() => {
      if (this.#epoch === epoch && this.#fetch?.controller === controller) this.#fetch = undefined;
      onSettled();
    });
    this.#fetch = { controller, done };
  }

  /** Aborts the fetch in flight and waits for it to settle; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const fetch = this.#fetch;
    this.seek(this.#fetchFrom);
    if (fetch !== undefined) {
      fetch.controller.abort();
      await fetch.done;
    }
  }

  async #run(
    http: HttpClient,
    settings: FetchSettings,
    signal: AbortSignal,
    epoch: number,
  ): Promise<void> {
    const start = this.#fetchFrom;
    const path = `/v1/topics/${
      encodeURIComponent(this.topic.name)
    }/partitions/${this.partition}/batches`;
    try {
      const response = await http.request(path, {
        query: {
          offset: start,
          maxRecords: Math.max(1, settings.prefetchRecords - this.#records),
          maxBytes: Math.max(1, settings.prefetchBytes - this.#bytes),
          waitMs: settings.waitMs,
        },
        headers: { accept: RECORD_BATCH_CONTENT_TYPE },
        signal,
      });
      const bytes = new Uint8Array(await response.arrayBuffer());
      const highWatermark = Number(response.headers.get(BATCH_HEADERS.highWatermark) ?? -1);
      const nextHeader = Number(response.headers.get(BATCH_HEADERS.nextOffset) ?? Number.NaN);
      const records: DecodedRecord[] = [];
      for (const { pos, header } of iterateBatches(bytes)) {
        if (isControlBatch(header.attributes)) continue;
        for (const r of await decodeRecordsAsync(bytes, pos)) {
          if (typeof start !== "number" || r.offset >= start) records.push(r);
        }
      }
      if (epoch !== this.#epoch) return;
      const last = records[records.length - 1];
      const next = Number.isSafeInteger(nextHeader) && nextHeader >= 0
        ? nextHeader
        : last !== undefined
        ? last.offset + 1
        : start;
      this.#fetchFrom = next;
      if (records.length > 0) {
        this.buffer.push({ records, index: 0, highWatermark, bytes: bytes.length });
        this.#records += records.length;
        this.#bytes += bytes.length;
        this.position ??= records[0]!.offset;
      } else if (typeof next === "number") {
        this.position ??= next;
      }
    } catch (e) {
      if (epoch !== this.#epoch || signal.aborted) return;
      const error = toWeirError(e, `Cannot fetch from ${this.label}`);
      if (error.code === "OFFSET_OUT_OF_RANGE" && settings.autoOffsetReset !== "none") {
        this.#fetchFrom = settings.autoOffsetReset;
        this.position = undefined;
        return;
      }
      this.error = error;
    }
  }
}
