/**
 * The partition log (Kafka's `LocalLog` plus the log-start and recovery
 * points of `UnifiedLog`): segments on disk, appends, reads, durability,
 * offsets by time, retention and compaction steps.
 *
 * Ownership: one {@linkcode Log} belongs to one PartitionActor in one
 * Worker, which calls it one message at a time, so nothing here locks.
 * File I/O is synchronous (fast, simple) except the group-commit fsync.
 *
 * Durability levels:
 * - {@linkcode Log.append} returns after the write (page cache).
 * - {@linkcode Log.sync} resolves once an fsync covering every append made
 *   before the call completed. Group commit: while one fsync runs (off the
 *   thread), later callers queue; the next fsync covers all of them — no
 *   timer, so a lone caller pays one fsync and a crowd shares one.
 * - {@linkcode Log.flush} fsyncs synchronously and persists the recovery point.
 *
 * Checkpoints (`recovery-point.checkpoint`, `log-start-offset.checkpoint`)
 * are written atomically (temp, fsync, rename, fsync dir). The recovery
 * point is persisted by `flush()`, on roll and on close — not on every
 * group commit (a stale recovery point only means more validation on start).
 * The log start offset is persisted before the segments below it are deleted.
 *
 * A failed write or fsync takes the log offline: appends, syncs, retention
 * and compaction fail with `KAFKA_STORAGE_ERROR`, reads go on (every batch
 * served still passes its CRC check). After a failed fsync the kernel may
 * have dropped the dirty pages or marked them clean (Linux), so a later
 * "successful" fsync would not make them durable: {@linkcode Log.tryRecover}
 * (called by the owner, e.g. before the next append) closes the files, loads
 * the directory again as on start, **rewrites every byte past the last
 * successful fsync** and fsyncs it, and only then accepts writes again. When
 * the disk still fails, the log stays offline and a later call tries again
 * (at most once per {@linkcode RECOVER_BACKOFF_MS} of the log clock).
 *
 * @module
 */
import { getLogger } from "../../runtime/worker.ts";
import {
  type Crc32c,
  crc32c,
  decodeRecordsSync,
  WeirError,
} from "../../../client/protocol/codec.ts";
import { SERVER_CODECS } from "./compression_codecs.ts";
import { writeCheckpoint } from "./checkpoint.ts";
import { collectLatest, commitCleaned, filterBatch, installSwap } from "./compaction.ts";
import { denoFileSystem, type LogFileSystem } from "./log_fs.ts";
import {
  CLEANED_SUFFIX,
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
} from "./log_files.ts";
import { recoverLog, type RecoveryReport } from "./recovery.ts";
import { planRetention } from "./retention.ts";
import { Segment, type SegmentOptions } from "./segment.ts";
import { Segments } from "./segments.ts";
import { applyAppendPlan, planAppend } from "./validate.ts";
import { type LogClock, systemLogClock } from "./log_clock.ts";

const logger = getLogger(["weir", "log"]);

/** Least time between two {@linkcode Log.tryRecover} attempts of an offline log (ms). */
export const RECOVER_BACKOFF_MS = 1_000;

/** Settings of one log (Kafka's topic config names in the docs). */
export interface LogConfig {
  /** `segment.bytes`: roll when a segment would pass this size (default 1 GiB). */
  segmentBytes: number;
  /** `segment.ms`: roll a segment this long after its creation (default 7 days). */
  segmentMs: number;
  /** `retention.ms`: delete closed segments older than this; -1 = unlimited (default 7 days). */
  retentionMs: number;
  /** `retention.bytes`: keep the log under this size; -1 = unlimited (default). */
  retentionBytes: number;
  /** `cleanup.policy` (default `"delete"`). */
  cleanupPolicy: "delete" | "compact" | "compact,delete";
  /** `delete.retention.ms`: how long tombstones survive compaction (default 1 day). */
  deleteRetentionMs: number;
  /** `max.message.bytes`: largest batch accepted (default 1048588). */
  maxMessageBytes: number;
  /** `index.interval.bytes`: bytes between index entries (default 4096). */
  indexIntervalBytes: number;
  /** `message.timestamp.type` (default `"CreateTime"`). */
  messageTimestampType: "CreateTime" | "LogAppendTime";
}

const DAY = 24 * 60 * 60 * 1000;

/** Kafka's defaults. */
export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * DAY,
  retentionMs: 7 * DAY,
  retentionBytes: -1,
  cleanupPolicy: "delete",
  deleteRetentionMs: DAY,
  maxMessageBytes: 1048588,
  indexIntervalBytes: 4096,
  messageTimestampType: "CreateTime",
});

export { type LogClock, systemLogClock };

