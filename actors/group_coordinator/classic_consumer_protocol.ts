/**
 * Reading Kafka's ConsumerProtocol bytes that classic groups of protocol type
 * `consumer` carry opaquely: the subscription a member sends in JoinGroup
 * (`ConsumerProtocolSubscription`: version int16, topics, user data, ...)
 * and the assignment the leader hands out in SyncGroup
 * (`ConsumerProtocolAssignment`: version int16, topic partitions, user
 * data). Only what a description needs is read (topics; topic partitions);
 * later fields are ignored, and bytes that do not parse give empty results,
 * because the broker never depends on them.
 *
 * @module
 */
import type { TopicPartitions } from "./_topic_partitions.ts";

const TEXT = new TextDecoder();

class Cursor {
  #pos = 0;
  readonly #view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  #need(n: number): number {
    if (n < 0 || this.#pos + n > this.bytes.byteLength) throw new RangeError("short");
    const at = this.#pos;
    this.#pos += n;
    return at;
  }
  int16(): number {
    return this.#view.getInt16(this.#need(2));
  }
  int32(): number {
    return this.#view.getInt32(this.#need(4));
  }
  string(): string {
    const n = this.int16();
    const at = this.#need(n);
    return TEXT.decode(this.bytes.subarray(at, at + n));
  }
  array<T>(item: () => T): T[] {
    const n = this.int32();
    if (n < 0) return [];
    if (n > this.bytes.byteLength) throw new RangeError("count");
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  }
}

/**
 * The topics of a consumer's subscription metadata.
 *
 * @param metadata `ConsumerProtocolSubscription` bytes.
 * @returns Sorted topics, or `[]` when the bytes do not parse.
 */
export function decodeSubscriptionTopics(metadata: Uint8Array): string[] {
  try {
    const c = new Cursor(metadata);
    c.int16();
    return [...new Set(c.array(() => c.string()))].sort();
  } catch {
    return [];
  }
}

/**
 * The topic partitions of a consumer's assignment.
 *
 * @param assignment `ConsumerProtocolAssignment` bytes.
 * @returns Topic partitions sorted by topic and partition, or `[]` when the bytes do not parse.
 */
export function decodeAssignment(assignment: Uint8Array): TopicPartitions[] {
  if (assignment.byteLength === 0) return [];
  try {
    const c = new Cursor(assignment);
    c.int16();
    const out = c.array(() => ({
      topic: c.string(),
      partitions: c.array(() => c.int32()).sort((a, b) => a - b),
    }));
    return out.filter((t) => t.partitions.length > 0).sort((a, b) =>
      a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0
    );
  } catch {
    return [];
  }
}
