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
