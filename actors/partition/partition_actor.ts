/**
 * The PartitionActor: owns one partition's log and answers appends (acks
 * 0/1/all with group commit), fetches (with long-poll waiters woken by
 * appends), offset lookups, config changes and retention/compaction steps.
 * Idempotent producers are deduplicated by {@linkcode ProducerState}.
 *
 * Ordering: an append is handled to completion (validated, written) before
 * the next message; acks=all then parks until the group fsync that covers it,
 * while later messages go on. Single node: the high watermark is the log end
 * offset (the leader is the only in-sync replica).
 *
 * ## Cluster mode (`init.nodeId` set; actor id `<topic>-<partition>@<nodeId>`)
 *
 * Kafka's leader/follower replication. A replica starts with role `none`
 * and is told its role by the controller:
 * - `becomeLeader { leaderEpoch, replicas, isr }`: records the epoch in the
 *   leader epoch cache (`leader-epoch-checkpoint`) at the log end, stamps it
 *   into every batch it appends, serves `replicaFetch` to followers, tracks
 *   each follower's log end and caught-up time (`replication_state.ts`), and
 *   proposes ISR changes to `{ kind: "controller", id: "0" }` with `alterIsr`,
 *   applying an ISR only from the controller's answer. The high watermark is
 *   the smallest log end over the ISR and never moves back.
 * - `becomeFollower { leaderEpoch, leader }`: stops leading (parked acks=all
 *   fail `NOT_LEADER_OR_FOLLOWER`) and pulls from `<topic>-<partition>@<leader>`
 *   with long-poll `replicaFetch` rounds ({@linkcode ReplicaFetcher}). Each
 *   round carries the follower's last epoch; when its log diverges, the
 *   leader answers `divergingEpoch` (KIP-595 style, no separate
 *   OffsetsForLeaderEpoch request) and the follower truncates to where that
 *   epoch ends on both sides before it fetches again. Batches are appended
 *   verbatim (offsets, epochs, timestamps kept).
 * - Both are idempotent for the same epoch; an older epoch is
 *   `FENCED_LEADER_EPOCH`. Appends anywhere but on the leader are
 *   `NOT_LEADER_OR_FOLLOWER`.
 * - acks=1 answers after the leader's append; acks=all is refused with
 *   `NOT_ENOUGH_REPLICAS` (nothing written) when the committed ISR is smaller
 *   than `min.insync.replicas`, else answers once the high watermark passed
 *   the batch and the leader's group fsync covered it, or `REQUEST_TIMED_OUT`
 *   after {@linkcode REPLICATION_TIMEOUT_MS} (the records stay written). Followers do not fsync
 *   per fetch: as in Kafka, replication to the ISR is the durability.
 * - Consumers (`fetch`, `listOffsets` latest) see only records below the high
 *   watermark, on the leader and on followers; long-poll waiters wake when it
 *   moves. The high watermark is checkpointed (`high-watermark-checkpoint`)
 *   on stop, role change and maintenance, and may lag after a crash (safe).
 *
 * @module
 */
import { crc32c as nativeCrc32c } from "./_fast_crc32c.ts";
import {
  loadServerCodecs,
  needsServerCodecs,
  serverCodecsLoaded,
} from "./log/compression_codecs.ts";
import {
  iterateBatches,
  type TopicConfigs,
  validateBatch,
  WeirError,
} from "../../client/protocol/codec.ts";
import { getLogger } from "../runtime/worker.ts";
import type { ActorContext, ActorLogic, TimerHandle } from "../runtime/worker.ts";
import { Deferred, withTransfer } from "../runtime/worker.ts";
// log.ts, not log/mod.ts: the offline repair tool (repair.ts) stays out of every partition Worker.
import { DEFAULT_LOG_CONFIG, Log, type LogConfig } from "./log/log.ts";
import type { LogFileSystem } from "./log/log_fs.ts";
import type {
  AlterIsrReply,
  AlterIsrRequest,
  AppendReply,
  FetchReply,
  OffsetsReply,
  PartitionInit,
  PartitionRequest,
  PartitionStatus,
  ReplicaFetchReply,
  ReplicaFetchRequest,
} from "./messages.ts";
import { LeaderEpochCache } from "./leader_epoch_cache.ts";
import {
  readLeaderEpochCheckpoint,
  writeLeaderEpochCheckpoint,
} from "./leader_epoch_checkpoint.ts";
import {
  readHighWatermarkCheckpoint,
  writeHighWatermarkCheckpoint,
} from "./high_watermark_checkpoint.ts";
import { ReplicaFetcher } from "./replica_fetcher.ts";
import {
  createLeaderState,
  type LeaderState,
  planIsrChange,
  recordFollowerFetch,
  withHighWatermark,
} from "./replication_state.ts";
import { type BatchIdentity, ProducerState, type ProducerStateSnapshot } from "./producer_state.ts";

/** File name of the idempotent-producer state snapshot in a partition directory. */
export const SNAPSHOT_FILE = "producer-state.snapshot";
const DEFAULT_MAX_WAITERS = 1_000;
const DEFAULT_MAINTENANCE_MS = 30_000;
/** Default `replica.lag.time.max.ms` (Kafka's). */
export const DEFAULT_REPLICA_LAG_TIME_MAX_MS = 30_000;
const DEFAULT_REPLICA_FETCH_WAIT_MS = 500;
const DEFAULT_REPLICA_FETCH_MAX_BYTES = 1024 * 1024;
const DEFAULT_REPLICA_FETCH_BACKOFF_MS = 200;
const ALTER_ISR_TIMEOUT_MS = 10_000;
const logger = getLogger(["weir", "partition", "replication"]);

/** How long an idempotent batch that arrived ahead of its predecessors waits for them (ms). */
export const PARK_MS = 2_000;
const MAX_PARKED_PER_PRODUCER = 16;
const MAX_PARKED = 1_024;

interface ParkedAppend {
  identity: BatchIdentity;
  batches: Uint8Array;
  acks: number;
  reply: Deferred<unknown>;
  timer: TimerHandle;
}

/** An acks=all append on a leader waiting for the high watermark to pass it. */
interface ReplicationWaiter {
  lastOffset: number;
  reply: AppendReply;
  synced: boolean;
  deferred: Deferred<AppendReply>;
  /** Fires {@linkcode REPLICATION_TIMEOUT_MS} after the append (Kafka's produce `timeout.ms`). */
  timer: TimerHandle | undefined;
}

/**
 * How long an acks=all append on a cluster leader waits for the high
 * watermark to pass it before it is answered `REQUEST_TIMED_OUT` (Kafka's
 * produce `timeout.ms` default). The records stay written; only the promise
 * is withdrawn, so parked appends never pile up while the ISR cannot shrink.
 */
export const REPLICATION_TIMEOUT_MS = 30_000;

/** A follower's long-poll fetch parked on the leader. */
interface ReplicaWaiter {
  request: ReplicaFetchRequest;
  reply: Deferred<ReplicaFetchReply>;
  timer: TimerHandle;
}