/** Options of {@linkcode Log.open}. */
export interface LogOptions {
  /** Config overrides. */
  config?: Partial<LogConfig>;
  /** Time source (default: the wall clock). */
  clock?: LogClock;
  /** File operations (default: Deno's). */
  fs?: LogFileSystem;
  /** CRC-32C (default: the pure-TS one; servers pass the native one). */
  crc?: Crc32c;
  /** Name in messages and logs, e.g. `orders-0`. */
  topicPartition?: string;
}

/** Result of {@linkcode Log.append}. */
export interface AppendResult {
  /** First offset written. */
  baseOffset: number;
  /** Last offset written. */
  lastOffset: number;
  /** Largest timestamp written. */
  maxTimestamp: number;
  /** The LogAppendTime stamped, or -1. */
  logAppendTime: number;
  /** Records written. */
  recordCount: number;
  /** Batches written. */
  batchCount: number;
}

/** Result of {@linkcode Log.read}. */
export interface ReadResult {
  /** Whole batches (empty at the log end). */
  bytes: Uint8Array;
  /** Offset to read next. */
  nextOffset: number;
}

/** Result of {@linkcode Log.retentionStep}. */
export interface RetentionResult {
  /** Segments deleted. */
  deletedSegments: number;
  /** Bytes deleted. */
  deletedBytes: number;
  /** Log start offset afterwards. */
  logStartOffset: number;
}

/** Result of {@linkcode Log.compactionStep}. */
export interface CompactionResult {
  /** What the step did. */
  phase: "idle" | "map" | "clean" | "done";
  /** Base offset of the segment worked on (-1 when idle). */
  segment: number;
  /** Records removed in this step. */
  removedRecords: number;
  /** Whether a segment was rewritten and swapped in. */
  swapped: boolean;
}

interface SyncWaiter {
  target: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

interface CompactionPass {
  bases: number[];
  endOffset: number;
  phase: "map" | "clean";
  i: number;
  latest: Map<string, number>;
}

function validateConfig(config: LogConfig, where: string): void {
  const bad = (field: string) =>
    new WeirError("INVALID_CONFIG", `Cannot configure ${where}: ${field} is out of range`);
  const positive = (n: number) => Number.isSafeInteger(n) && n > 0;
  if (!positive(config.segmentBytes) || config.segmentBytes < 14) throw bad("segment.bytes");
  if (!positive(config.segmentMs)) throw bad("segment.ms");
  if (!Number.isSafeInteger(config.retentionMs) || config.retentionMs < -1) {
    throw bad("retention.ms");
  }
  if (!Number.isSafeInteger(config.retentionBytes) || config.retentionBytes < -1) {
    throw bad("retention.bytes");
  }
  if (!Number.isSafeInteger(config.deleteRetentionMs) || config.deleteRetentionMs < 0) {
    throw bad("delete.retention.ms");
  }
  if (!positive(config.maxMessageBytes)) throw bad("max.message.bytes");
  if (!Number.isSafeInteger(config.indexIntervalBytes) || config.indexIntervalBytes < 0) {
    throw bad("index.interval.bytes");
  }
  if (!["delete", "compact", "compact,delete"].includes(config.cleanupPolicy)) {
    throw bad("cleanup.policy");
  }
  if (!["CreateTime", "LogAppendTime"].includes(config.messageTimestampType)) {
    throw bad("message.timestamp.type");
  }
}

/** One partition's log. Owned by one caller; `close()` is idempotent. */
export class Log implements Disposable {
  /** The partition directory. */
  readonly dir: string;
  /** What recovery did on open. */
  readonly recoveryReport: RecoveryReport;
  #config: LogConfig;
  readonly #clock: LogClock;
  readonly #fs: LogFileSystem;
  readonly #crc: Crc32c;
  readonly #name: string;
  readonly #segments = new Segments();
  #logStartOffset: number;
  #recoveryPoint: number;
  #checkpointedRecoveryPoint = -1;
  #syncWaiters: SyncWaiter[] = [];
  #syncRunning = false;
  #fsyncs = 0;
  #fsyncMs = 0;
  #failure: WeirError | null = null;
  #recoverAt = -Infinity;
  #closed = false;
  #pass: CompactionPass | null = null;
  #cleanedUpTo = 0;

  private constructor(dir: string, options: LogOptions, config: LogConfig) {
    this.dir = dir;
    this.#config = config;
    this.#clock = options.clock ?? systemLogClock;
    this.#fs = options.fs ?? denoFileSystem;
    this.#crc = options.crc ?? crc32c;
    this.#name = `"${options.topicPartition ?? dir}"`;
    const loaded = recoverLog({
      fs: this.#fs,
      dir,
      crc: this.#crc,
      indexIntervalBytes: config.indexIntervalBytes,
      now: this.#clock.now(),
      ...(options.topicPartition !== undefined ? { topicPartition: options.topicPartition } : {}),
    });
    for (const s of loaded.segments) this.#segments.add(s);
    this.#logStartOffset = loaded.logStartOffset;
    this.#recoveryPoint = loaded.recoveryPoint;
    this.recoveryReport = loaded.report;
    try {
      writeCheckpoint(this.#fs, `${dir}/${LOG_START_OFFSET_CHECKPOINT}`, {
        offset: this.#logStartOffset,
        dir,
      });
      this.#persistRecoveryPoint();
    } catch (e) {
      for (const s of loaded.segments) s.close();
      throw e;
    }
  }

