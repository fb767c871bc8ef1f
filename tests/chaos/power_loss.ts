/**
 * The simulated power-loss scenario, shared by `power_loss_test.ts` (CI) and
 * `soak.ts`. A real {@linkcode PartitionActor} runs inline (real files in a
 * temp dir, a fake clock) over a {@linkcode FaultFileSystem}, so the acks
 * semantics are the actor's own.
 *
 * Each iteration: appends (batches of seeded sizes, several asks in flight,
 * segments rolling every few KiB), then a power cut at a seeded moment —
 * every write not fsynced is dropped, or (every other iteration) a seeded
 * prefix survives with the next write torn — then a restart on the same
 * directory through a fresh file system, and a read of everything new.
 *
 * Promises checked (with {@linkcode History}):
 * - `acks=all`: every acknowledged record survives at its offset;
 * - `acks=1`: the log may lose only an unsynced tail: every record at or
 *   below the last acks=all acknowledgement (a "durable mark", sent now and
 *   then) survives, acknowledged records above it may be lost, and what
 *   survives is a prefix (no holes, no record at two offsets);
 * - recovery truncates cleanly: offsets read back are contiguous from 0 and
 *   the first append after the restart gets the log end offset.
 *
 * @module
 */
import { crc32c } from "@node-rs/crc32";
import {
  decodeRecords,
  encodeRecordBatch,
  iterateBatches,
  WeirError,
} from "../../client/protocol/mod.ts";
import { type ActorRef, ActorSystem, FakeClock, sequentialIds } from "../../actors/runtime/mod.ts";
import { PartitionActor } from "../../actors/partition/partition_actor.ts";
import type {
  AppendReply,
  FetchReply,
  PartitionInit,
  PartitionRequest,
} from "../../actors/partition/messages.ts";
import { seeded } from "../../actors/partition/log/_testing.ts";
import { History, type Violation } from "../_helpers/history_checker.ts";
import { FaultFileSystem } from "./fault_fs.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Options of {@linkcode runPowerLoss}. */
export interface PowerLossOptions {
  /** Power cuts. */
  iterations: number;
  /** Seed of every choice. */
  seed: number;
  /** Acknowledgement level of the load. */
  acks: "all" | 1;
  /** Start a new directory every this many iterations (default 25), to bound the log. */
  iterationsPerDir?: number;
}

/** Result of {@linkcode runPowerLoss}. */
export interface PowerLossResult {
  /** Power cuts survived. */
  iterations: number;
  /** Records acknowledged before the cuts. */
  acked: number;
  /** Acknowledged records lost that the acks level promised to keep. */
  lost: number;
  /** acks=1 records acknowledged after the last durable mark and lost (allowed). */
  lostUnsynced: number;
  /** Records read back and checked. */
  recordsChecked: number;
  /** Power cuts that dropped or tore written but unsynced bytes. */
  cutsWithUnsyncedData: number;
  /** Everything found. */
  violations: Violation[];
}

/** One inline partition actor over a fault layer. */
class Node implements AsyncDisposable {
  readonly fs: FaultFileSystem;
  readonly #system: ActorSystem;
  readonly ref: ActorRef<PartitionRequest>;

  private constructor(fs: FaultFileSystem, system: ActorSystem, ref: ActorRef<PartitionRequest>) {
    this.fs = fs;
    this.#system = system;
    this.ref = ref;
  }

  static async start(dir: string): Promise<Node> {
    const fs = new FaultFileSystem();
    const system = new ActorSystem({
      clock: new FakeClock(1_000),
      ids: sequentialIds("id-"),
      makeError: (code, message) => new WeirError(code, message),
    });
    const init: PartitionInit = {
      topic: "t",
      partition: 0,
      dir,
      configs: { "segment.bytes": 4096 },
      retentionCheckIntervalMs: 3_600_000,
    };
    const ref = await system.spawn<PartitionInit>({
      kind: "partition",
      id: "t-0",
      host: { inline: (i) => new PartitionActor(i, { fs }) },
      init,
    }) as ActorRef<PartitionRequest>;
    return new Node(fs, system, ref);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#system.close().catch(() => {});
  }
}

interface Pending {
  values: string[];
  acks: "all" | 1;
}

