/**
 * Idempotent-producer state of one partition (Kafka's ProducerStateManager,
 * reduced): for every producer id the current epoch and the sequence ranges
 * and offsets of its last few batches, so a retried batch is recognised and
 * answered with its original offsets, and a gap is refused.
 *
 * Rules (Kafka's): an older epoch is fenced (`INVALID_PRODUCER_EPOCH`); a
 * newer epoch must start at sequence 0; within an epoch a batch is either a
 * duplicate of one of the last {@linkcode MAX_CACHED_BATCHES} batches, or
 * must start right after the last sequence (`OUT_OF_ORDER_SEQUENCE_NUMBER`
 * otherwise). Sequences wrap at 2^31 - 1 like Kafka's. Pure: no I/O; the
 * actor persists {@linkcode ProducerStateSnapshot}s and rebuilds from the log.
 *
 * @module
 */
import { WeirError } from "../../client/protocol/codec.ts";

/** Batches remembered per producer for duplicate detection (Kafka keeps 5). */
export const MAX_CACHED_BATCHES = 5;

/** What is remembered of one appended batch. */
export interface ProducerBatch {
  /** First sequence number of the batch. */
  firstSeq: number;
  /** Last sequence number of the batch. */
  lastSeq: number;
  /** Offset of its first record. */
  baseOffset: number;
  /** Offset of its last record. */
  lastOffset: number;
}

/** One producer's state. */
export interface ProducerEntry {
  /** Current epoch. */
  epoch: number;
  /** Most recent batches, oldest first. */
  batches: ProducerBatch[];
}

/** Serializable form of the whole state. */
export interface ProducerStateSnapshot {
  /** Offset up to which (exclusive) the snapshot covers the log. */
  offset: number;
  /** Producer id → entry. */
  producers: [number, ProducerEntry][];
}

/** The identity and sequence range of a batch, from its header. */
export interface BatchIdentity {
  /** Producer id; negative for non-idempotent producers. */
  producerId: number;
  /** Producer epoch. */
  producerEpoch: number;
  /** First sequence number. */
  baseSequence: number;
  /** Records in the batch minus one (from the header). */
  lastOffsetDelta: number;
}

/** Outcome of checking a batch. */
export type SequenceCheck =
  | { kind: "append" }
  | { kind: "duplicate"; baseOffset: number; lastOffset: number };

const SEQ_MOD = 2 ** 31;

/** Last sequence of a batch starting at `firstSeq` with `lastOffsetDelta` more records. */
export function lastSequenceOf(firstSeq: number, lastOffsetDelta: number): number {
  return (firstSeq + lastOffsetDelta) % SEQ_MOD;
}

/** Producer state of one partition. */
export class ProducerState {
  readonly #producers = new Map<number, ProducerEntry>();
  /** Offset up to which the state reflects the log. */
  offset = 0;

  /** Number of known producers. */
  get size(): number {
    return this.#producers.size;
  }

  /**
   * Checks a batch against the state without changing it.
   *
   * @throws {WeirError} INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER.
   */
  check(batch: BatchIdentity, where: string): SequenceCheck {
    if (batch.producerId < 0) return { kind: "append" };
    const entry = this.#producers.get(batch.producerId);
    if (!entry) return { kind: "append" };
    const firstSeq = batch.baseSequence;
    if (batch.producerEpoch < entry.epoch) {
      throw new WeirError(
        "INVALID_PRODUCER_EPOCH",
        `Cannot append to ${where}: producer ${batch.producerId} epoch ${batch.producerEpoch} is older than ${entry.epoch}`,
      );
    }
    if (batch.producerEpoch > entry.epoch) {
      if (firstSeq !== 0) {
        throw new WeirError(
          "OUT_OF_ORDER_SEQUENCE_NUMBER",
          `Cannot append to ${where}: producer ${batch.producerId} starts epoch ${batch.producerEpoch} at sequence ${firstSeq}, expected 0`,
        );
      }
      return { kind: "append" };
    }
    const lastSeq = lastSequenceOf(firstSeq, batch.lastOffsetDelta);
    for (const cached of entry.batches) {
      if (cached.firstSeq === firstSeq && cached.lastSeq === lastSeq) {
        return { kind: "duplicate", baseOffset: cached.baseOffset, lastOffset: cached.lastOffset };
      }
    }
    const last = entry.batches.at(-1);
    const expected = last === undefined ? firstSeq : (last.lastSeq + 1) % SEQ_MOD;
    if (firstSeq !== expected) {
      throw new WeirError(
        "OUT_OF_ORDER_SEQUENCE_NUMBER",
        `Cannot append to ${where}: producer ${batch.producerId} sent sequence ${firstSeq}, expected ${expected}`,
      );
    }
    return { kind: "append" };
  }

  /**
   * How many sequence numbers are missing before `batch`: > 0 when it
   * starts after a gap in its producer's current epoch (an earlier batch is
   * still on its way), or when an unknown producer's first batch does not
   * start at 0; otherwise 0 (in order, a retry, fenced or not idempotent —
   * {@linkcode ProducerState.check} tells which).
   */
  sequenceGap(batch: BatchIdentity): number {
    if (batch.producerId < 0) return 0;
    const entry = this.#producers.get(batch.producerId);
    if (!entry) return batch.baseSequence > 0 ? batch.baseSequence : 0;
    const last = entry.batches.at(-1);
    if (batch.producerEpoch !== entry.epoch || last === undefined) return 0;
    const ahead = (batch.baseSequence - (last.lastSeq + 1) + 2 * SEQ_MOD) % SEQ_MOD;
    return ahead < SEQ_MOD / 2 ? ahead : 0;
  }

  /** Records an appended batch (also used to rebuild the state from the log). */
  record(batch: BatchIdentity, baseOffset: number): void {
    const lastOffset = baseOffset + batch.lastOffsetDelta;
    this.offset = Math.max(this.offset, lastOffset + 1);
    if (batch.producerId < 0) return;
    let entry = this.#producers.get(batch.producerId);
    if (!entry || batch.producerEpoch > entry.epoch) {
      entry = { epoch: batch.producerEpoch, batches: [] };
      this.#producers.set(batch.producerId, entry);
    } else if (batch.producerEpoch < entry.epoch) {
      return;
    }
    entry.batches.push({
      firstSeq: batch.baseSequence,
      lastSeq: lastSequenceOf(batch.baseSequence, batch.lastOffsetDelta),
      baseOffset,
      lastOffset,
    });
    if (entry.batches.length > MAX_CACHED_BATCHES) entry.batches.shift();
  }

  /** Forgets everything at or after `offset` (after a log truncation). */
  truncateTo(offset: number): void {
    for (const [id, entry] of this.#producers) {
      entry.batches = entry.batches.filter((b) => b.lastOffset < offset);
      if (entry.batches.length === 0) this.#producers.delete(id);
    }
    this.offset = Math.min(this.offset, offset);
  }

  /** The state as plain data. */
  snapshot(): ProducerStateSnapshot {
    return { offset: this.offset, producers: structuredClone([...this.#producers]) };
  }

  /** Rebuilds a state from a snapshot. */
  static restore(snapshot: ProducerStateSnapshot): ProducerState {
    const state = new ProducerState();
    state.offset = snapshot.offset;
    for (const [id, entry] of snapshot.producers) state.#producers.set(id, structuredClone(entry));
    return state;
  }
}