interface Waiter {
  offset: number;
  maxBytes: number;
  maxRecords: number;
  reply: Deferred<FetchReply>;
  timer: TimerHandle;
  fetchId: string | undefined;
}

/** Maps topic configs (Kafka names) to the log's settings. */
export function logConfigOf(configs: Partial<TopicConfigs>): Partial<LogConfig> {
  const out: Partial<LogConfig> = {};
  const set = <K extends keyof LogConfig>(key: K, value: LogConfig[K] | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set("segmentBytes", configs["segment.bytes"]);
  set("segmentMs", configs["segment.ms"]);
  set("retentionMs", configs["retention.ms"]);
  set("retentionBytes", configs["retention.bytes"]);
  set("cleanupPolicy", configs["cleanup.policy"]);
  set("deleteRetentionMs", configs["delete.retention.ms"]);
  set("maxMessageBytes", configs["max.message.bytes"]);
  set("indexIntervalBytes", configs["index.interval.bytes"]);
  set("messageTimestampType", configs["message.timestamp.type"]);
  return out;
}

/** Makes sure a reply's bytes own their whole buffer, so it can be transferred. */
function owned(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  return bytes.slice();
}

/** Logic of one partition. */
export class PartitionActor implements ActorLogic {
  readonly #init: PartitionInit;
  readonly #name: string;
  #log: Log | null = null;
  #producers = new ProducerState();
  readonly #waiters = new Set<Waiter>();
  readonly #parked = new Map<number, ParkedAppend[]>();
  #parkedCount = 0;
  #maintenance: TimerHandle | null = null;
  // Cluster mode (init.nodeId set); see the "Replication" section below.
  readonly #nodeId: number | null;
  #role: "none" | "leader" | "follower" = "none";
  #leaderEpoch = -1;
  #leaderId = -1;
  #epochs = new LeaderEpochCache();
  #savedEpochsVersion = 0;
  #highWatermark = 0;
  #leaderState: LeaderState | null = null;
  readonly #replicationWaiters = new Set<ReplicationWaiter>();
  readonly #replicaWaiters = new Set<ReplicaWaiter>();
  #isrTimer: TimerHandle | null = null;
  #fetcher: ReplicaFetcher | null = null;

  /** Options of inline actors only (not data): `fs` replaces the log's file operations (fault tests). */
  readonly #options: { fs?: LogFileSystem };

  /** Creates the logic; nothing is opened until `start`. */
  constructor(init: PartitionInit, options: { fs?: LogFileSystem } = {}) {
    this.#init = init;
    this.#options = options;
    this.#nodeId = init.nodeId ?? null;
    this.#name = this.#nodeId === null
      ? `"${init.topic}-${init.partition}"`
      : `"${init.topic}-${init.partition}@${this.#nodeId}"`;
  }

  get #openLog(): Log {
    if (this.#log === null) {
      throw new WeirError("ACTOR_STOPPED", `Cannot use partition ${this.#name}: its log is closed`);
    }
    return this.#log;
  }

  /** Opens (and recovers) the log, then rebuilds the producer state. */
  async start(ctx: ActorContext): Promise<void> {
    this.#log = await Log.open(this.#init.dir, {
      ...(this.#options.fs !== undefined ? { fs: this.#options.fs } : {}),
      config: logConfigOf(this.#init.configs),
      clock: ctx.clock,
      crc: nativeCrc32c,
      topicPartition: `${this.#init.topic}-${this.#init.partition}`,
    });
    this.#producers = this.#loadProducerState(this.#log);
    if (this.#nodeId !== null) this.#loadReplicationState(this.#log);
    // A partition that never held a record has nothing to maintain: its timer starts with the
    // first append. A Worker's first timer costs it ≈ 1.7 MB RSS (docs/performance.md).
    if (this.#nodeId !== null || this.#log.logEndOffset > 0) this.#scheduleMaintenance(ctx);
  }

  /** Handles one request. */
  receive(message: unknown, ctx: ActorContext): unknown {
    const request = message as PartitionRequest;
    switch (request.type) {
      case "append":
        if (this.#maintenance === null && this.#log !== null) this.#scheduleMaintenance(ctx);
        // node:zlib loads on the first gzip/zstd batch (≈ 3 MB per Worker otherwise).
        if (needsServerCodecs(request.batches)) {
          return loadServerCodecs().then(() => this.#append(request.batches, request.acks, ctx));
        }
        return this.#append(request.batches, request.acks, ctx);
      case "fetch":
        return this.#fetch(request, ctx);
      case "cancelFetch":
        return this.#cancelFetch(request.fetchId, ctx);
      case "listOffsets":
        if (request.timestamp !== undefined && !serverCodecsLoaded()) {
          return loadServerCodecs().then(() => this.#listOffsets(request.timestamp));
        }
        return this.#listOffsets(request.timestamp);
      case "configure":
        // The configs replace the old ones: a key left out goes back to its default.
        this.#openLog.updateConfig({ ...DEFAULT_LOG_CONFIG, ...logConfigOf(request.configs) });
        this.#init.configs = { ...request.configs };
        return this.#status();
      case "status":
        return this.#status();
      case "maintain":
        if (this.#compacted() && !serverCodecsLoaded()) {
          return loadServerCodecs().then(() => this.#maintain());
        }
        return this.#maintain();
      case "delete":
        return this.#delete(ctx);
      case "becomeLeader":
        return this.#becomeLeader(request, ctx);
      case "becomeFollower":
        return this.#becomeFollower(request, ctx);
      case "replicaFetch":
        return this.#replicaFetch(request, ctx);
      default:
        throw new WeirError(
          "INVALID_REQUEST",
          `Cannot handle message for partition ${this.#name}: unknown type ${
            JSON.stringify((request as { type?: unknown }).type)
          }`,
        );
    }
  }

  /** Answers parked fetches, flushes and closes the log. */
  stop(ctx: ActorContext): void {
    if (this.#maintenance !== null) ctx.clock.clearTimeout(this.#maintenance);
    if (this.#nodeId !== null) {
      this.#stepDown(
        new WeirError("ACTOR_STOPPED", `Cannot replicate partition ${this.#name}: it is stopping`),
        ctx,
      );
      if (this.#log) this.#saveReplicationState();
    }
    for (const waiter of [...this.#waiters]) this.#answerWaiter(waiter, ctx);
    this.#rejectParked(
      new WeirError("ACTOR_STOPPED", `Cannot append to partition ${this.#name}: it is stopping`),
      ctx,
    );
    if (this.#log) {
      try {
        if (!this.#log.offline) {
          this.#log.flush();
          this.#saveProducerState();
        }
      } finally {
        this.#log.close();
        this.#log = null;
      }
    }
  }

  /**
   * After a storage error the log refuses writes (reads go on); before a
   * write or maintenance, try to bring it back (see `Log.tryRecover`). When
   * recovery cut records the producer state is rebuilt from the log.
   * @returns True when the log accepts writes.
   */
  #healStorage(): boolean {
    const log = this.#openLog;
    if (!log.offline) return true;
    const end = log.logEndOffset;
    if (!log.tryRecover()) return false;
    if (log.logEndOffset < end) this.#producers = this.#loadProducerState(log);
    return true;
  }

  #append(batches: Uint8Array, acks: number, ctx: ActorContext): unknown {
    this.#healStorage();
    this.#openLog;
    if (this.#nodeId !== null) this.#checkLeaderForAppend(acks);
    const identities: BatchIdentity[] = [];
    for (const { header } of iterateBatches(batches)) {
      identities.push({
        producerId: header.producerId,
        producerEpoch: header.producerEpoch,
        baseSequence: header.baseSequence,
        lastOffsetDelta: header.lastOffsetDelta,
      });
    }
    const single = identities.length === 1 ? identities[0]! : undefined;
    if (single && this.#producers.sequenceGap(single) > 0 && this.#canPark(single)) {
      return this.#park(single, batches, acks, ctx);
    }
    const reply = this.#appendNow(batches, identities, acks, ctx);
    if (single && single.producerId >= 0) this.#drainParked(single.producerId, ctx);
    return reply;
  }

  /**
   * Concurrent HTTP requests of one pipelining idempotent producer can arrive
   * out of order. Instead of refusing a batch that starts after a gap (Kafka
   * can, because one TCP connection keeps order), the partition holds it
   * briefly until the missing batches arrive, then appends in sequence order.
   * If they do not come within {@linkcode PARK_MS}, the batch goes through the
   * normal check (`OUT_OF_ORDER_SEQUENCE_NUMBER`, or accepted for a producer
   * whose state is gone).
   */
  #canPark(identity: BatchIdentity): boolean {
    const list = this.#parked.get(identity.producerId);
    return (list?.length ?? 0) < MAX_PARKED_PER_PRODUCER && this.#parkedCount < MAX_PARKED;
  }

  #park(identity: BatchIdentity, batches: Uint8Array, acks: number, ctx: ActorContext): unknown {
    const parked: ParkedAppend = { identity, batches, acks, reply: ctx.defer(), timer: undefined };
    parked.timer = ctx.clock.setTimeout(() => {
      if (!this.#unpark(parked)) return;
      this.#settle(parked, ctx);
      this.#drainParked(identity.producerId, ctx);
    }, PARK_MS);
    const list = this.#parked.get(identity.producerId) ?? [];
    list.push(parked);
    this.#parked.set(identity.producerId, list);
    this.#parkedCount++;
    return parked.reply;
  }

  #unpark(parked: ParkedAppend): boolean {
    const list = this.#parked.get(parked.identity.producerId);
    const i = list?.indexOf(parked) ?? -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    if (list.length === 0) this.#parked.delete(parked.identity.producerId);
    this.#parkedCount--;
    return true;
  }

  #settle(parked: ParkedAppend, ctx: ActorContext): void {
    try {
      const result = this.#appendNow(parked.batches, [parked.identity], parked.acks, ctx);
      if (result instanceof Deferred) {
        (result as Deferred<unknown>).promise.then(
          (v) => parked.reply.resolve(v),
          (e) => parked.reply.reject(e),
        );
      } else {
        parked.reply.resolve(result);
      }
    } catch (e) {
      parked.reply.reject(e);
    }
  }

  /** Appends parked batches of `producerId` that are now in sequence. */
  #drainParked(producerId: number, ctx: ActorContext): void {
    for (;;) {
      const list = this.#parked.get(producerId);
      const next = list?.find((p) => this.#producers.sequenceGap(p.identity) === 0);
      if (!next) return;
      this.#unpark(next);
      ctx.clock.clearTimeout(next.timer);
      this.#settle(next, ctx);
    }
  }

  #rejectParked(error: WeirError, ctx: ActorContext): void {
    for (const list of this.#parked.values()) {
      for (const parked of list) {
        ctx.clock.clearTimeout(parked.timer);
        parked.reply.reject(error);
      }
    }
    this.#parked.clear();
    this.#parkedCount = 0;
  }

  #appendNow(
    batches: Uint8Array,
    identities: BatchIdentity[],
    acks: number,
    ctx: ActorContext,
  ): unknown {
    const log = this.#openLog;
    if (this.#nodeId !== null) this.#checkLeaderForAppend(acks);
    const where = `partition ${this.#name}`;
    // Several batches in one request: check each against the state after the ones before it.
    const scratch = identities.length > 1
      ? ProducerState.restore(this.#producers.snapshot())
      : this.#producers;
    let duplicates = 0;
    let duplicateRange: { baseOffset: number; lastOffset: number } | null = null;
    let provisional = log.logEndOffset;
    for (const identity of identities) {
      const check = scratch.check(identity, where);
      if (check.kind === "duplicate") {
        duplicates++;
        duplicateRange ??= { baseOffset: check.baseOffset, lastOffset: check.lastOffset };
        duplicateRange.lastOffset = check.lastOffset;
      } else if (scratch !== this.#producers) {
        scratch.record(identity, provisional);
        provisional += identity.lastOffsetDelta + 1;
      }
    }
    if (duplicates > 0) {
      if (duplicates !== identities.length) {
        throw new WeirError(
          "OUT_OF_ORDER_SEQUENCE_NUMBER",
          `Cannot append to ${where}: the request mixes retried and new batches`,
        );
      }
      // A retry is answered from the producer state, but only if it is intact: validate it as
      // the log would have (a corrupt resend is INVALID_RECORD, not a duplicate).
      let end = 0;
      for (const { pos, size } of iterateBatches(batches)) {
        validateBatch(batches, pos, { crc: nativeCrc32c });
        end = pos + size;
      }
      if (end !== batches.length) {
        throw new WeirError(
          "INVALID_RECORD",
          `Cannot append to ${where}: ${batches.length - end} trailing bytes after the last batch`,
        );
      }
      const reply: AppendReply = { ...duplicateRange!, duplicate: true };
      return acks === -1 ? this.#afterSync(reply, ctx) : reply;
    }
    const result = this.#nodeId === null
      ? log.append(batches)
      : log.append(batches, { leaderEpoch: this.#leaderEpoch });
    let offset = result.baseOffset;
    for (const identity of identities) {
      this.#producers.record(identity, offset);
      offset += identity.lastOffsetDelta + 1;
    }
    const reply: AppendReply = { baseOffset: result.baseOffset, lastOffset: result.lastOffset };
    if (result.logAppendTime >= 0) reply.logAppendTime = result.logAppendTime;
    if (this.#nodeId !== null) this.#afterLeaderAppend(ctx);
    this.#wakeWaiters(ctx);
    return acks === -1 ? this.#afterSync(reply, ctx) : reply;
  }

  /**
   * acks=all: single node, after the group fsync that covers the batch;
   * cluster, after that fsync on the leader AND once the high watermark passed
   * the batch (every in-sync replica has appended it).
   */
  #afterSync(reply: AppendReply, ctx: ActorContext): Deferred<AppendReply> {
    const parked = ctx.defer<AppendReply>();
    if (this.#nodeId === null) {
      this.#openLog.sync().then(() => parked.resolve(reply), (e) => parked.reject(e));
      return parked;
    }
    const waiter: ReplicationWaiter = {
      lastOffset: reply.lastOffset,
      reply,
      synced: false,
      deferred: parked,
      timer: undefined,
    };
    this.#replicationWaiters.add(waiter);
    const lastOffset = reply.lastOffset;
    waiter.timer = ctx.clock.setTimeout(() => {
      waiter.timer = undefined;
      if (!this.#replicationWaiters.has(waiter)) return;
      this.#endReplicationWaiter(waiter, ctx);
      parked.reject(
        new WeirError(
          "REQUEST_TIMED_OUT",
          `Cannot acknowledge the append to partition ${this.#name}: the high watermark did not pass offset ${lastOffset} within ${REPLICATION_TIMEOUT_MS} ms`,
        ),
      );
    }, REPLICATION_TIMEOUT_MS);
    this.#openLog.sync().then(() => {
      waiter.synced = true;
      this.#settleReplicationWaiters(ctx);
    }, (e) => {
      if (!this.#replicationWaiters.has(waiter)) return;
      this.#endReplicationWaiter(waiter, ctx);
      parked.reject(e);
    });
    this.#settleReplicationWaiters(ctx);
    return parked;
  }

  #resolveStart(offset: number | "earliest" | "latest"): number {
    const log = this.#openLog;
    if (offset === "earliest") return log.logStartOffset;
    if (offset === "latest") return this.#visibleEnd;
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot fetch from partition ${this.#name}: offset must be a non-negative integer`,
      );
    }
    if (offset < log.logStartOffset || offset > log.logEndOffset) {
      throw new WeirError(
        "OFFSET_OUT_OF_RANGE",
        `Cannot fetch from partition ${this.#name}: offset ${offset} is outside [${log.logStartOffset}, ${log.logEndOffset}]`,
      );
    }
    return offset;
  }

  #fetch(
    request: Extract<PartitionRequest, { type: "fetch" }>,
    ctx: ActorContext,
  ): unknown {
    const offset = this.#resolveStart(request.offset);
    if (offset < this.#visibleEnd || request.waitMs <= 0) {
      return this.#read(offset, request.maxBytes, request.maxRecords);
    }
    if (this.#waiters.size >= (this.#init.maxWaiters ?? DEFAULT_MAX_WAITERS)) {
      return this.#read(offset, request.maxBytes, request.maxRecords);
    }
    const waiter: Waiter = {
      offset,
      maxBytes: request.maxBytes,
      maxRecords: request.maxRecords,
      reply: ctx.defer<FetchReply>(),
      timer: 0,
      fetchId: request.fetchId,
    };
    waiter.timer = ctx.clock.setTimeout(() => this.#answerWaiter(waiter, ctx), request.waitMs);
    this.#waiters.add(waiter);
    return waiter.reply;
  }

  #cancelFetch(fetchId: string, ctx: ActorContext): boolean {
    for (const waiter of this.#waiters) {
      if (waiter.fetchId === fetchId) {
        this.#waiters.delete(waiter);
        ctx.clock.clearTimeout(waiter.timer);
        waiter.reply.resolve(this.#emptyReply(waiter.offset));
        return true;
      }
    }
    return false;
  }

  #answerWaiter(waiter: Waiter, ctx: ActorContext): void {
    if (!this.#waiters.delete(waiter)) return;
    ctx.clock.clearTimeout(waiter.timer);
    try {
      const reply = this.#log
        ? this.#readRaw(waiter.offset, waiter.maxBytes, waiter.maxRecords)
        : this.#emptyReply(waiter.offset);
      waiter.reply.resolve(
        withTransfer(reply, reply.batches.byteLength ? [reply.batches.buffer as ArrayBuffer] : []),
      );
    } catch (e) {
      waiter.reply.reject(e);
    }
  }

  #wakeWaiters(ctx: ActorContext): void {
    const end = this.#visibleEnd;
    for (const waiter of [...this.#waiters]) {
      if (waiter.offset < end) this.#answerWaiter(waiter, ctx);
    }
  }

  #emptyReply(offset: number): FetchReply {
    const log = this.#log;
    return {
      batches: new Uint8Array(0),
      nextOffset: offset,
      highWatermark: log ? this.#visibleEnd : offset,
      logStartOffset: log?.logStartOffset ?? 0,
    };
  }

  /**
   * What consumers may see: the log end offset in single-node mode, the high
   * watermark in cluster mode.
   */
  get #visibleEnd(): number {
    const log = this.#openLog;
    return this.#nodeId === null
      ? log.logEndOffset
      : Math.min(this.#highWatermark, log.logEndOffset);
  }

  #read(offset: number, maxBytes: number, maxRecords: number): unknown {
    const reply = this.#readRaw(offset, maxBytes, maxRecords);
    return withTransfer(
      reply,
      reply.batches.byteLength ? [reply.batches.buffer as ArrayBuffer] : [],
    );
  }

  #readRaw(offset: number, maxBytes: number, maxRecords: number): FetchReply {
    const log = this.#openLog;
    const visible = this.#visibleEnd;
    if (offset >= visible) return this.#emptyReply(offset);
    const { bytes } = visible === log.logEndOffset
      ? log.read(offset, { maxBytes })
      : log.read(offset, { maxBytes, maxOffset: visible });
    // Trim to maxRecords on batch boundaries (always keep the first batch).
    let end = 0;
    let records = 0;
    let nextOffset = offset;
    for (const { pos, size, header } of iterateBatches(bytes)) {
      if (end > 0 && records >= maxRecords) break;
      const last = header.baseOffset + header.lastOffsetDelta;
      if (last < offset) {
        end = pos + size;
        continue;
      }
      records += header.baseOffset >= offset ? header.recordCount : last - offset + 1;
      end = pos + size;
      nextOffset = last + 1;
    }
    return {
      batches: owned(bytes.subarray(0, end)),
      nextOffset,
      highWatermark: visible,
      logStartOffset: log.logStartOffset,
    };
  }

  #listOffsets(timestamp: number | undefined): OffsetsReply {
    const log = this.#openLog;
    const reply: OffsetsReply = { earliest: log.logStartOffset, latest: this.#visibleEnd };
    if (timestamp !== undefined) reply.offsetForTimestamp = log.offsetForTimestamp(timestamp);
    return reply;
  }

  #status(): PartitionStatus {
    const log = this.#openLog;
    const status: PartitionStatus = {
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      highWatermark: this.#visibleEnd,
      size: log.size,
      segments: log.segmentCount,
      waiters: this.#waiters.size,
      parked: this.#parkedCount,
      fsyncs: log.fsyncStats.count,
      fsyncSeconds: log.fsyncStats.ms / 1000,
    };
    if (this.#nodeId !== null) {
      status.role = this.#role;
      status.leaderEpoch = this.#leaderEpoch;
      status.leader = this.#leaderId;
      if (this.#leaderState) status.isr = [...this.#leaderState.isr];
    }
    return status;
  }

  #maintain(): PartitionStatus {
    const log = this.#openLog;
    if (!this.#healStorage()) return this.#status();
    log.retentionStep();
    // Compaction may decompress: it waits for node:zlib (loading started by #compacted()).
    if (!this.#compacted() || serverCodecsLoaded()) log.compactionStep();
    this.#saveProducerState();
    if (this.#nodeId !== null) {
      this.#epochs.truncateFromStart(log.logStartOffset);
      this.#saveReplicationState();
    }
    return this.#status();
  }

  /** Whether the topic is compacted; if so, starts loading node:zlib for compaction. */
  #compacted(): boolean {
    const compacted = String(this.#init.configs?.["cleanup.policy"] ?? "").includes("compact");
    if (compacted && !serverCodecsLoaded()) loadServerCodecs().catch(() => {});
    return compacted;
  }

  #scheduleMaintenance(ctx: ActorContext): void {
    const every = this.#init.retentionCheckIntervalMs ?? DEFAULT_MAINTENANCE_MS;
    this.#maintenance = ctx.clock.setTimeout(() => {
      this.#maintenance = null;
      if (this.#log === null) return;
      this.#maintain();
      this.#scheduleMaintenance(ctx);
    }, every);
  }

  async #delete(ctx: ActorContext): Promise<boolean> {
    if (this.#maintenance !== null) ctx.clock.clearTimeout(this.#maintenance);
    this.#maintenance = null;
    this.#stepDown(
      new WeirError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `Cannot replicate partition ${this.#name}: it was deleted`,
      ),
      ctx,
    );
    this.#rejectParked(
      new WeirError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `Cannot append to partition ${this.#name}: it was deleted`,
      ),
      ctx,
    );
    for (const waiter of [...this.#waiters]) {
      this.#waiters.delete(waiter);
      ctx.clock.clearTimeout(waiter.timer);
      waiter.reply.reject(
        new WeirError(
          "UNKNOWN_TOPIC_OR_PARTITION",
          `Cannot fetch from partition ${this.#name}: it was deleted`,
        ),
      );
    }
    const log = this.#log;
    this.#log = null;
    if (log) {
      log.close();
    }
    await Deno.remove(this.#init.dir, { recursive: true }).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    return true;
  }

  // ---- Replication (cluster mode) -------------------------------------------------------------
  //
  // Kafka's leader/follower model. The leader stamps its epoch into every batch it appends, keeps
  // a LeaderState (pure, replication_state.ts) fed by follower fetches, proposes ISR changes to the
  // controller and applies them only once committed, and moves the high watermark. A follower
  // pulls with a ReplicaFetcher; a fetch answer carrying `divergingEpoch` makes it truncate its
  // tail (KIP-595-style: the check rides on the fetch, no separate OffsetsForLeaderEpoch round),
  // otherwise it appends the batches verbatim (offsets and epochs kept). Followers do not fsync
  // per fetch: as in Kafka, replication to the ISR is the durability of acks=all in a cluster
  // (the leader still waits for its own group fsync).

  #loadReplicationState(log: Log): void {
    const entries = readLeaderEpochCheckpoint(this.#init.dir);
    this.#epochs = new LeaderEpochCache(entries ?? this.#epochsFromBatches(log));
    // The log may have been cut by recovery below epochs the checkpoint still names.
    this.#epochs.truncateFromEnd(log.logEndOffset);
    this.#epochs.truncateFromStart(log.logStartOffset);
    const hw = readHighWatermarkCheckpoint(this.#init.dir);
    this.#highWatermark = Math.min(Math.max(hw ?? 0, log.logStartOffset), log.logEndOffset);
    if (entries === null || this.#epochs.version > 0) this.#saveReplicationState();
  }

  /** Rebuilds the epoch entries from the batches' `partitionLeaderEpoch` (no checkpoint). */
  #epochsFromBatches(log: Log): { epoch: number; startOffset: number }[] {
    const cache = new LeaderEpochCache();
    let offset = log.logStartOffset;
    while (offset < log.logEndOffset) {
      const { bytes, nextOffset } = log.read(offset, { maxBytes: 8 * 1024 * 1024 });
      if (nextOffset <= offset) break;
      for (const { header } of iterateBatches(bytes)) {
        if (header.partitionLeaderEpoch >= 0) {
          cache.assign(header.partitionLeaderEpoch, header.baseOffset);
        }
      }
      offset = nextOffset;
    }
    return cache.entries;
  }

  #saveReplicationState(): void {
    if (this.#nodeId === null || this.#log === null) return;
    if (this.#epochs.version !== this.#savedEpochsVersion || this.#savedEpochsVersion === 0) {
      writeLeaderEpochCheckpoint(this.#init.dir, this.#epochs.entries);
      this.#savedEpochsVersion = this.#epochs.version;
    }
    writeHighWatermarkCheckpoint(this.#init.dir, this.#visibleEnd);
  }

  #saveEpochsIfChanged(): void {
    if (this.#epochs.version === this.#savedEpochsVersion) return;
    writeLeaderEpochCheckpoint(this.#init.dir, this.#epochs.entries);
    this.#savedEpochsVersion = this.#epochs.version;
  }

  #requireCluster(action: string): void {
    if (this.#nodeId === null) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot ${action} partition ${this.#name}: it runs in single-node mode (no nodeId)`,
      );
    }
  }

  #checkEpoch(epoch: number, action: string): void {
    if (!Number.isSafeInteger(epoch) || epoch < 0) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot ${action} partition ${this.#name}: leader epoch must be a non-negative integer`,
      );
    }
    if (epoch < this.#leaderEpoch) {
      throw new WeirError(
        "FENCED_LEADER_EPOCH",
        `Cannot ${action} partition ${this.#name}: epoch ${epoch} is older than the current ${this.#leaderEpoch}`,
      );
    }
  }

  #checkLeaderForAppend(acks: number): void {
    if (this.#role !== "leader" || this.#leaderState === null) {
      throw new WeirError(
        "NOT_LEADER_OR_FOLLOWER",
        `Cannot append to partition ${this.#name}: this replica is not the leader (${this.#role}, epoch ${this.#leaderEpoch})`,
      );
    }
    const minIsr = this.#init.configs["min.insync.replicas"] ?? 1;
    if (acks === -1 && this.#leaderState.isr.length < minIsr) {
      throw new WeirError(
        "NOT_ENOUGH_REPLICAS",
        `Cannot append to partition ${this.#name}: ${this.#leaderState.isr.length} in-sync replicas, min.insync.replicas is ${minIsr}`,
      );
    }
  }

  #becomeLeader(
    request: Extract<PartitionRequest, { type: "becomeLeader" }>,
    ctx: ActorContext,
  ): PartitionStatus {
    this.#requireCluster("lead");
    this.#checkEpoch(request.leaderEpoch, "lead");
    const nodeId = this.#nodeId!;
    if (!request.replicas.includes(nodeId)) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot lead partition ${this.#name}: node ${nodeId} is not among replicas [${request.replicas}]`,
      );
    }
    if (request.leaderEpoch === this.#leaderEpoch) {
      if (this.#role === "leader") return this.#status();
      throw new WeirError(
        "FENCED_LEADER_EPOCH",
        `Cannot lead partition ${this.#name}: epoch ${request.leaderEpoch} already has leader ${this.#leaderId}`,
      );
    }
    this.#stepDown(this.#notLeader("append to"), ctx);
    const log = this.#openLog;
    this.#role = "leader";
    this.#leaderEpoch = request.leaderEpoch;
    this.#leaderId = nodeId;
    this.#epochs.assign(request.leaderEpoch, log.logEndOffset);
    this.#leaderState = createLeaderState({
      leaderId: nodeId,
      leaderEpoch: request.leaderEpoch,
      logEndOffset: log.logEndOffset,
      replicas: request.replicas,
      isr: request.isr,
      highWatermark: this.#highWatermark,
      now: ctx.clock.now(),
    });
    this.#saveReplicationState();
    this.#updateHighWatermark(ctx);
    this.#scheduleIsrCheck(ctx);
    logger.info("{name} leads epoch {epoch} with ISR {isr}", {
      name: this.#name,
      epoch: request.leaderEpoch,
      isr: this.#leaderState.isr,
    });
    return this.#status();
  }

  #becomeFollower(
    request: Extract<PartitionRequest, { type: "becomeFollower" }>,
    ctx: ActorContext,
  ): PartitionStatus {
    this.#requireCluster("follow");
    this.#checkEpoch(request.leaderEpoch, "follow");
    if (request.leader === this.#nodeId) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot follow partition ${this.#name}: node ${request.leader} is this replica`,
      );
    }
    if (request.leaderEpoch === this.#leaderEpoch) {
      if (this.#role === "follower" && this.#leaderId === request.leader) return this.#status();
      throw new WeirError(
        "FENCED_LEADER_EPOCH",
        `Cannot follow partition ${this.#name}: epoch ${request.leaderEpoch} already has leader ${this.#leaderId}`,
      );
    }
    this.#stepDown(this.#notLeader("append to"), ctx);
    const log = this.#openLog;
    this.#role = "follower";
    this.#leaderEpoch = request.leaderEpoch;
    this.#leaderId = request.leader;
    this.#highWatermark = Math.min(this.#highWatermark, log.logEndOffset);
    this.#saveReplicationState();
    const fetcher: ReplicaFetcher = new ReplicaFetcher(ctx, {
      leaderActorId: `${this.#init.topic}-${this.#init.partition}@${request.leader}`,
      backoffMs: this.#init.replicaFetchBackoffMs ?? DEFAULT_REPLICA_FETCH_BACKOFF_MS,
      request: () => this.#nextReplicaFetch(),
      apply: (reply) => this.#applyReplicaFetch(reply, fetcher, ctx),
    });
    this.#fetcher = fetcher;
    fetcher.start();
    return this.#status();
  }

  #notLeader(action: string): WeirError {
    return new WeirError(
      "NOT_LEADER_OR_FOLLOWER",
      `Cannot ${action} partition ${this.#name}: leadership moved on`,
    );
  }

  /** Leaves the current role: fails parked replication work with `error`, stops timers and fetching. */
  #stepDown(error: WeirError, ctx: ActorContext): void {
    this.#fetcher?.stop();
    this.#fetcher = null;
    if (this.#isrTimer !== null) ctx.clock.clearTimeout(this.#isrTimer);
    this.#isrTimer = null;
    // Appends waiting for replication are in the log already: whether they survive the change is
    // unknown, so they fail with a retriable "outcome unknown" code, never one that promises
    // nothing was written (NOT_LEADER_OR_FOLLOWER / ACTOR_STOPPED make callers resend: duplicates).
    for (const waiter of [...this.#replicationWaiters]) {
      this.#endReplicationWaiter(waiter, ctx);
      waiter.deferred.reject(
        new WeirError(
          "REQUEST_TIMED_OUT",
          `Cannot acknowledge the append to partition ${this.#name}: ${error.message}; it may or may not be kept`,
          { cause: error },
        ),
      );
    }
    for (const waiter of this.#replicaWaiters) {
      ctx.clock.clearTimeout(waiter.timer);
      waiter.reply.reject(error);
    }
    this.#replicaWaiters.clear();
    this.#leaderState = null;
    if (this.#role === "leader") this.#role = "none";
  }

  // -- leader side --

  #afterLeaderAppend(ctx: ActorContext): void {
    this.#updateHighWatermark(ctx);
    this.#wakeReplicaWaiters(ctx);
  }

  /** Recomputes the high watermark from the leader state; on a move, wakes whoever waits for it. */
  #updateHighWatermark(ctx: ActorContext): void {
    const state = this.#leaderState;
    if (state === null) return;
    this.#leaderState = withHighWatermark(state, this.#openLog.logEndOffset);
    this.#setHighWatermark(this.#leaderState.highWatermark, ctx);
  }

  #setHighWatermark(hw: number, ctx: ActorContext): void {
    if (hw === this.#highWatermark) return;
    this.#highWatermark = hw;
    this.#settleReplicationWaiters(ctx);
    this.#wakeWaiters(ctx);
    this.#wakeReplicaWaiters(ctx);
  }

  /** Takes a parked acks=all append out of the set and cancels its timeout. */
  #endReplicationWaiter(waiter: ReplicationWaiter, ctx: ActorContext): void {
    this.#replicationWaiters.delete(waiter);
    if (waiter.timer !== undefined) ctx.clock.clearTimeout(waiter.timer);
    waiter.timer = undefined;
  }

  /** Completes acks=all appends the high watermark has passed (and whose fsync is done). */
  #settleReplicationWaiters(ctx: ActorContext): void {
    const state = this.#leaderState;
    if (state === null) return;
    const minIsr = this.#init.configs["min.insync.replicas"] ?? 1;
    for (const waiter of [...this.#replicationWaiters]) {
      if (!waiter.synced || this.#highWatermark <= waiter.lastOffset) continue;
      this.#endReplicationWaiter(waiter, ctx);
      if (state.isr.length < minIsr) {
        // Kafka's NOT_ENOUGH_REPLICAS_AFTER_APPEND: written, but not on enough replicas to promise.
        waiter.deferred.reject(
          new WeirError(
            "NOT_ENOUGH_REPLICAS",
            `Cannot acknowledge the append to partition ${this.#name}: the ISR shrank to ${state.isr.length} below min.insync.replicas ${minIsr} after the append`,
          ),
        );
      } else {
        waiter.deferred.resolve(waiter.reply);
      }
    }
  }

  #replicaFetch(request: ReplicaFetchRequest, ctx: ActorContext): unknown {
    this.#requireCluster("serve a replica fetch from");
    const state = this.#leaderState;
    if (this.#role !== "leader" || state === null) {
      throw this.#notLeader("serve a replica fetch from");
    }
    if (request.leaderEpoch !== undefined && request.leaderEpoch !== this.#leaderEpoch) {
      throw new WeirError(
        request.leaderEpoch < this.#leaderEpoch ? "FENCED_LEADER_EPOCH" : "NOT_LEADER_OR_FOLLOWER",
        `Cannot serve a replica fetch from partition ${this.#name}: the follower is in epoch ${request.leaderEpoch}, the leader in ${this.#leaderEpoch}`,
      );
    }
    for (const key of ["fetchOffset", "maxBytes", "waitMs", "replicaId"] as const) {
      if (!Number.isSafeInteger(request[key]) || request[key] < 0) {
        throw new WeirError(
          "INVALID_REQUEST",
          `Cannot serve a replica fetch from partition ${this.#name}: ${key} must be a non-negative integer`,
        );
      }
    }
    if (!state.followers.some((f) => f.replicaId === request.replicaId)) {
      throw new WeirError(
        "NOT_LEADER_OR_FOLLOWER",
        `Cannot serve a replica fetch from partition ${this.#name}: node ${request.replicaId} is not a follower of epoch ${this.#leaderEpoch}`,
      );
    }
    const log = this.#openLog;
    const diverging = this.#divergence(request);
    if (diverging !== null) {
      return {
        batches: new Uint8Array(0),
        highWatermark: this.#highWatermark,
        logStartOffset: log.logStartOffset,
        leaderEpoch: this.#leaderEpoch,
        divergingEpoch: diverging,
      } satisfies ReplicaFetchReply;
    }
    if (request.fetchOffset < log.logStartOffset) {
      // Retention removed what the follower needs next: it must start over at the log start.
      return {
        batches: new Uint8Array(0),
        highWatermark: this.#highWatermark,
        logStartOffset: log.logStartOffset,
        leaderEpoch: this.#leaderEpoch,
      } satisfies ReplicaFetchReply;
    }
    this.#leaderState = recordFollowerFetch(state, {
      replicaId: request.replicaId,
      fetchOffset: request.fetchOffset,
      leaderLogEndOffset: log.logEndOffset,
      now: ctx.clock.now(),
    });
    this.#setHighWatermark(this.#leaderState.highWatermark, ctx);
    this.#proposeIsr(ctx);
    const stale = request.highWatermark !== undefined &&
      request.highWatermark < this.#highWatermark;
    if (request.fetchOffset < log.logEndOffset || request.waitMs === 0 || stale) {
      return this.#replicaReply(request);
    }
    const waiter: ReplicaWaiter = {
      request,
      reply: ctx.defer<ReplicaFetchReply>(),
      timer: undefined,
    };
    waiter.timer = ctx.clock.setTimeout(() => this.#answerReplicaWaiter(waiter), request.waitMs);
    this.#replicaWaiters.add(waiter);
    return waiter.reply;
  }

  /** The KIP-595 check: where the follower's last epoch ends here, when its log goes past that. */
  #divergence(request: ReplicaFetchRequest): { epoch: number; endOffset: number } | null {
    const log = this.#openLog;
    if (request.lastFetchedEpoch < 0) {
      return request.fetchOffset > log.logEndOffset
        ? { epoch: this.#epochs.latestEpoch, endOffset: log.logEndOffset }
        : null;
    }
    const end = this.#epochs.endOffsetFor(request.lastFetchedEpoch, log.logEndOffset);
    if (end.epoch !== request.lastFetchedEpoch || end.endOffset < request.fetchOffset) return end;
    return null;
  }

  #replicaReply(request: ReplicaFetchRequest): unknown {
    const log = this.#openLog;
    let batches: Uint8Array = new Uint8Array(0);
    if (request.fetchOffset < log.logEndOffset) {
      const { bytes } = log.read(request.fetchOffset, { maxBytes: request.maxBytes });
      batches = owned(bytes);
    }
    const reply: ReplicaFetchReply = {
      batches,
      highWatermark: this.#highWatermark,
      logStartOffset: log.logStartOffset,
      leaderEpoch: this.#leaderEpoch,
    };
    return withTransfer(reply, batches.byteLength ? [batches.buffer as ArrayBuffer] : []);
  }

  #answerReplicaWaiter(waiter: ReplicaWaiter): void {
    if (!this.#replicaWaiters.delete(waiter)) return;
    try {
      waiter.reply.resolve(this.#replicaReply(waiter.request) as ReplicaFetchReply);
    } catch (e) {
      waiter.reply.reject(e);
    }
  }

  /** Answers parked follower fetches: new data, or a new high watermark to pass on. */
  #wakeReplicaWaiters(ctx: ActorContext): void {
    for (const waiter of [...this.#replicaWaiters]) {
      ctx.clock.clearTimeout(waiter.timer);
      this.#answerReplicaWaiter(waiter);
    }
  }

  #scheduleIsrCheck(ctx: ActorContext): void {
    const lag = this.#init.replicaLagTimeMaxMs ?? DEFAULT_REPLICA_LAG_TIME_MAX_MS;
    this.#isrTimer = ctx.clock.setTimeout(() => {
      this.#isrTimer = null;
      if (this.#leaderState === null || this.#log === null) return;
      this.#proposeIsr(ctx);
      this.#scheduleIsrCheck(ctx);
    }, Math.max(1, Math.floor(lag / 2)));
  }

  /** Plans an ISR change and sends it to the controller; applies it only when committed. */
  #proposeIsr(ctx: ActorContext): void {
    const state = this.#leaderState;
    if (state === null) return;
    const proposal = planIsrChange(state, {
      leaderLogEndOffset: this.#openLog.logEndOffset,
      now: ctx.clock.now(),
      lagTimeMaxMs: this.#init.replicaLagTimeMaxMs ?? DEFAULT_REPLICA_LAG_TIME_MAX_MS,
      fetchingReplicaIds: [...this.#replicaWaiters].map((w) => w.request.replicaId),
    });
    if (proposal === null) return;
    this.#leaderState = { ...state, pendingIsr: proposal };
    const epoch = this.#leaderEpoch;
    const request: AlterIsrRequest = {
      type: "alterIsr",
      topic: this.#init.topic,
      partition: this.#init.partition,
      leaderEpoch: epoch,
      isr: proposal,
    };
    logger.info("{name} proposes ISR {isr} (was {old})", {
      name: this.#name,
      isr: proposal,
      old: state.isr,
    });
    ctx.lookup<AlterIsrRequest>("controller", "0")
      .ask<AlterIsrReply>(request, { timeoutMs: ALTER_ISR_TIMEOUT_MS })
      .then((reply) => {
        const current = this.#leaderState;
        if (current === null || this.#leaderEpoch !== epoch || this.#log === null) return;
        this.#leaderState = { ...current, isr: [...reply.isr], pendingIsr: null };
        this.#updateHighWatermark(ctx);
        this.#settleReplicationWaiters(ctx);
        this.#proposeIsr(ctx);
      }, (e) => {
        const current = this.#leaderState;
        if (current !== null && this.#leaderEpoch === epoch) {
          this.#leaderState = { ...current, pendingIsr: null };
        }
        logger.warn("{name} could not change the ISR: {error}", {
          name: this.#name,
          error: e instanceof Error ? e.message : String(e),
        });
      });
  }

  // -- follower side --

  #nextReplicaFetch(): ReplicaFetchRequest {
    const log = this.#openLog;
    return {
      type: "replicaFetch",
      replicaId: this.#nodeId!,
      fetchOffset: log.logEndOffset,
      lastFetchedEpoch: this.#epochs.latestEpoch,
      maxBytes: this.#init.replicaFetchMaxBytes ?? DEFAULT_REPLICA_FETCH_MAX_BYTES,
      waitMs: this.#init.replicaFetchWaitMs ?? DEFAULT_REPLICA_FETCH_WAIT_MS,
      leaderEpoch: this.#leaderEpoch,
      highWatermark: this.#highWatermark,
    };
  }

  #applyReplicaFetch(
    reply: ReplicaFetchReply,
    fetcher: ReplicaFetcher,
    ctx: ActorContext,
  ): void | Promise<void> {
    if (this.#fetcher !== fetcher || this.#log === null) return;
    if (reply.leaderEpoch !== this.#leaderEpoch) {
      throw new WeirError(
        "FENCED_LEADER_EPOCH",
        `Cannot replicate partition ${this.#name}: the leader answered in epoch ${reply.leaderEpoch}, this replica follows ${this.#leaderEpoch}`,
      );
    }
    const log = this.#log;
    const fetchOffset = log.logEndOffset;
    const diverging = reply.divergingEpoch;
    if (diverging || (reply.batches.byteLength === 0 && reply.logStartOffset > fetchOffset)) {
      // Let a background fsync (started by a segment roll) finish before files are cut or removed.
      return log.sync().catch(() => {}).then(() => {
        if (this.#fetcher !== fetcher || this.#log !== log) return;
        if (diverging) this.#truncateDivergent(diverging, ctx);
        else this.#restartLogAt(reply.logStartOffset);
      });
    }
    if (reply.batches.byteLength > 0) this.#appendReplicated(reply.batches);
    // Never backwards (Kafka's maybeUpdateHighWatermark): a new leader's high watermark may lag
    // what this replica already learned from the previous one until every ISR member fetched.
    this.#highWatermark = Math.min(
      Math.max(this.#highWatermark, reply.highWatermark),
      log.logEndOffset,
    );
    this.#wakeWaiters(ctx);
  }

  #truncateDivergent(diverging: { epoch: number; endOffset: number }, ctx: ActorContext): void {
    const log = this.#openLog;
    let target: number;
    if (diverging.epoch < 0) {
      target = Math.min(this.#highWatermark, log.logEndOffset);
    } else {
      const mine = this.#epochs.endOffsetFor(diverging.epoch, log.logEndOffset);
      target = mine.epoch < 0
        ? Math.min(diverging.endOffset, log.logEndOffset)
        : Math.min(diverging.endOffset, mine.endOffset);
    }
    target = Math.max(target, log.logStartOffset);
    const before = log.logEndOffset;
    const epochsBefore = this.#epochs.version;
    const end = log.truncateTo(target);
    this.#epochs.truncateFromEnd(end);
    if (end === before && this.#epochs.version === epochsBefore) {
      // Nothing to cut, yet the leader sees a divergence: back off instead of spinning.
      throw new WeirError(
        "NOT_LEADER_OR_FOLLOWER",
        `Cannot replicate partition ${this.#name}: the leader reports a divergence at epoch ${diverging.epoch} offset ${diverging.endOffset} that this log does not have`,
      );
    }
    this.#saveEpochsIfChanged();
    this.#highWatermark = Math.min(this.#highWatermark, end);
    this.#producers = this.#loadProducerState(log);
    logger.info("{name} truncated its divergent tail {from}..{to} (leader epoch {epoch})", {
      name: this.#name,
      from: end,
      to: before,
      epoch: this.#leaderEpoch,
    });
    this.#wakeWaiters(ctx);
  }

  /**
   * The leader's log starts past this replica's end (retention ran while it
   * was away): empty the log and restart it at the leader's log start
   * (Kafka's `truncateFullyAndStartAt`).
   */
  #restartLogAt(offset: number): void {
    const log = this.#openLog;
    const end = log.truncateFullyAndStartAt(offset);
    this.#epochs.truncateFromEnd(0);
    this.#saveEpochsIfChanged();
    this.#highWatermark = end;
    this.#producers = this.#loadProducerState(log);
    logger.info("{name} restarts its log at the leader's log start {offset}", {
      name: this.#name,
      offset,
    });
  }

  /** Appends a leader's batches verbatim: offsets and epochs as they came. */
  #appendReplicated(batches: Uint8Array): void {
    const log = this.#openLog;
    // Skip whole batches this replica already has (a batch holding fetchOffset may start below it).
    let start = 0;
    for (const { pos, size, header } of iterateBatches(batches)) {
      if (header.baseOffset >= log.logEndOffset) break;
      start = pos + size;
    }
    const bytes = start === 0 ? batches : batches.subarray(start);
    if (bytes.byteLength === 0) return;
    const headers = [...iterateBatches(bytes)].map((b) => b.header);
    log.append(bytes, { assignOffsets: false });
    for (const header of headers) {
      if (header.partitionLeaderEpoch >= 0) {
        this.#epochs.assign(header.partitionLeaderEpoch, header.baseOffset);
      }
      this.#producers.record(header, header.baseOffset);
    }
    this.#saveEpochsIfChanged();
  }

  #loadProducerState(log: Log): ProducerState {
    let state = new ProducerState();
    try {
      const text = Deno.readTextFileSync(`${this.#init.dir}/${SNAPSHOT_FILE}`);
      const snapshot = JSON.parse(text) as ProducerStateSnapshot;
      if (snapshot.offset <= log.logEndOffset && snapshot.offset >= log.logStartOffset) {
        state = ProducerState.restore(snapshot);
      } else {
        // The log was cut below the snapshot (crash) or trimmed past it: never trust it again.
        Deno.removeSync(`${this.#init.dir}/${SNAPSHOT_FILE}`);
      }
    } catch {
      // No snapshot (first start) or an unreadable one: rebuild from the log below.
    }
    let offset = Math.max(state.offset, log.logStartOffset);
    while (offset < log.logEndOffset) {
      let bytes: Uint8Array;
      try {
        ({ bytes } = log.read(offset, { maxBytes: 8 * 1024 * 1024 }));
      } catch (e) {
        // A corrupt batch on disk (never served) must not keep the partition from starting.
        if (!(e instanceof WeirError && e.code === "CORRUPT_MESSAGE")) throw e;
        offset = log.nextBatchOffset(offset);
        continue;
      }
      let advanced = false;
      for (const { header } of iterateBatches(bytes)) {
        const last = header.baseOffset + header.lastOffsetDelta;
        if (last < offset) continue;
        state.record(header, header.baseOffset);
        offset = last + 1;
        advanced = true;
      }
      if (!advanced) break;
    }
    return state;
  }

  /** Writes the producer state atomically, after flushing the log it describes. */
  #saveProducerState(): void {
    if (this.#producers.size === 0 || this.#log === null) return;
    this.#log.flush();
    const path = `${this.#init.dir}/${SNAPSHOT_FILE}`;
    const tmp = `${path}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(this.#producers.snapshot()));
    const file = Deno.openSync(tmp, { read: true, write: true });
    try {
      file.syncSync();
    } finally {
      file.close();
    }
    Deno.renameSync(tmp, path);
  }
}
