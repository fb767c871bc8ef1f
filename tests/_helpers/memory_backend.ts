/**
 * An honest, small in-memory {@linkcode EdgeBackend}: a test double for
 * developing the HTTP edge and the SDK before the actor-backed broker exists.
 *
 * Topics hold partitions; a partition is an array of stored RecordBatch v2
 * (one copy per batch, base offset rewritten with `setBaseOffset`). Appends
 * validate every batch (framing, magic, CRC, record walk) before storing any,
 * and enforce `max.message.bytes`. Fetches return whole batches from the one
 * holding the asked offset, long-poll at the log end (woken by appends,
 * released by the abort signal) and answer `OFFSET_OUT_OF_RANGE` outside
 * [log start, log end]. There is no retention, no compaction, no producer
 * dedupe, one broker (id 1) and replication factor 1.
 *
 * @module
 */
import {
  type BatchProduceResponse,
  type ClusterInfo,
  type CommitOffsetsRequest,
  type ConfigInput,
  type CreateTopicRequest,
  decodeRecordsAsync,
  defaultTopicConfigs,
  type GroupDescriptionResponse,
  type GroupOffsetsResponse,
  type GroupSummary,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type InitProducerResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type OffsetsResponse,
  parseTopicConfigs,
  setBaseOffset,
  type TopicConfigs,
  type TopicDescription,
  type TopicSummary,
  validateBatch,
  validateTopicName,
  WeirError,
} from "../../client/protocol/mod.ts";
import type {
  AppendBatchesOptions,
  EdgeBackend,
  FetchBatchesOptions,
  FetchBatchesResult,
} from "../../broker/http/backend.ts";

/** Schedules `fn` after `ms`; returns a function that cancels it. */
export type Schedule = (fn: () => void, ms: number) => () => void;

/** Options of {@linkcode MemoryBackend}. */
export interface MemoryBackendOptions {
  /** `limits.maxRequestBytes`; default 8 MiB. */
  maxRequestBytes?: number;
  /** Most partitions a topic may have; default 1,000. */
  maxPartitions?: number;
  /** Cluster id shown by `cluster()`; default `"memory"`. */
  clusterId?: string;
  /** Timer for long-poll deadlines; default `setTimeout`. */
  schedule?: Schedule;
}

interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  bytes: Uint8Array;
}

interface PartitionState {
  batches: StoredBatch[];
  logEnd: number;
  waiters: Set<() => void>;
}

interface TopicState {
  name: string;
  replicationFactor: number;
  configs: TopicConfigs;
  partitions: PartitionState[];
}

const defaultSchedule: Schedule = (fn, ms) => {
  const id = setTimeout(fn, ms);
  return () => clearTimeout(id);
};

function unknownPartition(topic: string, partition?: number): WeirError {
  const what = partition === undefined ? `topic "${topic}"` : `"${topic}-${partition}"`;
  return new WeirError(
    "UNKNOWN_TOPIC_OR_PARTITION",
    `Cannot find ${what}: it does not exist`,
  );
}

/**
 * In-memory broker for tests (see the module doc). `close()` releases every
 * parked fetch; later calls throw `BROKER_NOT_AVAILABLE`.
 *
 * @example Append and fetch
 * ```ts
 * import { MemoryBackend } from "./memory_backend.ts";
 * import { encodeRecordBatch } from "../../client/protocol/mod.ts";
 * import { assertEquals } from "@std/assert";
 *
 * await using backend = new MemoryBackend();
 * await backend.createTopic({ name: "t", partitions: 1 });
 * const batch = encodeRecordBatch([{ value: new Uint8Array([1]) }]);
 * assertEquals((await backend.appendBatches("t", 0, batch, { acks: -1 })).baseOffset, 0);
 * const fetched = await backend.fetchBatches("t", 0, { offset: 0, maxBytes: 1024, maxRecords: 10, waitMs: 0 });
 * assertEquals(fetched.nextOffset, 1);
 * ```
 */
export class MemoryBackend implements EdgeBackend, AsyncDisposable {
  /** Limits the edge enforces. */
  readonly limits: { readonly maxRequestBytes: number };
  readonly #topics = new Map<string, TopicState>();
  readonly #maxPartitions: number;
  readonly #clusterId: string;
  readonly #schedule: Schedule;
  #nextProducerId = 1000;
  #closed = false;

  /**
   * Creates an empty backend.
   *
   * @param options Limits, cluster id and timer.
   */
  constructor(options: MemoryBackendOptions = {}) {
    this.limits = { maxRequestBytes: options.maxRequestBytes ?? 8 * 1024 * 1024 };
    this.#maxPartitions = options.maxPartitions ?? 1000;
    this.#clusterId = options.clusterId ?? "memory";
    this.#schedule = options.schedule ?? defaultSchedule;
  }

