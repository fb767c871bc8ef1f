/**
 * One segment: a `.log` of RecordBatch v2 bytes plus its sparse `.index` and
 * `.timeindex` (Kafka's `LogSegment`).
 *
 * Writes: {@linkcode Segment.append} writes the caller's bytes at the end of
 * the `.log` in one call (no copy) and adds index entries every
 * `index.interval.bytes`. Indexes live in memory and their new entries are
 * written to their files at {@linkcode Segment.flushIndexes} (flush, roll,
 * close); only a closed segment's indexes are fsynced, because an index is
 * rebuilt whenever it cannot be trusted.
 *
 * Reads: {@linkcode Segment.read} finds the batch holding an offset through
 * the offset index (binary search, then a short forward scan of headers) and
 * returns whole batches, verifying each one's length, magic and CRC-32C: a
 * corrupt batch is never returned; a read starting at one throws
 * `CORRUPT_MESSAGE`.
 *
 * Crash: appends past the last fsync may be lost or torn; {@linkcode Segment.recover}
 * validates batch by batch (length, magic, CRC, increasing offsets),
 * truncates the first bad byte onwards and rebuilds both indexes.
 *
 * @module
 */
import { getLogger } from "../../runtime/worker.ts";
import {
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  type Crc32c,
  readBatchHeader,
  type RecordBatchHeader,
  WeirError,
} from "../../../client/protocol/codec.ts";
import type { LogFile, LogFileSystem } from "./log_fs.ts";
import { INDEX_SUFFIX, LOG_SUFFIX, segmentPath, TIME_INDEX_SUFFIX } from "./log_files.ts";
import { OFFSET_INDEX_ENTRY_SIZE, OffsetIndex } from "./offset_index.ts";
import { TIME_INDEX_ENTRY_SIZE, TimeIndex } from "./time_index.ts";

const logger = getLogger(["weir", "log", "segment"]);

const OFF_MAGIC = 16;
const OFF_CRC = 17;
const OFF_ATTRIBUTES = 21;
const SCAN_CHUNK = 64 * 1024;
const RECOVER_CHUNK = 8 * 1024 * 1024;
const INT32_MAX = 0x7fffffff;

/** A batch as the segment sees it when appending. */
export interface SegmentBatch {
  /** Position of the batch in the appended buffer. */
  pos: number;
  /** Total bytes. */
  size: number;
  /** Absolute base offset. */
  baseOffset: number;
  /** Absolute last offset. */
  lastOffset: number;
  /** Largest timestamp. */
  maxTimestamp: number;
}

/** Settings shared by every segment of a log. */
export interface SegmentOptions {
  /** File operations. */
  fs: LogFileSystem;
  /** Partition directory. */
  dir: string;
  /** Base offset (the file name). */
  baseOffset: number;
  /** `index.interval.bytes`. */
  indexIntervalBytes: number;
  /** CRC-32C implementation. */
  crc: Crc32c;
  /** Intermediate state suffix for every file (e.g. `.cleaned`), default none. */
  state?: string;
  /** Time the segment counts as created (for `segment.ms`). */
  createdAt: number;
}

/** What {@linkcode Segment.recover} did. */
export interface SegmentRecovery {
  /** Bytes that passed validation. */
  validBytes: number;
  /** Bytes cut from the end. */
  truncatedBytes: number;
  /** Why the cut happened, if it did. */
  reason: string | null;
  /** Corrupt batches kept because they lie below the recovery point (fsynced data). */
  corrupt?: { position: number; offset: number }[];
}

/** Result of {@linkcode Segment.read}. */
export interface SegmentRead {
  /** Whole batches. */
  bytes: Uint8Array;
  /** Offset after the last returned batch. */
  nextOffset: number;
}