/** Runs the scenario; violations are returned, harness failures thrown. */
export async function runPowerLoss(options: PowerLossOptions): Promise<PowerLossResult> {
  const rnd = seeded(options.seed * 7919 + (options.acks === "all" ? 1 : 2));
  const perDir = options.iterationsPerDir ?? 25;
  const result: PowerLossResult = {
    iterations: 0,
    acked: 0,
    lost: 0,
    lostUnsynced: 0,
    recordsChecked: 0,
    cutsWithUnsyncedData: 0,
    violations: [],
  };
  let history = new History();
  let dir = "";
  let known = 0; // offsets [0, known) were read after a restart (durable: recovery fsyncs them)
  const dirs: string[] = [];
  try {
    for (let iteration = 0; iteration < options.iterations; iteration++) {
      if (iteration % perDir === 0) {
        if (dir !== "") result.violations.push(...history.check({ limit: 20 }));
        dir = await Deno.makeTempDir({ prefix: "weir-power-" });
        dirs.push(dir);
        history = new History();
        known = 0;
      }
      let mark = -1; // highest offset covered by an acks=all acknowledgement
      const acks1: { value: string; offset: number }[] = [];
      {
        await using node = await Node.start(dir);
        // New appends work and continue at the log end.
        const expectNext = known;
        const ops = 3 + Math.floor(rnd() * 40);
        // The power fails at a seeded file operation (a write, an fsync, a roll...), with
        // appends and fsyncs in flight; every other time a seeded prefix of the unsynced
        // writes survives, the next one torn.
        node.fs.crashOptions = iteration % 2 === 1 ? { random: rnd } : {};
        node.fs.crashBefore = Math.floor(rnd() * ops * 3);
        const inFlight: Promise<void>[] = [];
        for (let op = 0; op < ops && !node.fs.dead; op++) {
          const count = 1 + Math.floor(rnd() * 20);
          const pad = Math.floor(rnd() * 300);
          const values = Array.from(
            { length: count },
            (_, j) => `p${iteration}-${op}-${j}-`.padEnd(pad, "x"),
          );
          const acks: "all" | 1 = options.acks === "all" ? "all" : rnd() < 0.15 ? "all" : 1;
          for (const v of values) history.attempt(v);
          const pending: Pending = { values, acks };
          const batch = encodeRecordBatch(
            values.map((v) => ({ key: null, value: encoder.encode(v) })),
            { crc: crc32c },
          );
          const ask = node.ref.ask<AppendReply>({
            type: "append",
            batches: batch,
            acks: acks === "all" ? -1 : 1,
          }).then((reply) => {
            if (node.fs.dead) return; // an answer after the power cut: treat as never received
            if (op === 0 && reply.baseOffset !== expectNext) {
              result.violations.push({
                kind: "conflict",
                message:
                  `The first append after restart ${iteration} got offset ${reply.baseOffset}, not the log end ${expectNext}`,
                topic: "",
                partition: 0,
                offset: reply.baseOffset,
              });
            }
            result.acked += pending.values.length;
            pending.values.forEach((v, j) => {
              const offset = reply.baseOffset + j;
              if (pending.acks === "all") history.ack(v, { partition: 0, offset });
              else acks1.push({ value: v, offset });
            });
            if (pending.acks === "all") mark = Math.max(mark, reply.lastOffset);
          }, () => {
            for (const v of pending.values) history.fail(v);
          });
          inFlight.push(ask);
          if (rnd() < 0.5) await Promise.all(inFlight.splice(0));
        }
        // No cut yet: cut now, possibly with appends still in the mailbox.
        if (!node.fs.dead) node.fs.powerLoss(node.fs.crashOptions);
        await Promise.allSettled(inFlight);
        if ((node.fs.lastPowerLoss?.droppedBytes ?? 0) > 0) result.cutsWithUnsyncedData++;
      }
      {
        await using node = await Node.start(dir);
        const end = await readBack(node.ref, { from: known, history, result });
        known = end;
        for (const { value, offset } of acks1) {
          if (offset < end) history.ack(value, { partition: 0, offset });
          else if (offset <= mark) {
            history.ack(value, { partition: 0, offset }); // reported as lost by the checker
          } else {
            history.fail(value);
            result.lostUnsynced++;
          }
        }
      }
      result.iterations++;
    }
    const violations = history.check({ limit: 20 });
    result.violations.push(...violations);
    result.lost = result.violations.filter((v) => v.kind === "lost" || v.kind === "moved").length;
    return result;
  } finally {
    for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
  }
}

/** Reads [from, end) into the history (reader "final"), checking contiguity; returns the end. */
async function readBack(
  ref: ActorRef<PartitionRequest>,
  args: { from: number; history: History; result: PowerLossResult },
): Promise<number> {
  let offset = args.from;
  for (;;) {
    const reply = await ref.ask<FetchReply>({
      type: "fetch",
      offset,
      maxBytes: 1 << 20,
      maxRecords: 100_000,
      waitMs: 0,
    });
    const records = [...iterateBatches(reply.batches)]
      .flatMap(({ pos }) => decodeRecords(reply.batches, pos))
      .filter((r) => r.offset >= offset);
    if (offset === args.from && reply.highWatermark < args.from) {
      args.result.violations.push({
        kind: "lost",
        message:
          `The log ends at ${reply.highWatermark}, below ${args.from} read after an earlier restart`,
        topic: "",
        partition: 0,
        offset: reply.highWatermark,
      });
    }
    for (const r of records) {
      if (r.offset !== offset) {
        args.result.violations.push({
          kind: "lost",
          message: `Offsets are not contiguous after recovery: ${r.offset} follows ${offset - 1}`,
          topic: "",
          partition: 0,
          offset,
        });
      }
      args.history.read({
        reader: "final",
        partition: 0,
        offset: r.offset,
        value: decoder.decode(r.value ?? new Uint8Array(0)),
      });
      args.result.recordsChecked++;
      offset = r.offset + 1;
    }
    if (records.length === 0 || offset >= reply.highWatermark) return offset;
  }
}
