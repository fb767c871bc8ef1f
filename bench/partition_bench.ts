/**
 * PartitionActor throughput: 1,000-record batches of 100-byte values,
 * `BATCHES_PER_ITER` batches per iteration, appended
 *
 * - (a) straight into a {@linkcode Log} (same thread, native CRC-32C),
 * - (b) through the PartitionActor in its own Worker, acks=1, `IN_FLIGHT`
 *   asks pipelined, each batch's buffer transferred (not cloned),
 * - (c) the same with acks=all (group-commit fsync),
 * - (d) the Worker with acks=1 and one ask in flight, to show what pipelining buys,
 * - (e) the inline host (same thread, MessageChannel), acks=1, `IN_FLIGHT` in
 *   flight: the actor's own cost apart from the thread hop.
 *
 * Fresh batch buffers are copied from one encoded template before the timed
 * section of each iteration (a transfer detaches them). Records/s =
 * `RECORDS_PER_ITER / avg time`; the Worker hop's overhead is (b) vs (a).
 *
 *     deno bench -A bench/partition_bench.ts
 *
 * @module
 */
import { crc32c as nativeCrc32c } from "@node-rs/crc32";
import { encodeRecordBatch, WeirError } from "../client/protocol/mod.ts";
import { Log } from "../actors/partition/log/mod.ts";
import {
  type AppendReply,
  PARTITION_WORKER_URL,
  PartitionActor,
  type PartitionInit,
  type PartitionRequest,
} from "../actors/partition/mod.ts";
import { type ActorRef, ActorSystem } from "../actors/runtime/mod.ts";

const RECORDS_PER_BATCH = 1_000;
const VALUE_BYTES = 100;
const BATCHES_PER_ITER = 32;
const RECORDS_PER_ITER = RECORDS_PER_BATCH * BATCHES_PER_ITER;
const IN_FLIGHT = 8;
const N = 30;
const WARMUP = 3;

const template = encodeRecordBatch(
  Array.from({ length: RECORDS_PER_BATCH }, (_, i) => {
    const value = new Uint8Array(VALUE_BYTES);
    value.fill(97 + (i % 26));
    return { value };
  }),
  { now: Date.now(), crc: nativeCrc32c },
);

/** `count` fresh copies of the template, each owning its whole ArrayBuffer. */
function freshBatches(count: number): Uint8Array<ArrayBuffer>[] {
  return Array.from({ length: count }, () => new Uint8Array(template));
}

/** Sends every batch through `send`, keeping at most `inFlight` unanswered. */
async function pipeline(
  batches: Uint8Array<ArrayBuffer>[],
  inFlight: number,
  send: (bytes: Uint8Array<ArrayBuffer>) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < batches.length) await send(batches[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, batches.length) }, lane));
}

const root = await Deno.makeTempDir({ prefix: "weir-partition-bench-" });
const log = await Log.open(`${root}/direct-0`, { crc: nativeCrc32c, topicPartition: "direct-0" });
const system = new ActorSystem({ makeError: (code, message) => new WeirError(code, message) });

async function spawnPartition(
  topic: string,
  inline = false,
): Promise<ActorRef<PartitionRequest>> {
  return await system.spawn<PartitionInit>({
    kind: "partition",
    id: `${topic}-0`,
    host: inline
      ? { inline: (init: PartitionInit) => new PartitionActor(init) }
      : { worker: PARTITION_WORKER_URL },
    init: { topic, partition: 0, dir: `${root}/${topic}-0`, configs: {} },
  });
}

const acks1 = await spawnPartition("acks1");
const acksAll = await spawnPartition("acksall");
const serial = await spawnPartition("serial");
const inline = await spawnPartition("inline", true);

function appendVia(ref: ActorRef<PartitionRequest>, acks: 1 | -1) {
  return (batches: Uint8Array<ArrayBuffer>) =>
    ref.ask<AppendReply>({ type: "append", batches, acks }, { transfer: [batches.buffer] });
}

Deno.bench({
  name: `(a) Log.append direct: ${RECORDS_PER_ITER} records`,
  group: "append",
  baseline: true,
  n: N,
  warmup: WARMUP,
  fn: (b) => {
    const batches = freshBatches(BATCHES_PER_ITER);
    b.start();
    for (const bytes of batches) log.append(bytes);
    b.end();
  },
});

Deno.bench({
  name: `(b) Worker acks=1, ${IN_FLIGHT} in flight: ${RECORDS_PER_ITER} records`,
  group: "append",
  n: N,
  warmup: WARMUP,
  fn: async (b) => {
    const batches = freshBatches(BATCHES_PER_ITER);
    b.start();
    await pipeline(batches, IN_FLIGHT, appendVia(acks1, 1));
    b.end();
  },
});

Deno.bench({
  name: `(c) Worker acks=all, ${IN_FLIGHT} in flight: ${RECORDS_PER_ITER} records`,
  group: "append",
  n: N,
  warmup: WARMUP,
  fn: async (b) => {
    const batches = freshBatches(BATCHES_PER_ITER);
    b.start();
    await pipeline(batches, IN_FLIGHT, appendVia(acksAll, -1));
    b.end();
  },
});

Deno.bench({
  name: `(d) Worker acks=1, 1 in flight: ${RECORDS_PER_ITER} records`,
  group: "append",
  n: N,
  warmup: WARMUP,
  fn: async (b) => {
    const batches = freshBatches(BATCHES_PER_ITER);
    b.start();
    await pipeline(batches, 1, appendVia(serial, 1));
    b.end();
  },
});

Deno.bench({
  name: `(e) inline acks=1, ${IN_FLIGHT} in flight: ${RECORDS_PER_ITER} records`,
  group: "append",
  n: N,
  warmup: WARMUP,
  fn: async (b) => {
    const batches = freshBatches(BATCHES_PER_ITER);
    b.start();
    await pipeline(batches, IN_FLIGHT, appendVia(inline, 1));
    b.end();
  },
});

// The bench runner exits when the module's benches are done; this closes everything first.
Deno.bench({
  name: "teardown (ignore)",
  group: "zz",
  n: 1,
  warmup: 0,
  fn: async () => {
    log.close();
    await system.close();
    // The runner may call a bench once more than n + warmup: removing twice is harmless.
    await Deno.remove(root, { recursive: true }).catch(() => {});
  },
});