/** Why the batch at the start of `buf` is not valid, or null when it is. */
function batchProblem(buf: Uint8Array, pos: number, end: number, crc: Crc32c): string | null {
  if (end - pos < BATCH_LOG_OVERHEAD) return `${end - pos} bytes remain, fewer than a batch header`;
  const size = ((buf[pos + 8]! << 24) | (buf[pos + 9]! << 16) | (buf[pos + 10]! << 8) |
    buf[pos + 11]!) + BATCH_LOG_OVERHEAD;
  if (size < BATCH_HEADER_SIZE) {
    return `batch length ${size - BATCH_LOG_OVERHEAD} is below the header size`;
  }
  if (pos + size > end) return `batch length ${size - BATCH_LOG_OVERHEAD} runs past the end`;
  if (buf[pos + OFF_MAGIC] !== 2) return `magic ${buf[pos + OFF_MAGIC]} is not 2`;
  const stored = ((buf[pos + OFF_CRC]! << 24) | (buf[pos + OFF_CRC + 1]! << 16) |
    (buf[pos + OFF_CRC + 2]! << 8) | buf[pos + OFF_CRC + 3]!) >>> 0;
  const computed = crc(buf.subarray(pos + OFF_ATTRIBUTES, pos + size)) >>> 0;
  if (stored !== computed) return `CRC mismatch (stored ${stored}, computed ${computed})`;
  return null;
}

/** Size of the batch at pos from its length field (no checks). */
function sizeAt(buf: Uint8Array, pos: number): number {
  return ((buf[pos + 8]! << 24) | (buf[pos + 9]! << 16) | (buf[pos + 10]! << 8) | buf[pos + 11]!) +
    BATCH_LOG_OVERHEAD;
}

/** One segment's files. Not thread-safe: one owner. */
export class Segment {
  /** Base offset. */
  readonly baseOffset: number;
  readonly #o: SegmentOptions;
  readonly #log: LogFile;
  #size: number;
  #nextOffset: number;
  #maxTimestamp = -1;
  #offsetIndex: OffsetIndex;
  #timeIndex: TimeIndex;
  #bytesSinceIndex = 0;
  #indexPersisted = 0;
  #timePersisted = 0;
  #unsynced = false;
  #createdAt: number;
  #closed = false;

  private constructor(o: SegmentOptions, log: LogFile, size: number) {
    this.baseOffset = o.baseOffset;
    this.#o = o;
    this.#log = log;
    this.#size = size;
    this.#nextOffset = o.baseOffset;
    this.#offsetIndex = new OffsetIndex(o.baseOffset);
    this.#timeIndex = new TimeIndex(o.baseOffset);
    this.#createdAt = o.createdAt;
  }

