import { assertEquals, assertThrows } from "@std/assert";
import { createApp } from "../broker/http/app.ts";
import { MemoryBackend } from "../tests/_helpers/memory_backend.ts";
import { connect } from "./connect.ts";
import type { FetchLike } from "./http.ts";
import { compressionOf, decodeRecordsAsync, validateBatch, WeirError } from "./protocol/mod.ts";

/** A broker behind an injected fetch that keeps every produced batch. */
async function setup() {
  const backend = new MemoryBackend();
  const app = createApp(backend);
  const sent: Uint8Array[] = [];
  const fetch: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    if (request.method === "POST" && new URL(request.url).pathname.endsWith("/batches")) {
      sent.push(new Uint8Array(await request.clone().arrayBuffer()));
    }
    return app.request(request);
  };
  const weir = await connect({ url: "http://weir.test", fetch });
  await weir.admin.createTopic({ name: "orders", partitions: 1 });
  return {
    weir,
    sent,
    async [Symbol.asyncDispose]() {
      await weir.close();
      await backend.close();
    },
  };
}

const VALUES = Array.from({ length: 300 }, (_, i) => ({ id: `o-${i}`, note: "same ".repeat(8) }));

Deno.test("weir.producer({ compression }) sends compressed batches with a valid CRC", async () => {
  for (const compression of ["none", "gzip", "snappy", "lz4"] as const) {
    await using s = await setup();
    {
      await using producer = s.weir.producer({ compression, lingerMs: 50 });
      const metas = await producer.sendBatch(
        "orders",
        VALUES.map((value) => ({ key: value.id, value, partition: 0 })),
      );
      assertEquals(metas.map((m) => m.offset), VALUES.map((_, i) => i));
    }
    let total = 0;
    let bytes = 0;
    for (const batch of s.sent) {
      const header = validateBatch(batch, 0); // checks the CRC over the compressed bytes
      assertEquals(compressionOf(header.attributes), compression);
      const records = await decodeRecordsAsync(batch);
      assertEquals(
        records.map((r) => JSON.parse(new TextDecoder().decode(r.value!))),
        VALUES.slice(total, total + records.length),
      );
      total += records.length;
      bytes += batch.length;
    }
    assertEquals(total, VALUES.length, compression);
    if (compression !== "none") assertEquals(bytes < 300 * 40, true, `${compression}: ${bytes}`);
  }
});

Deno.test("weir.producer() refuses zstd and unknown codecs with INVALID_CONFIG", async () => {
  await using s = await setup();
  for (const compression of ["zstd", "brotli", ""]) {
    const e = assertThrows(
      // @ts-expect-error: testing a value outside the type on purpose
      () => s.weir.producer({ compression }),
      WeirError,
      `"none", "gzip", "snappy", "lz4"`,
    );
    assertEquals(e.code, "INVALID_CONFIG", compression);
    assertEquals(e.message.startsWith("Cannot create a producer: compression"), true);
  }
});