  /** Number of fetches parked in a long-poll right now (for tests of client departure). */
  parkedFetches(): number {
    let n = 0;
    for (const topic of this.#topics.values()) {
      for (const p of topic.partitions) n += p.waiters.size;
    }
    return n;
  }

  #open(): void {
    if (this.#closed) {
      throw new WeirError(
        "BROKER_NOT_AVAILABLE",
        "Cannot serve the request: the backend is closed",
      );
    }
  }

  #topic(name: string): TopicState {
    this.#open();
    const topic = this.#topics.get(name);
    if (topic === undefined) throw unknownPartition(name);
    return topic;
  }

  #partition(name: string, partition: number): PartitionState {
    const state = this.#topic(name).partitions[partition];
    if (state === undefined) throw unknownPartition(name, partition);
    return state;
  }

  #describe(topic: TopicState): TopicDescription {
    return {
      name: topic.name,
      replicationFactor: topic.replicationFactor,
      configs: { ...topic.configs },
      partitions: topic.partitions.map((p, partition) => ({
        partition,
        leader: 1,
        replicas: [1],
        isr: [1],
        logStartOffset: 0,
        highWatermark: p.logEnd,
      })),
    };
  }

  /** `GET /v1/cluster`: one broker, id 1. */
  cluster(): Promise<ClusterInfo> {
    this.#open();
    return Promise.resolve({
      clusterId: this.#clusterId,
      controller: 1,
      brokers: [{ id: 1, host: "127.0.0.1", port: 0 }],
    });
  }

  /** `GET /v1/topics`, sorted by name. */
  listTopics(): Promise<TopicSummary[]> {
    this.#open();
    return Promise.resolve(
      [...this.#topics.values()].sort((a, b) => a.name < b.name ? -1 : 1).map((t) => ({
        name: t.name,
        partitions: t.partitions.length,
        replicationFactor: t.replicationFactor,
      })),
    );
  }

  /** `POST /v1/topics`. */
  createTopic(request: CreateTopicRequest): Promise<TopicDescription> {
    return Promise.resolve().then(() => {
      this.#open();
      validateTopicName(request.name);
      const partitions = request.partitions ?? 1;
      if (!Number.isInteger(partitions) || partitions < 1 || partitions > this.#maxPartitions) {
        throw new WeirError(
          "INVALID_PARTITIONS",
          `Cannot create topic "${request.name}": partitions must be an integer 1..${this.#maxPartitions}, got ${partitions}`,
        );
      }
      const replicationFactor = request.replicationFactor ?? 1;
      if (replicationFactor !== 1) {
        throw new WeirError(
          "INVALID_REPLICATION_FACTOR",
          `Cannot create topic "${request.name}": replication factor ${replicationFactor} is not possible with 1 broker`,
        );
      }
      const configs = { ...defaultTopicConfigs(), ...parseTopicConfigs(request.configs ?? {}) };
      if (this.#topics.has(request.name)) {
        throw new WeirError(
          "TOPIC_ALREADY_EXISTS",
          `Cannot create topic "${request.name}": it already exists`,
        );
      }
      const topic: TopicState = {
        name: request.name,
        replicationFactor,
        configs,
        partitions: Array.from({ length: partitions }, () => ({
          batches: [],
          logEnd: 0,
          waiters: new Set<() => void>(),
        })),
      };
      this.#topics.set(request.name, topic);
      return this.#describe(topic);
    });
  }

  /** `GET /v1/topics/:topic`. */
  describeTopic(name: string): Promise<TopicDescription> {
    return Promise.resolve().then(() => this.#describe(this.#topic(name)));
  }

  /** `PATCH /v1/topics/:topic/configs`. */
  alterTopicConfigs(
    name: string,
    configs: Record<string, ConfigInput>,
  ): Promise<TopicDescription> {
    return Promise.resolve().then(() => {
      const topic = this.#topic(name);
      topic.configs = { ...topic.configs, ...parseTopicConfigs(configs) };
      return this.#describe(topic);
    });
  }

  /** `DELETE /v1/topics/:topic`; parked fetches wake and see the topic gone. */
  deleteTopic(name: string): Promise<void> {
    return Promise.resolve().then(() => {
      const topic = this.#topic(name);
      this.#topics.delete(name);
      for (const p of topic.partitions) for (const wake of [...p.waiters]) wake();
    });
  }

  /** Partition count and `max.message.bytes` of a topic. */
  produceInfo(topic: string): Promise<{ partitions: number; maxMessageBytes: number }> {
    return Promise.resolve().then(() => {
      const t = this.#topic(topic);
      return { partitions: t.partitions.length, maxMessageBytes: t.configs["max.message.bytes"] };
    });
  }

  /** Validates every batch, then stores them with assigned offsets. */
  appendBatches(
    topic: string,
    partition: number,
    batches: Uint8Array,
    _options: AppendBatchesOptions,
  ): Promise<BatchProduceResponse> {
    return Promise.resolve().then(() => {
      const state = this.#partition(topic, partition);
      const maxBytes = this.#topic(topic).configs["max.message.bytes"];
      const where = `"${topic}-${partition}"`;
      if (batches.byteLength === 0) {
        throw new WeirError("INVALID_RECORD", `Cannot append to ${where}: no record batch given`);
      }
      const found: { pos: number; size: number; count: number; maxTimestamp: number }[] = [];
      for (let pos = 0; pos < batches.byteLength;) {
        let header;
        try {
          header = validateBatch(batches, pos);
        } catch (cause) {
          const reason = cause instanceof Error ? cause.message : String(cause);
          throw new WeirError("INVALID_RECORD", `Cannot append to ${where}: ${reason}`, { cause });
        }
        const size = header.batchLength + 12;
        if (size > maxBytes) {
          throw new WeirError(
            "RECORD_TOO_LARGE",
            `Cannot append to ${where}: a batch of ${size} bytes is over max.message.bytes ${maxBytes}`,
          );
        }
        if (header.recordCount === 0) {
          throw new WeirError(
            "INVALID_RECORD",
            `Cannot append to ${where}: a batch has no records`,
          );
        }
        found.push({
          pos,
          size,
          count: header.lastOffsetDelta + 1,
          maxTimestamp: header.maxTimestamp,
        });
        pos += size;
      }
      const baseOffset = state.logEnd;
      for (const b of found) {
        const bytes = batches.slice(b.pos, b.pos + b.size);
        setBaseOffset(bytes, 0, state.logEnd);
        state.batches.push({
          baseOffset: state.logEnd,
          lastOffset: state.logEnd + b.count - 1,
          maxTimestamp: b.maxTimestamp,
          bytes,
        });
        state.logEnd += b.count;
      }
      for (const wake of [...state.waiters]) wake();
      return { baseOffset, lastOffset: state.logEnd - 1 };
    });
  }

  /** Reads whole batches from the one holding `offset`, long-polling at the log end. */
  async fetchBatches(
    topic: string,
    partition: number,
    options: FetchBatchesOptions,
  ): Promise<FetchBatchesResult> {
    await Promise.resolve();
    throwIfAborted(options.signal, topic, partition);
    let state = this.#partition(topic, partition);
    const start = options.offset === "earliest"
      ? 0
      : options.offset === "latest"
      ? state.logEnd
      : options.offset;
    if (start < 0 || start > state.logEnd) {
      throw new WeirError(
        "OFFSET_OUT_OF_RANGE",
        `Cannot fetch from "${topic}-${partition}": offset ${start} is outside 0..${state.logEnd}`,
      );
    }
    if (start === state.logEnd && options.waitMs > 0) {
      await this.#waitForAppend(state, options, `"${topic}-${partition}"`);
      state = this.#partition(topic, partition);
    }
    return collect(state, start, options);
  }

  #waitForAppend(
    state: PartitionState,
    options: FetchBatchesOptions,
    where: string,
  ): Promise<void> {
    const { signal } = options;
    return new Promise<void>((resolve, reject) => {
      const finish = () => {
        cancelTimer();
        state.waiters.delete(wake);
        signal?.removeEventListener("abort", onAbort);
      };
      const wake = () => {
        finish();
        resolve();
      };
      const onAbort = () => {
        finish();
        reject(new WeirError("REQUEST_ABORTED", `Cannot fetch from ${where}: the client left`));
      };
      const cancelTimer = this.#schedule(wake, options.waitMs);
      state.waiters.add(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Earliest (0), latest (log end) and the first offset with a timestamp ≥ `timestamp`. */
  async listOffsets(
    topic: string,
    partition: number,
    options: { timestamp?: number } = {},
  ): Promise<OffsetsResponse> {
    await Promise.resolve();
    const state = this.#partition(topic, partition);
    const out: OffsetsResponse = { earliest: 0, latest: state.logEnd };
    const { timestamp } = options;
    if (timestamp === undefined) return out;
    out.offsetForTimestamp = null;
    for (const batch of state.batches) {
      if (batch.maxTimestamp < timestamp) continue;
      const records = await decodeRecordsAsync(batch.bytes, 0);
      const hit = records.find((r) => r.timestamp >= timestamp);
      if (hit !== undefined) {
        out.offsetForTimestamp = hit.offset;
        break;
      }
    }
    return out;
  }

  /** A fresh producer id, epoch 0. */
  initProducer(): Promise<InitProducerResponse> {
    return Promise.resolve().then(() => {
      this.#open();
      return { producerId: this.#nextProducerId++, producerEpoch: 0 };
    });
  }

  /** No groups here: an empty list. */
  listGroups(): Promise<GroupSummary[]> {
    return Promise.resolve([]);
  }

  /** Throws `GROUP_ID_NOT_FOUND`: the memory backend has no consumer groups. */
  describeGroup(groupId: string): Promise<GroupDescriptionResponse> {
    return noGroups("GROUP_ID_NOT_FOUND", `describe group ${JSON.stringify(groupId)}`);
  }

  /** Throws `INVALID_REQUEST`: the memory backend has no consumer groups. */
  joinGroup(groupId: string, _request: JoinGroupRequest): Promise<JoinGroupResponse> {
    return noGroups("INVALID_REQUEST", `join group ${JSON.stringify(groupId)}`);
  }

  /** Throws `GROUP_ID_NOT_FOUND`: the memory backend has no consumer groups. */
  heartbeat(
    groupId: string,
    _request: HeartbeatRequest & { memberId: string },
  ): Promise<HeartbeatResponse> {
    return noGroups("GROUP_ID_NOT_FOUND", `heartbeat in group ${JSON.stringify(groupId)}`);
  }

  /** Throws `GROUP_ID_NOT_FOUND`: the memory backend has no consumer groups. */
  leaveGroup(groupId: string, _memberId: string): Promise<void> {
    return noGroups("GROUP_ID_NOT_FOUND", `leave group ${JSON.stringify(groupId)}`);
  }

  /** Throws `INVALID_REQUEST`: the memory backend has no consumer groups. */
  commitOffsets(groupId: string, _request: CommitOffsetsRequest): Promise<GroupOffsetsResponse> {
    return noGroups("INVALID_REQUEST", `commit offsets of group ${JSON.stringify(groupId)}`);
  }

  /** Throws `GROUP_ID_NOT_FOUND`: the memory backend has no consumer groups. */
  fetchOffsets(groupId: string, _options?: { topic?: string }): Promise<GroupOffsetsResponse> {
    return noGroups("GROUP_ID_NOT_FOUND", `fetch offsets of group ${JSON.stringify(groupId)}`);
  }

  /** Releases every parked fetch; idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const topic of this.#topics.values()) {
      for (const p of topic.partitions) for (const wake of [...p.waiters]) wake();
    }
    return Promise.resolve();
  }

  /** Same as {@linkcode MemoryBackend.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function throwIfAborted(signal: AbortSignal | undefined, topic: string, partition: number): void {
  if (signal?.aborted) {
    throw new WeirError(
      "REQUEST_ABORTED",
      `Cannot fetch from "${topic}-${partition}": the client left`,
    );
  }
}

function collect(
  state: PartitionState,
  start: number,
  options: FetchBatchesOptions,
): FetchBatchesResult {
  const { batches } = state;
  let lo = 0;
  let hi = batches.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((batches[mid]?.lastOffset ?? Infinity) < start) lo = mid + 1;
    else hi = mid;
  }
  const picked: Uint8Array[] = [];
  let bytes = 0;
  let records = 0;
  let nextOffset = start;
  for (let i = lo; i < batches.length; i++) {
    const batch = batches[i];
    if (batch === undefined) break;
    if (picked.length > 0 && bytes + batch.bytes.byteLength > options.maxBytes) break;
    if (records >= options.maxRecords) break;
    picked.push(batch.bytes);
    bytes += batch.bytes.byteLength;
    records += batch.lastOffset - Math.max(batch.baseOffset, start) + 1;
    nextOffset = batch.lastOffset + 1;
  }
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const b of picked) {
    out.set(b, at);
    at += b.byteLength;
  }
  return { batches: out, nextOffset, highWatermark: state.logEnd, logStartOffset: 0 };
}

/** The rejection of every group call of the memory backend. */
function noGroups<T>(code: "GROUP_ID_NOT_FOUND" | "INVALID_REQUEST", what: string): Promise<T> {
  return Promise.reject(
    new WeirError(code, `Cannot ${what}: the memory backend has no consumer groups`),
  );
}
