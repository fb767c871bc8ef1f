/**
 * Disk full (ENOSPC on write) and fsync errors (EIO) injected under a real
 * PartitionActor (inline, real files): nothing that could not be written is
 * acknowledged, reads go on during the outage, writes come back once the
 * disk does, and no later acknowledgement pretends lost bytes are durable.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { crc32c } from "@node-rs/crc32";
import {
  decodeRecords,
  encodeRecordBatch,
  iterateBatches,
  WeirError,
} from "../../client/protocol/mod.ts";
import { type ActorRef, ActorSystem, FakeClock, sequentialIds } from "../../actors/runtime/mod.ts";
import { PartitionActor } from "../../actors/partition/partition_actor.ts";
import { RECOVER_BACKOFF_MS } from "../../actors/partition/log/mod.ts";
import type {
  AppendReply,
  FetchReply,
  PartitionInit,
  PartitionRequest,
} from "../../actors/partition/messages.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { formatViolations, History } from "../_helpers/history_checker.ts";
import { FaultFileSystem } from "./fault_fs.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An inline partition actor on `dir` over `fs`. */
async function startPartition(
  dir: string,
  fs: FaultFileSystem,
  clock = new FakeClock(1_000),
): Promise<{ ref: ActorRef<PartitionRequest>; clock: FakeClock } & AsyncDisposable> {
  const system = new ActorSystem({
    clock,
    ids: sequentialIds("id-"),
    makeError: (code, message) => new WeirError(code, message),
  });
  const ref = await system.spawn<PartitionInit>({
    kind: "partition",
    id: "t-0",
    host: { inline: (i) => new PartitionActor(i, { fs }) },
    init: { topic: "t", partition: 0, dir, configs: {}, retentionCheckIntervalMs: 3_600_000 },
  }) as ActorRef<PartitionRequest>;
  return {
    ref,
    clock,
    [Symbol.asyncDispose]: () => system.close().catch(() => {}),
  };
}

function batchOf(values: string[]): Uint8Array {
  return encodeRecordBatch(values.map((v) => ({ value: encoder.encode(v) })), { crc: crc32c });
}

function append(ref: ActorRef<PartitionRequest>, values: string[], acks: 1 | -1) {
  return ref.ask<AppendReply>({ type: "append", batches: batchOf(values), acks });
}

async function readAll(
  ref: ActorRef<PartitionRequest>,
): Promise<{ offset: number; value: string }[]> {
  const out: { offset: number; value: string }[] = [];
  let offset = 0;
  for (;;) {
    const reply = await ref.ask<FetchReply>({
      type: "fetch",
      offset,
      maxBytes: 1 << 20,
      maxRecords: 100_000,
      waitMs: 0,
    });
    if (reply.batches.length === 0) return out;
    for (const { pos } of iterateBatches(reply.batches)) {
      for (const r of decodeRecords(reply.batches, pos)) {
        out.push({ offset: r.offset, value: decoder.decode(r.value!) });
      }
    }
    offset = reply.nextOffset;
  }
}

async function storageError(p: Promise<unknown>): Promise<void> {
  const err = await assertRejects(() => p, WeirError);
  assertEquals(err.code, "KAFKA_STORAGE_ERROR");
}

Deno.test("partition refuses acks=1 writes on a full disk, keeps serving reads and recovers", async () => {
  await using dir = await tempDir();
  const fs = new FaultFileSystem();
  await using p = await startPartition(dir.path, fs);
  assertEquals((await append(p.ref, ["a", "b"], 1)).lastOffset, 1);
  fs.failWrites = { partialBytes: 17 }; // a short write, then ENOSPC
  await storageError(append(p.ref, ["c"], 1));
  // Still full: the retry of recovery fails too, and nothing is acknowledged.
  await storageError(append(p.ref, ["d"], -1));
  // Reads go on during the outage.
  assertEquals((await readAll(p.ref)).map((r) => r.value), ["a", "b"]);
  fs.failWrites = null;
  // Recovery is retried at most once per backoff period.
  await storageError(append(p.ref, ["e"], 1));
  p.clock.advance(RECOVER_BACKOFF_MS);
  const reply = await append(p.ref, ["f"], -1);
  assertEquals(reply.baseOffset, 2); // the cut partial write left no trace
  assertEquals((await readAll(p.ref)).map((r) => r.value), ["a", "b", "f"]);
  assert(fs.stats.writeFailures >= 2);
});

Deno.test("partition answers acks=all with an error when fsync fails and never acks what it lost", async () => {
  await using dir = await tempDir();
  const history = new History();
  const fs = new FaultFileSystem();
  {
    await using p = await startPartition(dir.path, fs);
    const produce = async (values: string[], acks: 1 | -1) => {
      for (const v of values) history.attempt(v);
      try {
        const r = await append(p.ref, values, acks);
        values.forEach((v, i) => history.ack(v, { partition: 0, offset: r.baseOffset + i }));
        return true;
      } catch (e) {
        assertEquals((e as WeirError).code, "KAFKA_STORAGE_ERROR");
        for (const v of values) history.fail(v);
        return false;
      }
    };
    assert(await produce(["a0", "a1"], -1));
    fs.failSyncs = {};
    assertEquals(await produce(["lost0", "lost1"], -1), false); // EIO: the pages never reach the disk
    // Offline: writes are refused while recovery fails (its fsyncs fail too), reads still work.
    assertEquals(await produce(["refused"], -1), false);
    assertEquals((await readAll(p.ref)).length, 4);
    fs.failSyncs = null; // the disk is healthy again: Linux reports the error once, then "succeeds"
    p.clock.advance(RECOVER_BACKOFF_MS);
    // Recovery rewrites the bytes past the last good fsync; this ack must then be honest.
    assert(await produce(["b0", "b1", "b2"], -1));
    fs.powerLoss();
  }
  {
    await using p = await startPartition(dir.path, new FaultFileSystem());
    for (const r of await readAll(p.ref)) {
      history.read({ reader: "after", partition: 0, offset: r.offset, value: r.value });
    }
    assertEquals(formatViolations(history.check()), "");
    const stats = history.stats;
    assertEquals([stats.acked, stats.unknown], [5, 3]);
  }
});

Deno.test("partition stays offline while fsyncs keep failing and comes back when they stop", async () => {
  await using dir = await tempDir();
  const fs = new FaultFileSystem();
  await using p = await startPartition(dir.path, fs);
  await append(p.ref, ["x"], -1);
  fs.failSyncs = {};
  await storageError(append(p.ref, ["y"], -1));
  for (let i = 0; i < 3; i++) {
    p.clock.advance(RECOVER_BACKOFF_MS);
    await storageError(append(p.ref, [`z${i}`], 1));
  }
  fs.failSyncs = null;
  p.clock.advance(RECOVER_BACKOFF_MS);
  const reply = await append(p.ref, ["w"], -1);
  assertEquals(reply.baseOffset, 2);
  assertEquals((await readAll(p.ref)).map((r) => r.value), ["x", "y", "w"]);
});
