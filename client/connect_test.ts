import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { createApp } from "../broker/http/app.ts";
import { MemoryBackend } from "../tests/_helpers/memory_backend.ts";
import { connect } from "./connect.ts";
import type { FetchLike } from "./http.ts";
import { WeirError } from "./protocol/mod.ts";

Deno.test("connect() checks the broker's health and fails with its code", async () => {
  const down: FetchLike = () => Promise.reject(new TypeError("connection refused"));
  const err = await assertRejects(
    () =>
      connect({ url: "http://weir.test", fetch: down, retry: { retries: 1, initialDelayMs: 1 } }),
    WeirError,
  );
  assertEquals(err.code, "NETWORK_EXCEPTION");
});

Deno.test("connect() fails with REQUEST_ABORTED on an aborted signal", async () => {
  const fetch: FetchLike = () => Response.json({ status: "ok" });
  const err = await assertRejects(
    () => connect({ url: "http://weir.test", fetch, signal: AbortSignal.abort() }),
    WeirError,
  );
  assertEquals(err.code, "REQUEST_ABORTED");
});

Deno.test("Weir.close() flushes its producers and closes its consumers; twice is harmless", async () => {
  await using backend = new MemoryBackend();
  const app = createApp(backend);
  const weir = await connect({
    url: "http://weir.test/",
    fetch: (i, init) => app.request(i, init),
  });
  assertEquals(weir.url, "http://weir.test");
  await weir.admin.createTopic({ name: "t" });
  const producer = weir.producer({ lingerMs: 60_000 });
  const sent = producer.send("t", { value: "x" });
  const consumer = weir.consumer({ waitMs: 30_000 });
  consumer.assign([{ topic: "t", partition: 0, offset: "latest" }]);
  const next = consumer[Symbol.asyncIterator]().next();
  await Promise.all([weir.close(), weir.close()]);
  assertEquals((await sent).offset, 0);
  assertEquals((await next).done, true);
  assertEquals(producer.closed && consumer.closed, true);
  assertEquals(backend.parkedFetches(), 0);
  assertThrows(() => weir.producer(), WeirError);
});