  /** Whether a write or fsync failed and the log refuses writes until {@linkcode Log.tryRecover} succeeds. */
  get offline(): boolean {
    return this.#failure !== null;
  }

  /**
   * Brings an offline log back: closes its files, recovers the directory as
   * on start, rewrites and fsyncs every byte past the last successful fsync
   * (see the module doc), and accepts writes again. A no-op on a healthy log;
   * tries at most once per {@linkcode RECOVER_BACKOFF_MS}, and never while a
   * failed fsync is still settling.
   *
   * @returns True when the log is healthy afterwards.
   */
  tryRecover(): boolean {
    if (this.#closed) return false;
    if (this.#failure === null) return true;
    const now = this.#clock.now();
    if (now < this.#recoverAt || this.#syncRunning) return false;
    this.#recoverAt = now + RECOVER_BACKOFF_MS;
    const distrustFrom = this.#recoveryPoint;
    this.#pass = null;
    // The old segments keep serving reads until the directory loaded again.
    let loaded: ReturnType<typeof recoverLog> | null = null;
    try {
      loaded = recoverLog({
        fs: this.#fs,
        dir: this.dir,
        crc: this.#crc,
        indexIntervalBytes: this.#config.indexIntervalBytes,
        now,
        topicPartition: this.#name.slice(1, -1),
      });
      let rewritten = 0;
      for (const seg of loaded.segments) {
        if (seg.nextOffset > distrustFrom) rewritten += seg.rewriteFrom(distrustFrom);
      }
      for (const seg of loaded.segments) seg.sync();
      writeCheckpoint(this.#fs, `${this.dir}/${LOG_START_OFFSET_CHECKPOINT}`, {
        offset: loaded.logStartOffset,
        dir: this.dir,
      });
      writeCheckpoint(this.#fs, `${this.dir}/${RECOVERY_POINT_CHECKPOINT}`, {
        offset: loaded.recoveryPoint,
        dir: this.dir,
      });
      for (const seg of this.#segments.all()) {
        seg.close();
        this.#segments.remove(seg.baseOffset);
      }
      for (const s of loaded.segments) this.#segments.add(s);
      this.#logStartOffset = loaded.logStartOffset;
      this.#recoveryPoint = loaded.recoveryPoint;
      this.#checkpointedRecoveryPoint = loaded.recoveryPoint;
      const cause = this.#failure;
      this.#failure = null;
      logger.warn(
        "Log {name} is back online after {error}: {bytes} bytes past offset {offset} rewritten and fsynced",
        { name: this.#name, error: cause.message, bytes: rewritten, offset: distrustFrom },
      );
      return true;
    } catch (e) {
      for (const s of loaded?.segments ?? []) s.close();
      logger.warn("Log {name} is still offline: {error}", {
        name: this.#name,
        error: e instanceof Error ? e.message : String(e),
      });
      return false;
    }
  }

  /**
   * Opens (creating or recovering) the log in `dir`.
   *
   * @param dir The partition directory.
   * @param options Config, clock, file system, CRC, name.
   * @returns The open log.
   * @throws {WeirError} `INVALID_CONFIG` for a bad config; file system errors as thrown.
   *
   * @example Append and read back
   * ```ts
   * import { Log } from "./log.ts";
   * import { encodeRecordBatch, decodeRecords } from "../../../client/protocol/mod.ts";
   * import { assertEquals } from "@std/assert";
   *
   * const dir = await Deno.makeTempDir();
   * const log = await Log.open(dir, { clock: { now: () => 1000 } });
   * const value = new TextEncoder().encode("hello");
   * const result = log.append(encodeRecordBatch([{ value }, { value }], { now: 1000 }));
   * assertEquals([result.baseOffset, result.lastOffset], [0, 1]);
   * const read = log.read(1, { maxBytes: 1024 });
   * assertEquals(decodeRecords(read.bytes).map((r) => r.offset), [0, 1]);
   * assertEquals(read.nextOffset, 2);
   * log.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static open(dir: string, options: LogOptions = {}): Promise<Log> {
    const config = { ...DEFAULT_LOG_CONFIG, ...options.config };
    validateConfig(config, `log "${options.topicPartition ?? dir}"`);
    return Promise.resolve(new Log(dir, options, config));
  }

  /** Current settings. */
  get config(): Readonly<LogConfig> {
    return this.#config;
  }

  /** First readable offset. */
  get logStartOffset(): number {
    return this.#logStartOffset;
  }

  /** Offset the next record will get. */
  get logEndOffset(): number {
    return this.#active.nextOffset;
  }

  /** Every offset below this is fsynced. */
  get recoveryPoint(): number {
    return this.#recoveryPoint;
  }

  /** Bytes of all segments. */
  get size(): number {
    let total = 0;
    for (const s of this.#segments.all()) total += s.size;
    return total;
  }

  /** Number of segments. */
  get segmentCount(): number {
    return this.#segments.count;
  }

  /** fsync rounds (flush or group sync) done since open, and the log clock's ms spent in them. */
  get fsyncStats(): { count: number; ms: number } {
    return { count: this.#fsyncs, ms: this.#fsyncMs };
  }

  /** Base offsets of the segments, oldest first. */
  get segmentBaseOffsets(): number[] {
    return this.#segments.all().map((s) => s.baseOffset);
  }

  get #active(): Segment {
    return this.#segments.last!;
  }

  #usable(action: string, options: { offlineOk?: boolean } = {}): void {
    if (this.#closed) {
      throw new WeirError(
        "KAFKA_STORAGE_ERROR",
        `Cannot ${action} ${this.#name}: the log is closed`,
      );
    }
    if (this.#failure !== null && !options.offlineOk) {
      throw new WeirError(
        "KAFKA_STORAGE_ERROR",
        `Cannot ${action} ${this.#name}: the log is offline after an I/O error (${this.#failure.message})`,
        { cause: this.#failure },
      );
    }
  }

  #fail(e: unknown, action: string): WeirError {
    const err = e instanceof WeirError && e.code === "KAFKA_STORAGE_ERROR" ? e : new WeirError(
      "KAFKA_STORAGE_ERROR",
      `Cannot ${action} ${this.#name}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
    if (this.#failure === null) {
      this.#failure = err;
      logger.error("Log {name} is offline: {error}", { name: this.#name, error: err.message });
    }
    return err;
  }

  #segmentOptions(baseOffset: number, state?: string): SegmentOptions {
    return {
      fs: this.#fs,
      dir: this.dir,
      baseOffset,
      indexIntervalBytes: this.#config.indexIntervalBytes,
      crc: this.#crc,
      createdAt: this.#clock.now(),
      ...(state !== undefined ? { state } : {}),
    };
  }

  /**
   * Validates and appends one or more concatenated batches. Every batch is
   * checked before any byte is written; offsets are assigned by rewriting
   * each base offset in `batches` (the caller's buffer is changed and
   * written without a copy); LogAppendTime topics get the time stamped.
   *
   * @param batches Concatenated RecordBatch v2.
   * @param options `leaderEpoch` to stamp; `assignOffsets: false` keeps the offsets (replication).
   * @returns Offsets and timestamps written.
   * @throws {WeirError} `INVALID_RECORD`, `RECORD_TOO_LARGE` (nothing written); `KAFKA_STORAGE_ERROR` when the disk fails.
   */
  append(
    batches: Uint8Array,
    options: { leaderEpoch?: number; assignOffsets?: boolean } = {},
  ): AppendResult {
    this.#usable("append to");
    const now = this.#clock.now();
    const config = this.#config;
    const plan = planAppend(batches, {
      nextOffset: this.logEndOffset,
      maxMessageBytes: config.maxMessageBytes,
      timestampType: config.messageTimestampType,
      now,
      crc: this.#crc,
      topicPartition: this.#name.slice(1, -1),
      requireKeys: config.cleanupPolicy !== "delete",
      ...(options.assignOffsets !== undefined ? { assignOffsets: options.assignOffsets } : {}),
    });
    try {
      if (
        this.#active.shouldRoll(
          { bytes: batches.length, lastOffset: plan.lastOffset, now },
          config,
        ) || (options.assignOffsets === false && plan.baseOffset > this.logEndOffset)
      ) {
        this.#roll(plan.baseOffset);
      }
      applyAppendPlan(batches, plan, {
        crc: this.#crc,
        ...(options.leaderEpoch !== undefined ? { leaderEpoch: options.leaderEpoch } : {}),
      });
      this.#active.append(batches, plan.batches);
    } catch (e) {
      throw this.#fail(e, "append to");
    }
    return {
      baseOffset: plan.baseOffset,
      lastOffset: plan.lastOffset,
      maxTimestamp: plan.maxTimestamp,
      logAppendTime: plan.logAppendTime,
      recordCount: plan.recordCount,
      batchCount: plan.batches.length,
    };
  }

  /** Seals the active segment and starts a new one at `baseOffset` (default: the log end). */
  #roll(baseOffset = this.logEndOffset): void {
    const old = this.#active;
    // The old segment's .log is fsynced in the background (group sync), not here: fsyncing a
    // large segment synchronously would stall every append for as long as it takes. The
    // recovery point passes the segment only once that fsync is done.
    old.seal({ syncLog: false });
    const seg = Segment.create(this.#segmentOptions(Math.max(baseOffset, old.nextOffset)));
    try {
      this.#fs.syncDir(this.dir);
    } catch (e) {
      seg.close(); // recovery deals with the empty file
      throw e;
    }
    this.#segments.add(seg);
    this.sync().then(() => this.#persistRecoveryPointQuietly(), () => {});
    logger.debug("Rolled {name} at offset {offset}", { name: this.#name, offset: seg.baseOffset });
  }

  /** Starts a new segment now (e.g. before a config change takes effect); a no-op on an empty active segment. */
  roll(): void {
    this.#usable("roll");
    if (this.#active.size === 0) return;
    try {
      this.#roll();
    } catch (e) {
      throw this.#fail(e, "roll");
    }
  }

  /** Persists the recovery point after a background sync; a failure takes the log offline. */
  #persistRecoveryPointQuietly(): void {
    if (this.#closed || this.#failure !== null) return;
    try {
      this.#persistRecoveryPoint();
    } catch (e) {
      this.#fail(e, "checkpoint the recovery point of");
    }
  }

  #persistRecoveryPoint(): void {
    if (this.#recoveryPoint === this.#checkpointedRecoveryPoint) return;
    writeCheckpoint(this.#fs, `${this.dir}/${RECOVERY_POINT_CHECKPOINT}`, {
      offset: this.#recoveryPoint,
      dir: this.dir,
    });
    this.#checkpointedRecoveryPoint = this.#recoveryPoint;
  }

  /**
   * Reads whole batches starting at the batch that holds `offset`: at least
   * one batch even when it is larger than `maxBytes`, from one segment.
   * Every batch returned passed its CRC check.
   *
   * @param offset First offset wanted.
   * @param options `maxBytes`; `maxOffset` (exclusive) stops before batches starting at or after it.
   * @returns Bytes (empty at the log end) and the next offset to read.
   * @throws {WeirError} `OFFSET_OUT_OF_RANGE` outside [logStartOffset, logEndOffset]; `CORRUPT_MESSAGE` when the batch at `offset` is corrupt.
   */
  read(offset: number, options: { maxBytes: number; maxOffset?: number }): ReadResult {
    this.#usable("read from", { offlineOk: true });
    if (
      !Number.isSafeInteger(offset) || offset < this.#logStartOffset || offset > this.logEndOffset
    ) {
      throw new WeirError(
        "OFFSET_OUT_OF_RANGE",
        `Cannot read from ${this.#name}: offset ${offset} is outside [${this.#logStartOffset}, ${this.logEndOffset}]`,
      );
    }
    let seg = this.#segments.floor(offset) ?? this.#segments.first;
    while (seg !== undefined) {
      const got = seg.read(offset, options);
      if (got !== null) return got;
      seg = this.#segments.higher(seg.baseOffset);
    }
    return { bytes: new Uint8Array(0), nextOffset: offset };
  }

  /**
   * The offset after the batch holding `offset`, from its header alone (no
   * CRC check): how a reader steps over a batch that {@linkcode Log.read}
   * refused as corrupt.
   *
   * @param offset An offset inside the log.
   * @returns The next batch's first offset (the log end when none follows).
   * @throws {WeirError} `CORRUPT_MESSAGE` when even the header is unreadable.
   */
  nextBatchOffset(offset: number): number {
    this.#usable("read from", { offlineOk: true });
    let seg = this.#segments.floor(offset) ?? this.#segments.first;
    while (seg !== undefined) {
      const found = seg.find(offset);
      if (found !== null) {
        return Math.max(offset + 1, found.header.baseOffset + found.header.lastOffsetDelta + 1);
      }
      seg = this.#segments.higher(seg.baseOffset);
    }
    return this.logEndOffset;
  }

  /**
   * The first offset whose record has a timestamp >= `timestamp` (through
   * the time indexes), or null when every record is older. Compressed
   * batches are decompressed to find the exact record.
   *
   * @param timestamp Target time in ms.
   * @returns An offset or null.
   */
  offsetForTimestamp(timestamp: number): number | null {
    this.#usable("look up a timestamp in", { offlineOk: true });
    for (const seg of this.#segments.all()) {
      if (seg.nextOffset <= this.#logStartOffset) continue;
      const found = seg.findTimestamp(timestamp, this.#logStartOffset);
      if (found === null) continue;
      const { bytes } = seg.read(found.offset, { maxBytes: 1 })!;
      try {
        for (const r of decodeRecordsSync(bytes, 0, { codecs: SERVER_CODECS })) {
          if (r.offset >= found.offset && r.timestamp >= timestamp) return r.offset;
        }
      } catch {
        // Undecodable: the batch's first offset.
      }
      return found.offset;
    }
    return null;
  }

  /**
   * fsyncs every appended byte and persists the recovery point.
   *
   * @throws {WeirError} `KAFKA_STORAGE_ERROR` (the log goes offline).
   */
  flush(): void {
    this.#usable("flush");
    const target = this.logEndOffset;
    try {
      const started = this.#clock.now();
      for (const seg of this.#segments.all()) seg.sync();
      this.#fsyncs++;
      this.#fsyncMs += this.#clock.now() - started;
      this.#recoveryPoint = Math.max(this.#recoveryPoint, target);
      this.#persistRecoveryPoint();
    } catch (e) {
      throw this.#fail(e, "flush");
    }
    this.#resolveWaiters();
  }

  #resolveWaiters(): void {
    const keep: SyncWaiter[] = [];
    for (const w of this.#syncWaiters) {
      if (w.target <= this.#recoveryPoint) w.resolve();
      else keep.push(w);
    }
    this.#syncWaiters = keep;
  }

  /**
   * Resolves when everything appended before the call is fsynced. Concurrent
   * callers share fsyncs (group commit).
   *
   * @returns A promise; rejects with `KAFKA_STORAGE_ERROR` when the fsync fails.
   */
  sync(): Promise<void> {
    try {
      this.#usable("sync");
    } catch (e) {
      return Promise.reject(e);
    }
    const target = this.logEndOffset;
    if (target <= this.#recoveryPoint) return Promise.resolve();
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#syncWaiters.push({ target, resolve, reject });
    if (!this.#syncRunning) {
      this.#syncRunning = true;
      void this.#runSyncs();
    }
    return promise;
  }

  async #runSyncs(): Promise<void> {
    await null; // let appends of the same turn join this fsync
    // #syncRunning is cleared in the same turn that finds no waiter left, so a
    // caller can never queue behind a loop that already decided to stop.
    while (true) {
      if (this.#syncWaiters.length === 0) {
        this.#syncRunning = false;
        return;
      }
      if (this.#closed || this.#failure !== null) {
        const err = this.#failure ??
          new WeirError("KAFKA_STORAGE_ERROR", `Cannot sync ${this.#name}: the log was closed`);
        this.#resolveWaiters();
        for (const w of this.#syncWaiters) w.reject(err);
        this.#syncWaiters = [];
        this.#syncRunning = false;
        return;
      }
      const target = this.logEndOffset;
      try {
        const started = this.#clock.now();
        let synced = false;
        for (const seg of this.#segments.all()) {
          if (seg.unsynced && !seg.closed) {
            synced = true;
            await seg.syncAsync();
          }
        }
        if (synced) {
          this.#fsyncs++;
          this.#fsyncMs += this.#clock.now() - started;
        }
        this.#recoveryPoint = Math.max(this.#recoveryPoint, target);
      } catch (e) {
        const err = this.#fail(e, "sync");
        for (const w of this.#syncWaiters) w.reject(err);
        this.#syncWaiters = [];
        this.#syncRunning = false;
        return;
      }
      this.#resolveWaiters();
    }
  }

  /**
   * Moves the log start offset forward (Kafka's DeleteRecords) and persists
   * it; whole segments below it go at the next {@linkcode Log.retentionStep}.
   *
   * @param offset New log start offset, at most the log end.
   * @returns The log start offset afterwards.
   * @throws {WeirError} `OFFSET_OUT_OF_RANGE` past the log end.
   */
  deleteRecordsBefore(offset: number): number {
    this.#usable("delete records from");
    if (!Number.isSafeInteger(offset) || offset > this.logEndOffset) {
      throw new WeirError(
        "OFFSET_OUT_OF_RANGE",
        `Cannot delete records of ${this.#name} before ${offset}: the log ends at ${this.logEndOffset}`,
      );
    }
    if (offset > this.#logStartOffset) {
      this.#logStartOffset = offset;
      writeCheckpoint(this.#fs, `${this.dir}/${LOG_START_OFFSET_CHECKPOINT}`, {
        offset,
        dir: this.dir,
      });
    }
    return this.#logStartOffset;
  }

  /**
   * One bounded retention step: deletes up to `maxSegments` closed segments
   * that are below the log start offset, older than `retention.ms` or over
   * `retention.bytes`, advancing (and first persisting) the log start offset.
   *
   * @param options `maxSegments` per step (default 16).
   * @returns What was deleted.
   */
  retentionStep(options: { maxSegments?: number } = {}): RetentionResult {
    this.#usable("apply retention to");
    const segs = this.#segments.all();
    const plan = planRetention({
      segments: segs,
      logStartOffset: this.#logStartOffset,
      now: this.#clock.now(),
      retentionMs: this.#config.retentionMs,
      retentionBytes: this.#config.retentionBytes,
      deletePolicy: this.#config.cleanupPolicy !== "compact",
      maxSegments: options.maxSegments ?? 16,
    });
    if (plan.deleteCount > 0) {
      try {
        if (plan.logStartOffset > this.#logStartOffset) {
          this.#logStartOffset = plan.logStartOffset;
          writeCheckpoint(this.#fs, `${this.dir}/${LOG_START_OFFSET_CHECKPOINT}`, {
            offset: plan.logStartOffset,
            dir: this.dir,
          });
        }
        for (const seg of segs.slice(0, plan.deleteCount)) {
          this.#segments.remove(seg.baseOffset);
          seg.remove();
        }
        this.#fs.syncDir(this.dir);
      } catch (e) {
        throw this.#fail(e, "apply retention to");
      }
      logger.info("Retention deleted {count} segments of {name} ({reasons}); log start {start}", {
        count: plan.deleteCount,
        name: this.#name,
        reasons: plan.reasons.join(","),
        start: this.#logStartOffset,
      });
    }
    return {
      deletedSegments: plan.deleteCount,
      deletedBytes: plan.deleteBytes,
      logStartOffset: this.#logStartOffset,
    };
  }

  /**
   * One bounded compaction step (`cleanup.policy` with `compact`): either
   * scans one closed, fsynced segment into the key map, or rewrites one
   * segment and swaps it in crash-safely. Call repeatedly (e.g. from a
   * timer); `phase: "idle"` means nothing to do.
   *
   * @returns What the step did.
   */
  compactionStep(): CompactionResult {
    this.#usable("compact");
    const idle: CompactionResult = {
      phase: "idle",
      segment: -1,
      removedRecords: 0,
      swapped: false,
    };
    if (!this.#config.cleanupPolicy.includes("compact")) {
      this.#pass = null;
      return idle;
    }
    if (this.#pass === null) {
      const segs = this.#segments.all();
      const bases: number[] = [];
      let endOffset = 0;
      for (let i = 0; i < segs.length - 1; i++) {
        const end = segs[i + 1]!.baseOffset;
        // Below the persisted recovery point only: recovery never validates (and so never
        // mistakes a compaction gap for lost records in) a compacted segment.
        if (end > Math.min(this.#recoveryPoint, this.#checkpointedRecoveryPoint)) break;
        bases.push(segs[i]!.baseOffset);
        endOffset = end;
      }
      if (bases.length === 0 || endOffset <= this.#cleanedUpTo) return idle;
      this.#pass = { bases, endOffset, phase: "map", i: 0, latest: new Map() };
    }
    const pass = this.#pass;
    const base = pass.bases[pass.i]!;
    const seg = this.#segments.floor(base);
    const present = seg !== undefined && seg.baseOffset === base;
    try {
      if (pass.phase === "map") {
        if (present) {
          seg.forEachBatch((buf, pos, header) =>
            collectLatest(buf, pos, { header, latest: pass.latest })
          );
        }
        if (++pass.i === pass.bases.length) {
          pass.phase = "clean";
          pass.i = 0;
        }
        return { phase: "map", segment: base, removedRecords: 0, swapped: false };
      }
      let result: { removed: number; swapped: boolean } = { removed: 0, swapped: false };
      if (present) result = this.#cleanSegment(seg, pass.latest);
      if (++pass.i === pass.bases.length) {
        this.#cleanedUpTo = pass.endOffset;
        this.#pass = null;
        return {
          phase: "done",
          segment: base,
          removedRecords: result.removed,
          swapped: result.swapped,
        };
      }
      return {
        phase: "clean",
        segment: base,
        removedRecords: result.removed,
        swapped: result.swapped,
      };
    } catch (e) {
      this.#pass = null;
      if (e instanceof WeirError && e.code === "CORRUPT_MESSAGE") throw e;
      throw this.#fail(e, "compact");
    }
  }

  #cleanSegment(seg: Segment, latest: Map<string, number>): { removed: number; swapped: boolean } {
    const dropTombstones = seg.maxTimestamp < this.#clock.now() - this.#config.deleteRetentionMs;
    // Dry run: is there anything to remove?
    let removed = 0;
    seg.forEachBatch((buf, pos, header) => {
      removed += filterBatch(buf, pos, { header, latest, dropTombstones, crc: this.#crc }).removed;
    });
    if (removed === 0) return { removed: 0, swapped: false };
    const base = seg.baseOffset;
    const cleaned = Segment.create({
      ...this.#segmentOptions(base, CLEANED_SUFFIX),
      createdAt: seg.createdAt,
    });
    try {
      seg.forEachBatch((buf, pos, header) => {
        const out = filterBatch(buf, pos, { header, latest, dropTombstones, crc: this.#crc });
        if (out.bytes === null) return;
        cleaned.append(out.bytes, [{
          pos: 0,
          size: out.bytes.length,
          baseOffset: header.baseOffset,
          lastOffset: header.baseOffset + header.lastOffsetDelta,
          maxTimestamp: header.maxTimestamp,
        }]);
      });
      cleaned.seal();
    } finally {
      cleaned.close();
    }
    commitCleaned(this.#fs, this.dir, base);
    seg.close();
    installSwap(this.#fs, this.dir, base);
    const next = this.#segments.higher(base);
    const { segment } = Segment.openTrusted(this.#segmentOptions(base), {
      maxOffset: next?.baseOffset ?? Number.MAX_SAFE_INTEGER,
    });
    this.#segments.add(segment);
    logger.info("Compacted segment {base} of {name}: {removed} records removed", {
      base,
      name: this.#name,
      removed,
    });
    return { removed, swapped: true };
  }

  /**
   * Changes settings; they apply to the next append/step (segment size and
   * age to the next roll decision).
   *
   * @param partial Settings to change.
   * @throws {WeirError} `INVALID_CONFIG` for a bad value (nothing changes).
   */
  updateConfig(partial: Partial<LogConfig>): void {
    const next = { ...this.#config, ...partial };
    validateConfig(next, `log ${this.#name}`);
    this.#config = next;
  }

  /**
   * Removes every batch whose last offset is >= `offset` (a follower
   * truncating a divergent tail). Whole batches go.
   *
   * @param offset First offset to remove (>= the log start offset).
   * @returns The log end offset afterwards.
   */
  truncateTo(offset: number): number {
    this.#usable("truncate");
    if (offset >= this.logEndOffset) return this.logEndOffset;
    try {
      for (const seg of this.#segments.all().reverse()) {
        if (seg.baseOffset >= offset && this.#segments.count > 1) {
          this.#segments.remove(seg.baseOffset);
          seg.remove();
        } else {
          seg.truncateTo(offset);
          break;
        }
      }
      this.#recoveryPoint = Math.min(this.#recoveryPoint, this.logEndOffset);
      this.#persistRecoveryPoint();
    } catch (e) {
      throw this.#fail(e, "truncate");
    }
    return this.logEndOffset;
  }

  /**
   * Empties the log and restarts it at `offset` (Kafka's
   * `truncateFullyAndStartAt`): a follower whose leader's log starts past
   * this log's end. Crash-safe by order: the log start offset checkpoint is
   * written first, and recovery turns "log start past the log end" into an
   * empty segment at the log start, as this method does.
   *
   * @param offset The new log start and end offset.
   * @returns The log end offset afterwards (`offset`).
   */
  truncateFullyAndStartAt(offset: number): number {
    this.#usable("truncate");
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot restart ${this.#name} at ${offset}: the offset must be a non-negative integer`,
      );
    }
    try {
      writeCheckpoint(this.#fs, `${this.dir}/${LOG_START_OFFSET_CHECKPOINT}`, {
        offset,
        dir: this.dir,
      });
      for (const seg of this.#segments.all()) {
        this.#segments.remove(seg.baseOffset);
        seg.remove();
      }
      this.#segments.add(Segment.create(this.#segmentOptions(offset)));
      this.#fs.syncDir(this.dir);
      this.#logStartOffset = offset;
      this.#pass = null;
      this.#cleanedUpTo = offset;
      this.#recoveryPoint = offset;
      this.#persistRecoveryPoint();
    } catch (e) {
      throw this.#fail(e, "truncate");
    }
    return this.logEndOffset;
  }

  /** Flushes (when healthy), seals the active segment and closes every file; idempotent. */
  close(): void {
    if (this.#closed) return;
    if (this.#failure === null) {
      try {
        this.#active.seal();
        for (const seg of this.#segments.all()) seg.sync();
        this.#recoveryPoint = this.logEndOffset;
        this.#persistRecoveryPoint();
        this.#resolveWaiters();
      } catch (e) {
        this.#fail(e, "close");
      }
    }
    this.#closed = true;
    for (const seg of this.#segments.all()) seg.close();
    const err = new WeirError(
      "KAFKA_STORAGE_ERROR",
      `Cannot sync ${this.#name}: the log was closed`,
    );
    for (const w of this.#syncWaiters) w.reject(err);
    this.#syncWaiters = [];
  }

  /** Same as {@linkcode Log.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Closes the log and removes its directory. */
  delete(): void {
    this.close();
    this.#fs.removeDir(this.dir);
  }
}