  /**
   * Creates a new, empty segment (truncating any file of the same name).
   *
   * @param options Files, base offset, index interval.
   * @returns The segment.
   */
  static create(options: SegmentOptions): Segment {
    const log = options.fs.open(Segment.path(options, LOG_SUFFIX), {
      create: true,
      truncate: true,
    });
    const seg = new Segment(options, log, 0);
    try {
      for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
        options.fs.open(Segment.path(options, suffix), { create: true, truncate: true }).close();
      }
    } catch (e) {
      seg.close();
      throw e;
    }
    return seg;
  }

  /**
   * Opens an existing segment, trusting its bytes (below the recovery point).
   * The indexes are loaded and checked; one that fails the checks is rebuilt
   * by scanning the segment. The tail after the last index entry is scanned
   * to learn the next offset and largest timestamp.
   *
   * @param options Files, base offset, index interval.
   * @param limits `maxOffset`: offsets must stay below it (the next segment's base).
   * @returns The segment and whether an index was rebuilt.
   */
  static openTrusted(
    options: SegmentOptions,
    limits: { maxOffset: number },
  ): { segment: Segment; rebuilt: string | null } {
    const log = options.fs.open(Segment.path(options, LOG_SUFFIX));
    const seg = new Segment(options, log, log.size());
    try {
      const problem = seg.#loadIndexes(limits.maxOffset);
      if (problem !== null) {
        seg.#rebuildIndexes();
        return { segment: seg, rebuilt: problem };
      }
      seg.#scanTail();
      return { segment: seg, rebuilt: null };
    } catch (e) {
      seg.close();
      throw e;
    }
  }

  /**
   * Opens an existing segment and validates it batch by batch (above the
   * recovery point), truncating at the first bad batch and rebuilding both
   * indexes.
   *
   * @param options Files, base offset, index interval.
   * @param limits `maxOffset`: offsets must stay below it.
   * @returns The segment and what recovery did.
   */
  static openRecovering(
    options: SegmentOptions,
    limits: { maxOffset: number; keepBelow?: number },
  ): { segment: Segment; recovery: SegmentRecovery } {
    const log = options.fs.open(Segment.path(options, LOG_SUFFIX));
    const seg = new Segment(options, log, log.size());
    try {
      const recovery = seg.recover(limits);
      return { segment: seg, recovery };
    } catch (e) {
      seg.close();
      throw e;
    }
  }

  /** Path of one of this segment's files. */
  static path(o: { dir: string; baseOffset: number; state?: string }, suffix: string): string {
    return segmentPath(
      o.dir,
      o.baseOffset,
      o.state === undefined ? { suffix } : { suffix, state: o.state },
    );
  }

  /** Bytes in the `.log`. */
  get size(): number {
    return this.#size;
  }

  /** Offset after the last batch (the base offset when empty). */
  get nextOffset(): number {
    return this.#nextOffset;
  }

  /** Largest timestamp of any batch, -1 when empty. */
  get maxTimestamp(): number {
    return this.#maxTimestamp;
  }

  /** The in-memory offset index. */
  get offsetIndex(): OffsetIndex {
    return this.#offsetIndex;
  }

  /** The in-memory time index. */
  get timeIndex(): TimeIndex {
    return this.#timeIndex;
  }

  /** Whether bytes were written since the last fsync. */
  get unsynced(): boolean {
    return this.#unsynced;
  }

  /** When the segment counts as created, for `segment.ms`. */
  get createdAt(): number {
    return this.#createdAt;
  }

  /**
   * Whether the next append of `incomingBytes` ending at `lastOffset` should
   * go to a new segment: never for an empty segment; yes when it would pass
   * `segment.bytes`, when `segment.ms` has elapsed since creation, or when
   * offsets/positions would overflow the int32 index fields.
   *
   * @param incoming Size and last offset of the append, current time.
   * @param limits `segmentBytes`, `segmentMs`.
   * @returns True to roll.
   */
  shouldRoll(
    incoming: { bytes: number; lastOffset: number; now: number },
    limits: { segmentBytes: number; segmentMs: number },
  ): boolean {
    if (this.#size === 0) return false;
    return this.#size + incoming.bytes > limits.segmentBytes ||
      incoming.now - this.#createdAt >= limits.segmentMs ||
      incoming.lastOffset - this.baseOffset > INT32_MAX ||
      this.#size + incoming.bytes > INT32_MAX;
  }

  /**
   * Appends validated batches: writes `buf` at the end of the `.log` and
   * indexes them.
   *
   * @param buf Concatenated batches, offsets already assigned.
   * @param batches Their layout within `buf`, in order.
   * @throws {WeirError} `KAFKA_STORAGE_ERROR` when the write fails (the partial write is cut off).
   */
  append(buf: Uint8Array, batches: readonly SegmentBatch[]): void {
    const start = this.#size;
    try {
      this.#log.writeAt(buf, start);
    } catch (e) {
      this.#cutAfterFailedWrite(start);
      throw new WeirError(
        "KAFKA_STORAGE_ERROR",
        `Cannot append to segment ${this.baseOffset}: ${e instanceof Error ? e.message : e}`,
        { cause: e },
      );
    }
    this.#size = start + buf.length;
    this.#unsynced = true;
    for (const b of batches) this.#indexBatch(start + b.pos, b);
  }

  #cutAfterFailedWrite(size: number): void {
    try {
      this.#log.truncate(size);
    } catch (e) {
      logger.error("Cannot cut a failed write of segment {base}: {error}", {
        base: this.baseOffset,
        error: String(e),
      });
      throw new WeirError(
        "KAFKA_STORAGE_ERROR",
        `Cannot cut a failed write of segment ${this.baseOffset}: ${
          e instanceof Error ? e.message : e
        }`,
        { cause: e },
      );
    }
  }

  #indexBatch(
    position: number,
    b: { size: number; baseOffset: number; lastOffset: number; maxTimestamp: number },
  ): void {
    if (b.maxTimestamp > this.#maxTimestamp) this.#maxTimestamp = b.maxTimestamp;
    if (this.#offsetIndex.entries === 0 || this.#bytesSinceIndex >= this.#o.indexIntervalBytes) {
      this.#offsetIndex.append(b.baseOffset, position);
      this.#timeIndex.append(this.#maxTimestamp, b.lastOffset);
      this.#bytesSinceIndex = 0;
    }
    this.#bytesSinceIndex += b.size;
    this.#nextOffset = b.lastOffset + 1;
  }

  /**
   * Finds where the batch holding `offset` (or the first batch after it)
   * starts, through the offset index and a forward scan of batch headers.
   *
   * @param offset Absolute offset.
   * @returns Position and header, or null when no batch in this segment ends at or after `offset`.
   * @throws {WeirError} `CORRUPT_MESSAGE` when a batch header on the way is malformed.
   */
  find(offset: number): { position: number; header: RecordBatchHeader } | null {
    if (offset >= this.#nextOffset) return null;
    let entry = this.#offsetIndex.lookup(offset);
    let pos = entry.position;
    const probe = this.#readAt(pos, BATCH_HEADER_SIZE);
    const probed = probe.length < BATCH_HEADER_SIZE || probe[OFF_MAGIC] !== 2
      ? -1
      : readBatchHeader(probe).baseOffset;
    if (probed < 0 || (pos === 0 ? probed < entry.offset : probed !== entry.offset)) {
      logger.warn("Offset index of segment {base} points to a wrong batch at {pos}; scanning", {
        base: this.baseOffset,
        pos,
      });
      entry = { offset: this.baseOffset, position: 0 };
      pos = 0;
    }
    let chunk: Uint8Array = new Uint8Array(0);
    let chunkStart = pos;
    while (pos < this.#size) {
      let at = pos - chunkStart;
      if (at + BATCH_HEADER_SIZE > chunk.length) {
        chunk = this.#readAt(pos, Math.min(SCAN_CHUNK, this.#size - pos));
        chunkStart = pos;
        at = 0;
        if (chunk.length < BATCH_HEADER_SIZE) break;
      }
      const header = readBatchHeader(chunk, at);
      if (header.magic !== 2 || header.batchLength + BATCH_LOG_OVERHEAD < BATCH_HEADER_SIZE) {
        throw new WeirError(
          "CORRUPT_MESSAGE",
          `Cannot read segment ${this.baseOffset}: malformed batch header at byte ${pos}`,
        );
      }
      if (header.baseOffset + header.lastOffsetDelta >= offset) return { position: pos, header };
      pos += header.batchLength + BATCH_LOG_OVERHEAD;
    }
    return null;
  }

  /**
   * Reads whole batches starting at the batch that holds `offset`: at least
   * one batch (even when larger than `maxBytes`), then more while they fit
   * in `maxBytes`, stopping before a batch whose base offset is >=
   * `maxOffset`. Every returned batch passed its CRC check.
   *
   * @param offset Absolute offset.
   * @param options `maxBytes`, optional `maxOffset` (exclusive).
   * @returns The bytes and the offset after them, or null when nothing in this segment is at or after `offset`.
   * @throws {WeirError} `CORRUPT_MESSAGE` when the first batch is corrupt.
   */
  read(offset: number, options: { maxBytes: number; maxOffset?: number }): SegmentRead | null {
    const found = this.find(offset);
    if (found === null) return null;
    const maxOffset = options.maxOffset ?? Infinity;
    if (found.header.baseOffset >= maxOffset) {
      return { bytes: new Uint8Array(0), nextOffset: offset };
    }
    const firstSize = found.header.batchLength + BATCH_LOG_OVERHEAD;
    const want = Math.min(Math.max(firstSize, options.maxBytes), this.#size - found.position);
    const buf = this.#readAt(found.position, want);
    const crc = this.#o.crc;
    let end = 0;
    let nextOffset = offset;
    while (end < buf.length) {
      if (end > 0) {
        if (buf.length - end < BATCH_LOG_OVERHEAD || end + sizeAt(buf, end) > buf.length) break;
      }
      const problem = batchProblem(buf, end, buf.length, crc);
      if (problem !== null) {
        const where = `segment ${this.baseOffset} byte ${found.position + end}`;
        if (end === 0) {
          logger.error("Corrupt batch at {where}: {problem}", { where, problem });
          throw new WeirError(
            "CORRUPT_MESSAGE",
            `Cannot read offset ${offset}: the batch at ${where} is corrupt: ${problem}`,
          );
        }
        logger.error("Corrupt batch at {where}: {problem}; serving the batches before it", {
          where,
          problem,
        });
        break;
      }
      const header = readBatchHeader(buf, end);
      if (end > 0 && header.baseOffset >= maxOffset) break;
      end += header.batchLength + BATCH_LOG_OVERHEAD;
      nextOffset = header.baseOffset + header.lastOffsetDelta + 1;
    }
    return { bytes: end === buf.length ? buf : buf.subarray(0, end), nextOffset };
  }

  /**
   * The first offset >= `startOffset` whose batch has a timestamp >= `timestamp`,
   * scanning batch headers from the time index's hint.
   *
   * @param timestamp Target timestamp.
   * @param startOffset Lowest offset to consider.
   * @returns The batch's first offset >= startOffset, or null when none.
   */
  findTimestamp(
    timestamp: number,
    startOffset: number,
  ): { offset: number; position: number } | null {
    if (this.#maxTimestamp < timestamp) return null;
    const from = Math.max(this.#timeIndex.scanStart(timestamp), startOffset);
    let found = this.find(from);
    while (found !== null) {
      const { header, position } = found;
      const last = header.baseOffset + header.lastOffsetDelta;
      if (header.maxTimestamp >= timestamp) {
        return { offset: Math.max(header.baseOffset, from), position };
      }
      found = this.find(last + 1);
    }
    return null;
  }

  /**
   * Calls `fn` for every batch in order, reading in chunks; the bytes are
   * valid only during the call. Checks lengths, not CRCs.
   *
   * @param fn Receives the chunk, the batch position in it and its header.
   * @throws {WeirError} `CORRUPT_MESSAGE` for a malformed length.
   */
  forEachBatch(fn: (buf: Uint8Array, pos: number, header: RecordBatchHeader) => void): void {
    let pos = 0;
    let chunk: Uint8Array = new Uint8Array(0);
    let chunkStart = 0;
    while (pos < this.#size) {
      let at = pos - chunkStart;
      if (at + BATCH_LOG_OVERHEAD > chunk.length || at + sizeAt(chunk, at) > chunk.length) {
        const head = this.#readAt(pos, Math.min(BATCH_LOG_OVERHEAD, this.#size - pos));
        const size = head.length === BATCH_LOG_OVERHEAD ? sizeAt(head, 0) : -1;
        if (size < BATCH_HEADER_SIZE || pos + size > this.#size) {
          throw new WeirError(
            "CORRUPT_MESSAGE",
            `Cannot scan segment ${this.baseOffset}: bad batch length at byte ${pos}`,
          );
        }
        chunk = this.#readAt(pos, Math.max(size, Math.min(RECOVER_CHUNK, this.#size - pos)));
        chunkStart = pos;
        at = 0;
      }
      const header = readBatchHeader(chunk, at);
      fn(chunk, at, header);
      pos += header.batchLength + BATCH_LOG_OVERHEAD;
    }
  }

  /** Reads `length` bytes at `position` (short at the end of file). */
  #readAt(position: number, length: number): Uint8Array {
    const buf = new Uint8Array(length);
    const n = this.#log.readAt(buf, position);
    return n === length ? buf : buf.subarray(0, n);
  }

  /**
   * Validates the whole segment batch by batch, truncates at the first bad
   * batch and rebuilds both indexes.
   *
   * @param limits `maxOffset`: offsets must stay below it.
   * @returns What was kept and cut.
   */
  recover(limits: { maxOffset: number; keepBelow?: number }): SegmentRecovery {
    this.#offsetIndex.clear();
    this.#timeIndex.clear();
    this.#bytesSinceIndex = 0;
    this.#maxTimestamp = -1;
    this.#nextOffset = this.baseOffset;
    const fileSize = this.#log.size();
    let pos = 0;
    let reason: string | null = null;
    const corrupt: { position: number; offset: number }[] = [];
    let chunk: Uint8Array = new Uint8Array(0);
    let chunkStart = 0;
    while (pos < fileSize) {
      let at = pos - chunkStart;
      if (at + BATCH_LOG_OVERHEAD > chunk.length || at + sizeAt(chunk, at) > chunk.length) {
        let want = Math.min(RECOVER_CHUNK, fileSize - pos);
        const head = this.#readAt(pos, Math.min(BATCH_LOG_OVERHEAD, fileSize - pos));
        if (head.length === BATCH_LOG_OVERHEAD) {
          const size = sizeAt(head, 0);
          if (size > want && size <= fileSize - pos) want = size;
        }
        chunk = this.#readAt(pos, want);
        chunkStart = pos;
        at = 0;
      }
      const problem = batchProblem(chunk, at, chunk.length, this.#o.crc);
      if (problem !== null) {
        const keep = problem.startsWith("CRC mismatch") &&
          readBatchHeader(chunk, at).baseOffset === this.#nextOffset &&
          this.#nextOffset < (limits.keepBelow ?? -1);
        if (!keep) {
          reason = `byte ${pos}: ${problem}`;
          break;
        }
        // Below the recovery point the bytes were fsynced: a CRC mismatch is corruption, not a
        // torn write. Keep it (reads of it fail with CORRUPT_MESSAGE; the data after it stays
        // readable) and leave the decision to the operator (docs/operations.md).
        corrupt.push({ position: pos, offset: this.#nextOffset });
        logger.error(
          "Corrupt batch at offset {offset} (segment {base} byte {pos}) below the recovery point: {problem}; kept, reads of it fail",
          { offset: this.#nextOffset, base: this.baseOffset, pos, problem },
        );
      }
      const header = readBatchHeader(chunk, at);
      const last = header.baseOffset + header.lastOffsetDelta;
      if (
        header.baseOffset < this.#nextOffset || header.recordCount < 0 ||
        header.lastOffsetDelta < header.recordCount - 1 || last >= limits.maxOffset ||
        last - this.baseOffset > INT32_MAX
      ) {
        reason = `byte ${pos}: offsets ${header.baseOffset}..${last} do not follow ${
          this.#nextOffset - 1
        }`;
        break;
      }
      const size = header.batchLength + BATCH_LOG_OVERHEAD;
      this.#indexBatch(pos, {
        size,
        baseOffset: header.baseOffset,
        lastOffset: last,
        maxTimestamp: header.maxTimestamp,
      });
      pos += size;
    }
    const truncatedBytes = fileSize - pos;
    if (truncatedBytes > 0) {
      this.#log.truncate(pos);
      this.#log.sync();
    }
    this.#size = pos;
    this.#rewriteIndexes();
    return { validBytes: pos, truncatedBytes, reason, corrupt };
  }

  /**
   * Removes every batch whose last offset is >= `offset` (whole batches).
   *
   * @param offset First offset to remove.
   * @returns Bytes removed.
   */
  truncateTo(offset: number): number {
    const found = this.find(offset);
    if (found === null) return 0;
    const cut = this.#size - found.position;
    this.#log.truncate(found.position);
    this.#size = found.position;
    this.recover({ maxOffset: Infinity });
    return cut;
  }

  #loadIndexes(maxOffset: number): string | null {
    const indexBytes = this.#readFile(Segment.path(this.#o, INDEX_SUFFIX));
    const timeBytes = this.#readFile(Segment.path(this.#o, TIME_INDEX_SUFFIX));
    if (indexBytes === null || timeBytes === null) return "an index file is missing";
    const offsetIndex = OffsetIndex.fromBytes(this.baseOffset, indexBytes, { logSize: this.#size });
    if (typeof offsetIndex === "string") return `offset index: ${offsetIndex}`;
    const timeIndex = TimeIndex.fromBytes(this.baseOffset, timeBytes, { maxOffset: maxOffset - 1 });
    if (typeof timeIndex === "string") return `time index: ${timeIndex}`;
    if (this.#size > 0 && (offsetIndex.entries === 0 || timeIndex.entries === 0)) {
      return "an index is empty for a non-empty log";
    }
    if (this.#size > 0 && offsetIndex.entry(0).position !== 0) {
      return "offset index does not start at 0";
    }
    this.#offsetIndex = offsetIndex;
    this.#timeIndex = timeIndex;
    this.#indexPersisted = offsetIndex.entries;
    this.#timePersisted = timeIndex.entries;
    this.#maxTimestamp = timeIndex.last?.timestamp ?? -1;
    return null;
  }

  #readFile(path: string): Uint8Array | null {
    const size = this.#o.fs.stat(path);
    if (size === null) return null;
    const file = this.#o.fs.open(path);
    try {
      const buf = new Uint8Array(size);
      const n = file.readAt(buf, 0);
      return buf.subarray(0, n);
    } finally {
      file.close();
    }
  }

  /** Scans from the last index entry to the end: next offset, running max, bytes since index. */
  #scanTail(): void {
    const last = this.#offsetIndex.last;
    if (last === null) return;
    let pos = last.position;
    this.#bytesSinceIndex = 0;
    let first = true;
    while (pos < this.#size) {
      const head = this.#readAt(pos, BATCH_HEADER_SIZE);
      if (head.length < BATCH_HEADER_SIZE) break;
      const header = readBatchHeader(head);
      const size = header.batchLength + BATCH_LOG_OVERHEAD;
      if (header.magic !== 2 || size < BATCH_HEADER_SIZE) {
        throw new WeirError(
          "CORRUPT_MESSAGE",
          `Cannot open segment ${this.baseOffset}: malformed batch header at byte ${pos}`,
        );
      }
      if (header.maxTimestamp > this.#maxTimestamp) this.#maxTimestamp = header.maxTimestamp;
      if (!first) this.#bytesSinceIndex += size;
      else this.#bytesSinceIndex = size;
      first = false;
      this.#nextOffset = header.baseOffset + header.lastOffsetDelta + 1;
      pos += size;
    }
  }

  #rebuildIndexes(): void {
    this.#offsetIndex.clear();
    this.#timeIndex.clear();
    this.#bytesSinceIndex = 0;
    this.#maxTimestamp = -1;
    this.#nextOffset = this.baseOffset;
    let pos = 0;
    while (pos < this.#size) {
      const head = this.#readAt(pos, BATCH_HEADER_SIZE);
      if (head.length < BATCH_HEADER_SIZE) break;
      const header = readBatchHeader(head);
      const size = header.batchLength + BATCH_LOG_OVERHEAD;
      if (header.magic !== 2 || size < BATCH_HEADER_SIZE) {
        throw new WeirError(
          "CORRUPT_MESSAGE",
          `Cannot rebuild indexes of segment ${this.baseOffset}: malformed batch header at byte ${pos}`,
        );
      }
      this.#indexBatch(pos, {
        size,
        baseOffset: header.baseOffset,
        lastOffset: header.baseOffset + header.lastOffsetDelta,
        maxTimestamp: header.maxTimestamp,
      });
      pos += size;
    }
    this.#rewriteIndexes();
  }

  /** Writes both index files from scratch. */
  #rewriteIndexes(): void {
    this.#indexPersisted = 0;
    this.#timePersisted = 0;
    this.#writeIndexFile(INDEX_SUFFIX, this.#offsetIndex.bytes, 0, true);
    this.#writeIndexFile(TIME_INDEX_SUFFIX, this.#timeIndex.bytes, 0, true);
    this.#indexPersisted = this.#offsetIndex.entries;
    this.#timePersisted = this.#timeIndex.entries;
  }

  #writeIndexFile(suffix: string, bytes: Uint8Array, from: number, truncate: boolean): void {
    const file = this.#o.fs.open(Segment.path(this.#o, suffix), { create: true, truncate });
    try {
      if (!truncate && file.size() !== from) file.truncate(from);
      if (bytes.length > from) file.writeAt(bytes.subarray(from), from);
    } finally {
      file.close();
    }
  }

  /** Writes index entries added since the last write (rewrites after a truncation). */
  flushIndexes(): void {
    const oi = this.#offsetIndex;
    const ti = this.#timeIndex;
    if (oi.entries !== this.#indexPersisted) {
      const from = Math.min(oi.entries, this.#indexPersisted) * OFFSET_INDEX_ENTRY_SIZE;
      this.#writeIndexFile(INDEX_SUFFIX, oi.bytes, from, false);
      this.#indexPersisted = oi.entries;
    }
    if (ti.entries !== this.#timePersisted) {
      const from = Math.min(ti.entries, this.#timePersisted) * TIME_INDEX_ENTRY_SIZE;
      this.#writeIndexFile(TIME_INDEX_SUFFIX, ti.bytes, from, false);
      this.#timePersisted = ti.entries;
    }
  }

  /**
   * Writes the bytes from the batch holding `offset` to the end again, in
   * place, and marks the segment unsynced, so the next fsync makes them
   * durable. Used after a failed fsync: the kernel may have marked those
   * pages clean without writing them, and only a fresh write dirties them.
   *
   * @param offset First offset whose batch to rewrite (the last durable offset).
   * @returns Bytes rewritten.
   */
  rewriteFrom(offset: number): number {
    const found = offset <= this.baseOffset ? { position: 0 } : this.find(offset);
    if (found === null) return 0;
    let pos = found.position;
    while (pos < this.#size) {
      const chunk = this.#readAt(pos, Math.min(RECOVER_CHUNK, this.#size - pos));
      if (chunk.length === 0) break;
      this.#log.writeAt(chunk, pos);
      pos += chunk.length;
    }
    this.#unsynced = true;
    return pos - found.position;
  }

  /** fsyncs the `.log` (and writes new index entries, unsynced). */
  sync(): void {
    this.flushIndexes();
    if (!this.#unsynced) return;
    this.#unsynced = false;
    try {
      this.#log.sync();
    } catch (e) {
      this.#unsynced = true;
      throw e;
    }
  }

  /** fsyncs the `.log` off the thread; resolves when durable. */
  async syncAsync(): Promise<void> {
    this.flushIndexes();
    if (!this.#unsynced) return;
    this.#unsynced = false;
    try {
      await this.#log.syncAsync();
    } catch (e) {
      this.#unsynced = true;
      throw e;
    }
  }

  /**
   * Makes the segment inactive (on roll or close): records the largest
   * timestamp as the last time-index entry, then fsyncs both index files
   * and (unless `syncLog: false`) the log. A roll passes `syncLog: false`
   * and leaves the `.log` fsync to the log's background group sync, so a
   * large segment's fsync never blocks appends; the segment then stays
   * `unsynced` until that sync, and the recovery point does not pass it.
   */
  seal(options: { syncLog?: boolean } = {}): void {
    if (this.#nextOffset > this.baseOffset && this.#maxTimestamp >= 0) {
      this.#timeIndex.append(this.#maxTimestamp, this.#nextOffset - 1);
    }
    this.flushIndexes();
    if (options.syncLog ?? true) {
      this.#log.sync(); // even when clean: an fsync started elsewhere may still be in flight
      this.#unsynced = false;
    }
    for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      const file = this.#o.fs.open(Segment.path(this.#o, suffix), { create: true });
      try {
        file.sync();
      } finally {
        file.close();
      }
    }
  }

  /** Whether {@linkcode Segment.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the `.log`; idempotent. Does not flush. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#log.close();
  }

  /** Closes and removes the segment's files. */
  remove(): void {
    this.close();
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      this.#o.fs.remove(Segment.path(this.#o, suffix));
    }
  }
}
