import { assertEquals, assertRejects } from "@std/assert";
import {
  decodeRecords,
  encodeRecordBatch,
  iterateBatches,
  WeirError,
} from "../../client/protocol/mod.ts";
import { ActorSystem } from "../runtime/mod.ts";
import type {
  AppendReply,
  FetchReply,
  PartitionInit,
  PartitionRequest,
  PartitionStatus,
} from "./messages.ts";
import { PARTITION_WORKER_URL } from "./mod.ts";
import {
  compressedBatch,
  goldenBatch,
  goldenPlain,
  runCompressor,
} from "../../client/protocol/_test_compression_vectors.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function batch(values: string[]): Uint8Array<ArrayBuffer> {
  const bytes = encodeRecordBatch(values.map((v) => ({ value: encoder.encode(v) })), {
    now: 1_000,
  });
  return new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
}

function valuesOf(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (const { pos } of iterateBatches(bytes)) {
    for (const r of decodeRecords(bytes, pos)) out.push(decoder.decode(r.value ?? undefined));
  }
  return out;
}

Deno.test("PartitionActor in a Worker appends transferred buffers and fetches them back", async () => {
  const root = await Deno.makeTempDir({ prefix: "weir-partition-worker-" });
  try {
    await using system = new ActorSystem({
      makeError: (code, message) => new WeirError(code, message),
    });
    const ref = await system.spawn<PartitionInit>({
      kind: "partition",
      id: "t-0",
      host: { worker: PARTITION_WORKER_URL },
      init: { topic: "t", partition: 0, dir: `${root}/t-0`, configs: {} },
    });
    const ask = <R>(m: PartitionRequest, transfer: Transferable[] = []) =>
      ref.ask<R>(m, { transfer, timeoutMs: 10_000 });

    const first = batch(["a", "b", "c"]);
    assertEquals(first.byteLength > 0, true);
    const reply = await ask<AppendReply>({ type: "append", batches: first, acks: 1 }, [
      first.buffer,
    ]);
    assertEquals(reply, { baseOffset: 0, lastOffset: 2 });
    assertEquals(first.byteLength, 0, "the appended buffer was transferred, not copied");

    const second = batch(["d"]);
    assertEquals(
      await ask<AppendReply>({ type: "append", batches: second, acks: -1 }, [second.buffer]),
      { baseOffset: 3, lastOffset: 3 },
    );

    const fetched = await ask<FetchReply>({
      type: "fetch",
      offset: 0,
      maxBytes: 1024 * 1024,
      maxRecords: 100,
      waitMs: 0,
    });
    assertEquals(valuesOf(fetched.batches), ["a", "b", "c", "d"]);
    assertEquals([fetched.nextOffset, fetched.highWatermark], [4, 4]);

    // Errors cross the Worker boundary with their code, and the actor lives on.
    const garbage = new Uint8Array(80).fill(7);
    const error = await assertRejects(
      () => ask({ type: "append", batches: garbage, acks: 1 }),
      WeirError,
    );
    assertEquals(error.code, "INVALID_RECORD");
    assertEquals((await ask<PartitionStatus>({ type: "status" })).logEndOffset, 4);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("PartitionActor replicas in Workers replicate through ctx.lookup and ask the controller", async () => {
  const root = await Deno.makeTempDir({ prefix: "weir-partition-worker-" });
  try {
    await using system = new ActorSystem({
      makeError: (code, message) => new WeirError(code, message),
    });
    const alterIsr: number[][] = [];
    await system.spawn({
      kind: "controller",
      id: "0",
      host: {
        inline: () => ({
          receive(m: unknown) {
            const isr = (m as { isr: number[] }).isr;
            alterIsr.push(isr);
            return { isr };
          },
        }),
      },
      init: undefined,
    });
    const refs = new Map<number, ReturnType<typeof system.lookup<PartitionRequest>>>();
    for (const node of [1, 2]) {
      await system.spawn<PartitionInit>({
        kind: "partition",
        id: `t-0@${node}`,
        host: { worker: PARTITION_WORKER_URL },
        init: {
          topic: "t",
          partition: 0,
          dir: `${root}/n${node}/t-0`,
          configs: { "min.insync.replicas": 2 },
          nodeId: node,
          replicaFetchWaitMs: 200,
        },
      });
      refs.set(node, system.lookup<PartitionRequest>("partition", `t-0@${node}`));
    }
    const ask = <R>(node: number, m: PartitionRequest) =>
      refs.get(node)!.ask<R>(m, { timeoutMs: 10_000 });
    // Follower 2 starts outside the ISR and must be added through the controller.
    await ask(1, { type: "becomeLeader", leaderEpoch: 5, replicas: [1, 2], isr: [1] });
    await ask(2, { type: "becomeFollower", leaderEpoch: 5, leader: 1 });
    const deadline = Date.now() + 10_000;
    while ((await ask<PartitionStatus>(1, { type: "status" })).isr?.length !== 2) {
      if (Date.now() > deadline) throw new Error("Timed out waiting for the ISR to grow to [1, 2]");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assertEquals(alterIsr, [[1, 2]]);
    const reply = await ask<AppendReply>(1, {
      type: "append",
      batches: batch(["x", "y"]),
      acks: -1,
    });
    assertEquals(reply, { baseOffset: 0, lastOffset: 1 });
    const fetched = await ask<FetchReply>(2, {
      type: "fetch",
      offset: 0,
      maxBytes: 1024,
      maxRecords: 10,
      waitMs: 5_000,
    });
    assertEquals(valuesOf(fetched.batches), ["x", "y"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("PartitionActor in a Worker loads node:zlib on its first gzip and zstd batches", async () => {
  const root = await Deno.makeTempDir({ prefix: "weir-partition-worker-" });
  try {
    await using system = new ActorSystem({
      makeError: (code, message) => new WeirError(code, message),
    });
    const ref = await system.spawn<PartitionInit>({
      kind: "partition",
      id: "z-0",
      host: { worker: PARTITION_WORKER_URL },
      init: { topic: "z", partition: 0, dir: `${root}/z-0`, configs: {} },
    });
    const ask = <R>(m: PartitionRequest) => ref.ask<R>(m, { timeoutMs: 10_000 });
    let next = 0;
    for (const codec of ["gzip", "zstd"] as const) {
      const args = codec === "gzip" ? ["-c", "-n"] : ["-q", "-c"];
      const packed = compressedBatch(
        goldenBatch(20),
        codec,
        await runCompressor(codec, args, goldenPlain(20)),
      );
      const reply = await ask<AppendReply>({ type: "append", batches: packed, acks: 1 });
      assertEquals(reply, { baseOffset: next, lastOffset: next + 19 }, codec);
      next += 20;
      // A lying compressed batch is still validated (decompressed) after the lazy load.
      const liar = compressedBatch(goldenBatch(3), codec, new TextEncoder().encode("garbage"));
      const error = await assertRejects(
        () => ask({ type: "append", batches: liar, acks: 1 }),
        WeirError,
      );
      assertEquals(error.code, "INVALID_RECORD", codec);
    }
    const fetched = await ask<FetchReply>({
      type: "fetch",
      offset: 0,
      maxBytes: 1024 * 1024,
      maxRecords: 100,
      waitMs: 0,
    });
    assertEquals([fetched.nextOffset, fetched.highWatermark], [40, 40]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
