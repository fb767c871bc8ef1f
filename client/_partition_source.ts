/**
 * One partition a consumer reads: its position, a bounded buffer of fetched
 * responses, and at most one fetch in flight on the binary route
 * `GET /v1/topics/:topic/partitions/:p/batches` (long-polling at the log
 * end). The consumer decides when to fetch (only when its loop asks, while
 * the buffer is under its record and byte bounds); a seek or close aborts
 * the fetch in flight and drops what it would bring. Group membership only
 * changes which sources exist and where they start.
 *
 * Decoding is lazy: a response is kept as bytes and only its batch headers
 * are read on arrival (the record bound counts `recordCount`s); a stored
 * batch is decoded (decompressed if need be) when the loop reaches it, so at
 * most the batch in hand is held as record objects whatever the prefetch.
 * The byte bound counts a response until its last record is handed out.
 *
 * Fetch sizes start small and double with every fetch that brings data
 * (8,192 records and 1 MiB first, then up to the prefetch bounds), so a loop
 * that reads a few records and leaves does not pull a large prefetch over
 * the network first; a seek starts over.
 *
 * @module
 */
import type { HttpClient } from "./http.ts";
import {
  BATCH_HEADERS,
  type BatchLocation,
  compressionOf,
  type DecodedRecord,
  decodeRecords,
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

/** One fetch response, kept as bytes and decoded one stored batch at a time. */
export interface BufferedChunk {
  /** The response body (concatenated RecordBatch v2). */
  bytes: Uint8Array;
  /** Data batches (no control batches, none wholly below `minOffset`), in offset order. */
  batches: BatchLocation[];
  /** Next batch of `batches` to decode. */
  nextBatch: number;
  /** Decoded records not handed out yet start at `index` (raw key and value bytes). */
  records: DecodedRecord[];
  /** Next record of `records` to hand out. */
  index: number;
  /** Records below this offset (the fetch's start) are skipped. */
  minOffset: number;
  /** Records counted in the buffer bounds and not handed out yet (headers' counts until decoded). */
  counted: number;
  /** High watermark when fetched. */
  highWatermark: number;
}

/** Records a stored batch holds at or above `minOffset`, from its header alone. */
function countFrom(batch: BatchLocation, minOffset: number): number {
  const { baseOffset, lastOffsetDelta, recordCount } = batch.header;
  if (baseOffset >= minOffset) return recordCount;
  return Math.min(recordCount, Math.max(0, baseOffset + lastOffsetDelta - minOffset + 1));
}

/** Slow start: the first fetch (and the first after a seek) asks for at most this many records. */
export const FIRST_FETCH_RECORDS = 8_192;
/** Slow start: the first fetch asks for at most this many bytes. */
export const FIRST_FETCH_BYTES = 1024 * 1024;

/** A partition being read (see the module doc). */
export class PartitionSource {
  /** The typed topic (its codecs decode the records). */
  readonly topic: TypedTopic<unknown, unknown>;
  /** Partition index. */
  readonly partition: number;
  /** Fetched responses not yet fully delivered. */
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
  /** Slow start: the most records / bytes the next fetch asks for (doubles per fetch with data). */
  #rampRecords = FIRST_FETCH_RECORDS;
  #rampBytes = FIRST_FETCH_BYTES;

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

  /** Records buffered (decoded or not; from the batch headers until decoded). */
  get bufferedRecords(): number {
    return this.#records;
  }

  /** Bytes buffered (response bodies not fully delivered). */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** True while a fetch is in flight. */
  get fetching(): boolean {
    return this.#fetch !== undefined;
  }

  /** True when something is buffered (it may still decode to nothing or fail). */
  get hasBuffered(): boolean {
    return this.buffer.length > 0;
  }

  /** True when this source may start a fetch now. */
  wantsFetch(settings: FetchSettings): boolean {
    return !this.#closed && !this.paused && this.#fetch === undefined &&
      this.error === undefined && this.#records < settings.prefetchRecords &&
      this.#bytes < settings.prefetchBytes;
  }

  /**
   * Decodes stored batches of the head chunk until at least `min` records
   * are ready (or the chunk ends); drops exhausted chunks. Synchronous for
   * uncompressed batches, a promise when one must be decompressed.
   *
   * @param min Records wanted ready (at least 1).
   * @returns The head chunk with `records.length - index >= 1`, or undefined when nothing is buffered.
   * @throws {WeirError} `INVALID_RECORD` for a malformed batch (it stays in place until a seek).
   */
  ready(min: number): BufferedChunk | undefined | Promise<BufferedChunk | undefined> {
    for (;;) {
      const chunk = this.buffer[0];
      if (chunk === undefined) return undefined;
      let available = chunk.records.length - chunk.index;
      if (available >= min || (available > 0 && chunk.nextBatch >= chunk.batches.length)) {
        return chunk;
      }
      if (chunk.nextBatch >= chunk.batches.length) {
        this.#dropHead(chunk);
        continue;
      }
      if (chunk.index > 0) {
        // Keep only what is not handed out yet, so a chunk holds at most ~`min` decoded records.
        chunk.records = available === 0 ? [] : chunk.records.slice(chunk.index);
        chunk.index = 0;
      }
      while (available < min && chunk.nextBatch < chunk.batches.length) {
        const batch = chunk.batches[chunk.nextBatch]!;
        if (this.#compressed(batch)) {
          return this.#decodeAsync(chunk, batch, min);
        }
        available += this.#append(chunk, batch, this.#decodeSync(chunk, batch));
      }
    }
  }

  /**
   * Hands out up to `max` ready records of the head chunk (call
   * {@linkcode PartitionSource.ready} first) without moving past them.
   */
  peek(chunk: BufferedChunk, max: number): DecodedRecord[] {
    const { records, index } = chunk;
    if (index === 0 && records.length <= max) return records;
    return records.slice(index, Math.min(records.length, index + max));
  }

  /**
   * Moves past `n` records of the head chunk peeked with
   * {@linkcode PartitionSource.peek}; the position becomes the last one's offset + 1.
   */
  advance(chunk: BufferedChunk, n: number): void {
    if (n <= 0) return;
    chunk.index += n;
    chunk.counted -= n;
    this.#records -= n;
    this.position = chunk.records[chunk.index - 1]!.offset + 1;
    if (chunk.index >= chunk.records.length && chunk.nextBatch >= chunk.batches.length) {
      this.#dropHead(chunk);
    }
  }

  #dropHead(chunk: BufferedChunk): void {
    if (this.buffer[0] !== chunk) return;
    this.buffer.shift();
    this.#bytes -= chunk.bytes.length;
    this.#records -= chunk.counted;
  }

  #compressed(batch: BatchLocation): boolean {
    try {
      return compressionOf(batch.header.attributes) !== "none";
    } catch (e) {
      throw this.#decodeError(e, batch);
    }
  }

  #decodeSync(chunk: BufferedChunk, batch: BatchLocation): DecodedRecord[] {
    try {
      return decodeRecords(chunk.bytes, batch.pos);
    } catch (e) {
      throw this.#decodeError(e, batch);
    }
  }

  async #decodeAsync(
    chunk: BufferedChunk,
    batch: BatchLocation,
    min: number,
  ): Promise<BufferedChunk | undefined> {
    const epoch = this.#epoch;
    let decoded: DecodedRecord[];
    try {
      decoded = await decodeRecordsAsync(chunk.bytes, batch.pos);
    } catch (e) {
      if (epoch !== this.#epoch) return await this.ready(min); // the chunk was dropped meanwhile
      throw this.#decodeError(e, batch);
    }
    // A seek or close while decompressing dropped the chunk: start over from the new head.
    if (
      epoch === this.#epoch && this.buffer[0] === chunk && chunk.batches[chunk.nextBatch] === batch
    ) {
      this.#append(chunk, batch, decoded);
    }
    return await this.ready(min);
  }

  /** Adds a decoded batch's records (from `minOffset` on) to the chunk; returns how many. */
  #append(chunk: BufferedChunk, batch: BatchLocation, decoded: DecodedRecord[]): number {
    chunk.nextBatch++;
    const estimate = countFrom(batch, chunk.minOffset);
    let kept = decoded;
    if (batch.header.baseOffset < chunk.minOffset) {
      kept = decoded.filter((r) => r.offset >= chunk.minOffset);
    }
    chunk.counted += kept.length - estimate;
    this.#records += kept.length - estimate;
    if (chunk.records.length === 0) chunk.records = kept;
    else for (const r of kept) chunk.records.push(r);
    return kept.length;
  }

  #decodeError(e: unknown, batch: BatchLocation): WeirError {
    const reason = e instanceof Error ? e.message : String(e);
    return new WeirError(
      e instanceof WeirError ? e.code : "INVALID_RECORD",
      `Cannot decode the batch at offset ${batch.header.baseOffset} of ${this.label}: ${reason}`,
      { cause: e },
    );
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
    this.#rampRecords = FIRST_FETCH_RECORDS;
    this.#rampBytes = FIRST_FETCH_BYTES;
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
          maxRecords: Math.max(
            1,
            Math.min(this.#rampRecords, settings.prefetchRecords - this.#records),
          ),
          maxBytes: Math.max(1, Math.min(this.#rampBytes, settings.prefetchBytes - this.#bytes)),
          waitMs: settings.waitMs,
        },
        headers: { accept: RECORD_BATCH_CONTENT_TYPE },
        signal,
      });
      const bytes = new Uint8Array(await response.arrayBuffer());
      const highWatermark = Number(response.headers.get(BATCH_HEADERS.highWatermark) ?? -1);
      const nextHeader = Number(response.headers.get(BATCH_HEADERS.nextOffset) ?? Number.NaN);
      // Only the headers are read now; records are decoded when the loop reaches them.
      const minOffset = typeof start === "number" ? start : 0;
      const batches: BatchLocation[] = [];
      let counted = 0;
      let lastOffset = -1;
      for (const batch of iterateBatches(bytes)) {
        const { header } = batch;
        lastOffset = header.baseOffset + header.lastOffsetDelta;
        if (isControlBatch(header.attributes) || header.recordCount <= 0) continue;
        const n = countFrom(batch, minOffset);
        if (n === 0) continue;
        batches.push(batch);
        counted += n;
      }
      if (epoch !== this.#epoch) return;
      const next = Number.isSafeInteger(nextHeader) && nextHeader >= 0
        ? nextHeader
        : lastOffset >= 0
        ? Math.max(lastOffset + 1, minOffset)
        : start;
      this.#fetchFrom = next;
      if (batches.length > 0) {
        this.#rampRecords = Math.min(2 ** 30, this.#rampRecords * 2);
        this.#rampBytes = Math.min(2 ** 40, this.#rampBytes * 2);
        this.buffer.push({
          bytes,
          batches,
          nextBatch: 0,
          records: [],
          index: 0,
          minOffset,
          counted,
          highWatermark,
        });
        this.#records += counted;
        this.#bytes += bytes.length;
        this.position ??= Math.max(batches[0]!.header.baseOffset, minOffset);
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
