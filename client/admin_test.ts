import { assertEquals, assertRejects } from "@std/assert";
import { createApp } from "../broker/http/app.ts";
import { MemoryBackend } from "../tests/_helpers/memory_backend.ts";
import { connect } from "./connect.ts";
import { WeirError } from "./protocol/mod.ts";

async function setup() {
  const backend = new MemoryBackend();
  const app = createApp(backend);
  const weir = await connect({ url: "http://weir.test", fetch: (i, init) => app.request(i, init) });
  return {
    weir,
    async [Symbol.asyncDispose]() {
      await weir.close();
      await backend.close();
    },
  };
}

Deno.test("Admin creates, lists, describes, alters and deletes a topic", async () => {
  await using s = await setup();
  const created = await s.weir.admin.createTopic({
    name: "orders",
    partitions: 4,
    configs: { "retention.ms": 86_400_000 },
  });
  assertEquals(created.partitions.length, 4);
  assertEquals(created.configs["retention.ms"], 86_400_000);
  assertEquals(await s.weir.admin.listTopics(), [
    { name: "orders", partitions: 4, replicationFactor: 1 },
  ]);
  assertEquals((await s.weir.admin.describeTopic("orders")).name, "orders");
  const altered = await s.weir.admin.alterTopicConfigs("orders", { "retention.ms": "1000" });
  assertEquals(altered.configs["retention.ms"], 1000);
  await s.weir.admin.deleteTopic("orders");
  assertEquals(await s.weir.admin.listTopics(), []);
});

Deno.test("Admin surfaces the broker's codes", async () => {
  await using s = await setup();
  await s.weir.admin.createTopic({ name: "t" });
  const exists = await assertRejects(() => s.weir.admin.createTopic({ name: "t" }), WeirError);
  assertEquals(exists.code, "TOPIC_ALREADY_EXISTS");
  const missing = await assertRejects(() => s.weir.admin.describeTopic("nope"), WeirError);
  assertEquals(missing.code, "UNKNOWN_TOPIC_OR_PARTITION");
  const badName = await assertRejects(
    () => s.weir.admin.createTopic({ name: "bad name!" }),
    WeirError,
  );
  assertEquals(badName.code, "INVALID_TOPIC_EXCEPTION");
  const badConfig = await assertRejects(
    () => s.weir.admin.alterTopicConfigs("t", { "retention.ms": "soon" }),
    WeirError,
  );
  assertEquals(badConfig.code, "INVALID_CONFIG");
});

Deno.test("Admin calls honour a per-call signal", async () => {
  await using s = await setup();
  const err = await assertRejects(
    () => s.weir.admin.listTopics({ signal: AbortSignal.abort() }),
    WeirError,
  );
  assertEquals(err.code, "REQUEST_ABORTED");
});
