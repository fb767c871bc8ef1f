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
 * @module
 */
import { crc32c as nativeCrc32c } from "@node-rs/crc32";
import {
  iterateBatches,
  type TopicConfigs,
  validateBatch,
  WeirError,
} from "../../client/protocol/mod.ts";
import type { ActorContext, ActorLogic, TimerHandle } from "../runtime/mod.ts";
import { Deferred, withTransfer } from "../runtime/mod.ts";
import { DEFAULT_LOG_CONFIG, Log, type LogConfig } from "./log/mod.ts";
import type {
  AppendReply,
  FetchReply,
  OffsetsReply,
  PartitionInit,
  PartitionRequest,
  PartitionStatus,
} from "./messages.ts";
import { type BatchIdentity, ProducerState, type ProducerStateSnapshot } from "./producer_state.ts";

/** File name of the idempotent-producer state snapshot in a partition directory. */
export const SNAPSHOT_FILE = "producer-state.snapshot";
const DEFAULT_MAX_WAITERS = 1_000;
const DEFAULT_MAINTENANCE_MS = 30_000;

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

  /** Creates the logic; nothing is opened until `start`. */
  constructor(init: PartitionInit) {
    this.#init = init;
    this.#name = `"${init.topic}-${init.partition}"`;
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
      config: logConfigOf(this.#init.configs),
      clock: ctx.clock,
      crc: nativeCrc32c,
      topicPartition: `${this.#init.topic}-${this.#init.partition}`,
    });
    this.#producers = this.#loadProducerState(this.#log);
    this.#scheduleMaintenance(ctx);
  }

  /** Handles one request. */
  receive(message: unknown, ctx: ActorContext): unknown {
    const request = message as PartitionRequest;
    switch (request.type) {
      case "append":
        return this.#append(request.batches, request.acks, ctx);
      case "fetch":
        return this.#fetch(request, ctx);
      case "cancelFetch":
        return this.#cancelFetch(request.fetchId, ctx);
      case "listOffsets":
        return this.#listOffsets(request.timestamp);
      case "configure":
        // The configs replace the old ones: a key left out goes back to its default.
        this.#openLog.updateConfig({ ...DEFAULT_LOG_CONFIG, ...logConfigOf(request.configs) });
        this.#init.configs = { ...request.configs };
        return this.#status();
      case "status":
        return this.#status();
      case "maintain":
        return this.#maintain();
      case "delete":
        return this.#delete(ctx);
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
    for (const waiter of [...this.#waiters]) this.#answerWaiter(waiter, ctx);
    this.#rejectParked(
      new WeirError("ACTOR_STOPPED", `Cannot append to partition ${this.#name}: it is stopping`),
      ctx,
    );
    if (this.#log) {
      this.#log.flush();
      this.#saveProducerState();
      this.#log.close();
      this.#log = null;
    }
  }

  #append(batches: Uint8Array, acks: number, ctx: ActorContext): unknown {
    this.#openLog;
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
    const result = log.append(batches);
    let offset = result.baseOffset;
    for (const identity of identities) {
      this.#producers.record(identity, offset);
      offset += identity.lastOffsetDelta + 1;
    }
    const reply: AppendReply = { baseOffset: result.baseOffset, lastOffset: result.lastOffset };
    if (result.logAppendTime >= 0) reply.logAppendTime = result.logAppendTime;
    this.#wakeWaiters(ctx);
    return acks === -1 ? this.#afterSync(reply, ctx) : reply;
  }

  #afterSync(reply: AppendReply, ctx: ActorContext): Deferred<AppendReply> {
    const parked = ctx.defer<AppendReply>();
    this.#openLog.sync().then(() => parked.resolve(reply), (e) => parked.reject(e));
    return parked;
  }

  #resolveStart(offset: number | "earliest" | "latest"): number {
    const log = this.#openLog;
    if (offset === "earliest") return log.logStartOffset;
    if (offset === "latest") return log.logEndOffset;
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
    const log = this.#openLog;
    if (offset < log.logEndOffset || request.waitMs <= 0) {
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
    const end = this.#openLog.logEndOffset;
    for (const waiter of [...this.#waiters]) {
      if (waiter.offset < end) this.#answerWaiter(waiter, ctx);
    }
  }

  #emptyReply(offset: number): FetchReply {
    const log = this.#log;
    return {
      batches: new Uint8Array(0),
      nextOffset: offset,
      highWatermark: log?.logEndOffset ?? offset,
      logStartOffset: log?.logStartOffset ?? 0,
    };
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
    if (offset >= log.logEndOffset) return this.#emptyReply(offset);
    const { bytes } = log.read(offset, { maxBytes });
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
      highWatermark: log.logEndOffset,
      logStartOffset: log.logStartOffset,
    };
  }

  #listOffsets(timestamp: number | undefined): OffsetsReply {
    const log = this.#openLog;
    const reply: OffsetsReply = { earliest: log.logStartOffset, latest: log.logEndOffset };
    if (timestamp !== undefined) reply.offsetForTimestamp = log.offsetForTimestamp(timestamp);
    return reply;
  }

  #status(): PartitionStatus {
    const log = this.#openLog;
    return {
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      highWatermark: log.logEndOffset,
      size: log.size,
      segments: log.segmentCount,
      waiters: this.#waiters.size,
      parked: this.#parkedCount,
      fsyncs: log.fsyncStats.count,
      fsyncSeconds: log.fsyncStats.ms / 1000,
    };
  }

  #maintain(): PartitionStatus {
    const log = this.#openLog;
    log.retentionStep();
    log.compactionStep();
    this.#saveProducerState();
    return this.#status();
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
      const { bytes } = log.read(offset, { maxBytes: 8 * 1024 * 1024 });
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
