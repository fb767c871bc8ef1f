/**
 * A checker for produce/consume histories (Jepsen-style, for one run of a
 * test): record what producers tried and what the broker answered, what
 * readers saw and what groups committed, then {@linkcode History.check}
 * lists every broken promise.
 *
 * Every produced value must be unique in the history (e.g. `p3-1042`): the
 * value is the record's identity.
 *
 * Violations found:
 * - `lost`: an acknowledged value no read ever saw (read everything back
 *   before checking, or pass `{ requireAckedRead: false }`);
 * - `moved`: an acknowledged value read at another offset than acked;
 * - `conflict`: one offset seen holding two values (by reads or acks);
 * - `duplicate`: one value seen at two offsets; with
 *   `{ allowRetryDuplicates: true }` only values of idempotent producers count
 *   (`idempotent-duplicate`), since plain retries are at-least-once;
 * - `failed-visible`: a value whose produce failed definitely was read;
 * - `phantom`: a value read that no producer attempted;
 * - `non-monotonic`: one reader's offsets in a partition did not increase
 *   (a reader that seeks back must use a new reader name);
 * - `skipped-commit`: a group committed past an offset that exists (read by
 *   anyone or acked) but that no member of the group read.
 *
 * @example Detect a lost record
 * ```ts
 * import { History } from "./history_checker.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const h = new History();
 * h.attempt("a");
 * h.ack("a", { partition: 0, offset: 0 });
 * h.attempt("b");
 * h.ack("b", { partition: 0, offset: 1 });
 * h.read({ reader: "r", partition: 0, offset: 0, value: "a" });
 * assertEquals(h.check().map((v) => v.kind), ["lost"]);
 * ```
 *
 * @module
 */

/** Kinds of violations {@linkcode History.check} reports. */
export type ViolationKind =
  | "lost"
  | "moved"
  | "conflict"
  | "duplicate"
  | "idempotent-duplicate"
  | "failed-visible"
  | "phantom"
  | "non-monotonic"
  | "skipped-commit";

/** One broken promise. */
export interface Violation {
  /** What kind. */
  kind: ViolationKind;
  /** A sentence naming the value, partition and offsets involved. */
  message: string;
  /** The value involved, when there is one. */
  value?: string;
  /** Topic (`""` when the history does not use topics). */
  topic: string;
  /** Partition involved. */
  partition: number;
  /** Offset involved. */
  offset?: number;
}

/** Where a value was acknowledged. */
export interface AckedAt {
  /** Topic (default `""`). */
  topic?: string;
  /** Partition. */
  partition: number;
  /** Offset. */
  offset: number;
}

/** One record a reader saw. */
export interface ReadEvent {
  /** Reader name: offsets must increase per reader and partition. */
  reader: string;
  /** Consumer group of the reader, for the commit check. */
  group?: string;
  /** Topic (default `""`). */
  topic?: string;
  /** Partition. */
  partition: number;
  /** Offset. */
  offset: number;
  /** The record's value. */
  value: string;
}

/** One offset commit (Kafka's convention: the next offset the group will read). */
export interface CommitEvent {
  /** Group. */
  group: string;
  /** Topic (default `""`). */
  topic?: string;
  /** Partition. */
  partition: number;
  /** Committed offset. */
  offset: number;
}

/** Options of {@linkcode History.check}. */
export interface CheckOptions {
  /** Report acknowledged values no read saw (default true). */
  requireAckedRead?: boolean;
  /** Only values of idempotent producers may not appear twice (default false: none may). */
  allowRetryDuplicates?: boolean;
  /** Stop after this many violations (default 100). */
  limit?: number;
}

/** Counts of a history, for reports. */
export interface HistoryStats {
  /** Values attempted. */
  attempted: number;
  /** Values acknowledged. */
  acked: number;
  /** Values whose produce failed definitely. */
  failed: number;
  /** Values whose outcome is unknown (error that may or may not have written). */
  unknown: number;
  /** Read events. */
  reads: number;
  /** Distinct values read. */
  distinctRead: number;
}

type Status = "pending" | "acked" | "failed" | "unknown";

interface Attempt {
  status: Status;
  idempotent: boolean;
  acked: { key: string; offset: number } | null;
}

function tpKey(topic: string | undefined, partition: number): string {
  return `${topic ?? ""}\u0000${partition}`;
}

