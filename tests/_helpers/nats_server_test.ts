import { assert, assertEquals, assertNotEquals, assertRejects } from "@std/assert";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { startNatsServer } from "./nats_server.ts";

Deno.test("startNatsServer() restarts on the same port with the same JetStream store", async () => {
  await using nats = await startNatsServer({ jetstream: true });
  assert(nats.port > 0);
  assertEquals(nats.url, `nats://127.0.0.1:${nats.port}`);
  let nc = await connect({ servers: nats.url });
  await (await new Kvm(nc).create("b")).put("k", "v1");
  await nc.close();
  const firstPid = nats.pid;
  await nats.restart();
  assertNotEquals(nats.pid, firstPid);
  nc = await connect({ servers: nats.url });
  const entry = await (await new Kvm(nc).open("b")).get("k");
  assertEquals(entry?.string(), "v1");
  await nc.close();
  await nats.kill();
  assertEquals(nats.pid, -1);
  await assertRejects(() => connect({ servers: nats.url, reconnect: false }));
  await nats.close();
  await nats.close();
});

Deno.test("startNatsServer() fails loudly when the binary is missing", async () => {
  await assertRejects(
    () => startNatsServer({ binary: "nats-server-that-does-not-exist" }),
    Error,
    "not on PATH",
  );
});
