import { assertEquals, assertRejects } from "@std/assert";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { jetstreamManager } from "@nats-io/jetstream";
import { WeirError } from "../../client/protocol/mod.ts";
import { startNatsServer } from "../../tests/_helpers/nats_server.ts";
import { listKeys } from "./kv_keys.ts";
import { waitFor } from "../../tests/_helpers/wait_for.ts";

Deno.test("`listKeys()` lists the keys under a filter, expired ones gone, no consumer left", async () => {
  await using nats = await startNatsServer();
  const nc = await connect({ servers: nats.url });
  try {
    const kv = await new Kvm(nc).create("k_nodes", { history: 1, ttl: 400 });
    const durable = await new Kvm(nc).create("k_meta", { history: 1 });
    await durable.put("topics.a", "1");
    await durable.put("topics.b=2Ex", "2");
    await durable.put("producerIds", "3");
    await durable.delete("topics.a");
    // A deleted key keeps its tombstone (the caller reads and skips DEL), others are listed once.
    assertEquals((await listKeys(durable, "topics.>")).sort(), ["topics.a", "topics.b=2Ex"]);
    assertEquals((await listKeys(durable, "*")).sort(), ["producerIds"]);
    assertEquals((await listKeys(durable, ">")).length, 3);
    for (const id of [1, 2, 3]) await kv.put(`nodes.${id}`, String(id));
    await kv.put("nodes.1", "again");
    assertEquals((await listKeys(kv, "nodes.>")).sort(), ["nodes.1", "nodes.2", "nodes.3"]);
    // kv.keys() lists through a push consumer, which could hang; listKeys() uses none.
    const jsm = await jetstreamManager(nc);
    assertEquals((await jsm.streams.info("KV_k_nodes")).state.consumer_count, 0);
    await waitFor("the keys to expire", async () => (await listKeys(kv, "nodes.>")).length === 0);
  } finally {
    await nc.close();
  }
});

Deno.test("`listKeys()` rejects a malformed filter", async () => {
  await using nats = await startNatsServer();
  const nc = await connect({ servers: nats.url });
  try {
    const kv = await new Kvm(nc).create("k_bad", { history: 1 });
    for (const bad of ["", "nodes.", "a..b", ">.x", "a b", "nodes.$x"]) {
      const e = await assertRejects(() => listKeys(kv, bad), WeirError);
      assertEquals(e.code, "INVALID_REQUEST", bad);
    }
  } finally {
    await nc.close();
  }
});