function splitKey(key: string): { topic: string; partition: number } {
  const at = key.lastIndexOf("\u0000");
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

function where(key: string, offset?: number): string {
  const { topic, partition } = splitKey(key);
  const tp = topic === "" ? `partition ${partition}` : `"${topic}-${partition}"`;
  return offset === undefined ? tp : `${tp} offset ${offset}`;
}

/**
 * A produce/consume history. Record events as they happen (in any order of
 * producers and readers), then call {@linkcode History.check}.
 */
export class History {
  readonly #attempts = new Map<string, Attempt>();
  /** tp key → offset → values seen there (by reads and acks). */
  readonly #atOffset = new Map<string, Map<number, Set<string>>>();
  /** value → tp key → offsets it was read at. */
  readonly #readAt = new Map<string, Map<string, Set<number>>>();
  /** reader + tp key → last offset read. */
  readonly #lastRead = new Map<string, number>();
  readonly #nonMonotonic: Violation[] = [];
  /** group + tp key → offsets read by the group. */
  readonly #groupRead = new Map<string, Set<number>>();
  /** group + tp key → highest commit. */
  readonly #commits = new Map<string, { group: string; key: string; offset: number }>();
  #reads = 0;

  /**
   * Records that a producer is about to send `value` (before the request).
   *
   * @param value A value unique in this history.
   * @param options `idempotent`: the producer deduplicates retries.
   * @throws Error when the value was attempted before.
   */
  attempt(value: string, options: { idempotent?: boolean } = {}): void {
    if (this.#attempts.has(value)) {
      throw new Error(`Cannot attempt "${value}": values must be unique in a history`);
    }
    this.#attempts.set(value, {
      status: "pending",
      idempotent: options.idempotent ?? false,
      acked: null,
    });
  }

  /**
   * Records the broker's acknowledgement of `value` at a partition and offset.
   *
   * @param value A value passed to {@linkcode History.attempt} (or attempted implicitly).
   * @param at Partition and offset the broker answered.
   */
  ack(value: string, at: AckedAt): void {
    const attempt = this.#attemptOf(value);
    const key = tpKey(at.topic, at.partition);
    attempt.status = "acked";
    attempt.acked = { key, offset: at.offset };
    this.#see(key, at.offset, value);
  }

  /**
   * Records that the produce of `value` failed.
   *
   * @param value The value.
   * @param options `definite: true` when the broker promised nothing was
   *   written (e.g. a 4xx); default false: the outcome is unknown.
   */
  fail(value: string, options: { definite?: boolean } = {}): void {
    const attempt = this.#attemptOf(value);
    if (attempt.status === "acked") return;
    attempt.status = options.definite ? "failed" : "unknown";
  }

  /** Records one record a reader saw. */
  read(event: ReadEvent): void {
    this.#reads++;
    const key = tpKey(event.topic, event.partition);
    this.#see(key, event.offset, event.value);
    let perValue = this.#readAt.get(event.value);
    if (perValue === undefined) this.#readAt.set(event.value, perValue = new Map());
    let offsets = perValue.get(key);
    if (offsets === undefined) perValue.set(key, offsets = new Set());
    offsets.add(event.offset);
    const readerKey = `${event.reader}\u0001${key}`;
    const last = this.#lastRead.get(readerKey);
    if (last !== undefined && event.offset <= last) {
      this.#nonMonotonic.push({
        kind: "non-monotonic",
        message: `Reader "${event.reader}" read ${where(key, event.offset)} after offset ${last}`,
        value: event.value,
        ...splitKey(key),
        offset: event.offset,
      });
    }
    this.#lastRead.set(readerKey, event.offset);
    if (event.group !== undefined) {
      const groupKey = `${event.group}\u0001${key}`;
      let set = this.#groupRead.get(groupKey);
      if (set === undefined) this.#groupRead.set(groupKey, set = new Set());
      set.add(event.offset);
    }
  }

  /** Records an offset commit of a group. */
  commit(event: CommitEvent): void {
    const key = tpKey(event.topic, event.partition);
    const groupKey = `${event.group}\u0001${key}`;
    const old = this.#commits.get(groupKey);
    if (old === undefined || event.offset > old.offset) {
      this.#commits.set(groupKey, { group: event.group, key, offset: event.offset });
    }
  }

  /** Counts of what was recorded. */
  get stats(): HistoryStats {
    const stats: HistoryStats = {
      attempted: this.#attempts.size,
      acked: 0,
      failed: 0,
      unknown: 0,
      reads: this.#reads,
      distinctRead: this.#readAt.size,
    };
    for (const a of this.#attempts.values()) {
      if (a.status === "acked") stats.acked++;
      else if (a.status === "failed") stats.failed++;
      else if (a.status === "unknown") stats.unknown++;
    }
    return stats;
  }

  /**
   * Checks every promise and returns the violations (empty when the history is valid).
   *
   * @param options What to require and how many violations to list.
   * @returns Violations, at most `limit`.
   */
  check(options: CheckOptions = {}): Violation[] {
    const limit = options.limit ?? 100;
    const out: Violation[] = [];
    const push = (v: Violation) => {
      if (out.length < limit) out.push(v);
    };
    for (const v of this.#nonMonotonic) push(v);
    for (const [key, offsets] of this.#atOffset) {
      for (const [offset, values] of offsets) {
        if (values.size > 1) {
          push({
            kind: "conflict",
            message: `${where(key, offset)} holds ${values.size} values: ${
              [...values].map((v) => `"${v}"`).join(", ")
            }`,
            ...splitKey(key),
            offset,
          });
        }
      }
    }
    for (const [value, attempt] of this.#attempts) {
      const seen = this.#readAt.get(value);
      const acked = attempt.acked;
      if (attempt.status === "acked" && acked !== null) {
        const atKey = seen?.get(acked.key);
        if (seen === undefined) {
          if (options.requireAckedRead ?? true) {
            push({
              kind: "lost",
              message: `Acknowledged "${value}" at ${
                where(acked.key, acked.offset)
              } was never read`,
              value,
              ...splitKey(acked.key),
              offset: acked.offset,
            });
          }
        } else if (atKey === undefined || !atKey.has(acked.offset)) {
          const elsewhere = [...seen].flatMap(([k, offs]) => [...offs].map((o) => where(k, o)));
          push({
            kind: "moved",
            message: `Acknowledged "${value}" at ${where(acked.key, acked.offset)} was read at ${
              elsewhere.join(", ")
            }`,
            value,
            ...splitKey(acked.key),
            offset: acked.offset,
          });
        }
      }
      if (attempt.status === "failed" && seen !== undefined) {
        const [key, offs] = [...seen][0]!;
        push({
          kind: "failed-visible",
          message: `"${value}" failed definitely but was read at ${where(key, [...offs][0])}`,
          value,
          ...splitKey(key),
          offset: [...offs][0]!,
        });
      }
    }
    for (const [value, perKey] of this.#readAt) {
      const attempt = this.#attempts.get(value);
      const [firstKey, firstOffsets] = [...perKey][0]!;
      if (attempt === undefined) {
        push({
          kind: "phantom",
          message: `"${value}" was read at ${
            where(firstKey, [...firstOffsets][0])
          } but never produced`,
          value,
          ...splitKey(firstKey),
          offset: [...firstOffsets][0]!,
        });
        continue;
      }
      let count = 0;
      for (const offs of perKey.values()) count += offs.size;
      if (count < 2) continue;
      if (options.allowRetryDuplicates && !attempt.idempotent) continue;
      const places = [...perKey].flatMap(([k, offs]) => [...offs].map((o) => where(k, o)));
      push({
        kind: attempt.idempotent ? "idempotent-duplicate" : "duplicate",
        message: `"${value}" appears ${count} times: ${places.join(", ")}`,
        value,
        ...splitKey(firstKey),
        offset: [...firstOffsets][0]!,
      });
    }
    for (const [groupKey, commit] of this.#commits) {
      const read = this.#groupRead.get(groupKey) ?? new Set<number>();
      const existing = this.#atOffset.get(commit.key) ?? new Map<number, Set<string>>();
      const firstRead = read.size === 0 ? Infinity : Math.min(...read);
      const skipped: number[] = [];
      for (const offset of existing.keys()) {
        // Offsets before the group's first read are before its start position (e.g. "latest").
        if (offset < commit.offset && offset >= firstRead && !read.has(offset)) {
          skipped.push(offset);
        }
      }
      if (skipped.length > 0) {
        skipped.sort((a, b) => a - b);
        push({
          kind: "skipped-commit",
          message: `Group "${commit.group}" committed ${commit.offset} on ${
            where(commit.key)
          } but never read offsets ${skipped.slice(0, 10).join(", ")}${
            skipped.length > 10 ? ", ..." : ""
          }`,
          ...splitKey(commit.key),
          offset: skipped[0]!,
        });
      }
    }
    return out;
  }

  #attemptOf(value: string): Attempt {
    let attempt = this.#attempts.get(value);
    if (attempt === undefined) {
      attempt = { status: "pending", idempotent: false, acked: null };
      this.#attempts.set(value, attempt);
    }
    return attempt;
  }

  #see(key: string, offset: number, value: string): void {
    let offsets = this.#atOffset.get(key);
    if (offsets === undefined) this.#atOffset.set(key, offsets = new Map());
    let values = offsets.get(offset);
    if (values === undefined) offsets.set(offset, values = new Set());
    values.add(value);
  }
}

/**
 * Formats violations for an assertion message (first `max` lines).
 *
 * @param violations From {@linkcode History.check}.
 * @param max Lines to show (default 20).
 * @returns A multi-line string, empty when there are none.
 */
export function formatViolations(violations: readonly Violation[], max = 20): string {
  const lines = violations.slice(0, max).map((v) => `${v.kind}: ${v.message}`);
  if (violations.length > max) lines.push(`... and ${violations.length - max} more`);
  return lines.join("\n");
}
