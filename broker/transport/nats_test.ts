import { assertEquals, assertRejects } from "@std/assert";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type ActorFactory, ActorSystem } from "../../actors/runtime/mod.ts";
import { runTransportConformance } from "../../actors/runtime/transport_conformance.ts";
import { WeirError } from "../../client/protocol/mod.ts";
import { type NatsServer, startNatsServer } from "../../tests/_helpers/nats_server.ts";
import { NatsTransport, nodeOfAddress, subjectToken } from "./nats.ts";

/** Two "nodes" (systems with their own NATS connection and transport) on one real nats-server. */
interface TwoNodes extends AsyncDisposable {
  readonly server: NatsServer;
  readonly a: ActorSystem;
  readonly b: ActorSystem;
  readonly ta: NatsTransport;
  readonly tb: NatsTransport;
  readonly nca: NatsConnection;
}

async function twoNodes(): Promise<TwoNodes> {
  const server = await startNatsServer({ jetstream: false });
  const opts = { servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 50 };
  const nca = await connect(opts);
  const ncb = await connect(opts);
  let ta!: NatsTransport;
  let tb!: NatsTransport;
  const makeError = (code: string, message: string) => new WeirError(code, message);
  const a: ActorSystem = new ActorSystem({
    makeError,
    transport: (local) =>
      ta = new NatsTransport(local, {
        connection: nca,
        clusterId: "test.c",
        nodeId: 1,
        makeError,
        isLocal: (x) => a.has(x.kind, x.id),
      }),
  });
  const b: ActorSystem = new ActorSystem({
    makeError,
    transport: (local) =>
      tb = new NatsTransport(local, {
        connection: ncb,
        clusterId: "test.c",
        nodeId: 2,
        makeError,
        isLocal: (x) => b.has(x.kind, x.id),
      }),
  });
  await ta.ready();
  await tb.ready();
  return {
    server,
    a,
    b,
    ta,
    tb,
    nca,
    async [Symbol.asyncDispose]() {
      await a.close();
      await b.close();
      await nca.close();
      await ncb.close();
      await server.close();
    },
  };
}

runTransportConformance("nats", async () => {
  const nodes = await twoNodes();
  const served: AsyncDisposable[] = [];
  return {
    transport: nodes.ta,
    async serve(address, factory) {
      await nodes.b.spawn({
        kind: address.kind,
        id: address.id,
        host: { inline: factory },
        init: undefined,
      });
      served.push(await nodes.tb.serve(address));
    },
    async [Symbol.asyncDispose]() {
      for (const s of served) await s[Symbol.asyncDispose]();
      await nodes[Symbol.asyncDispose]();
    },
  };
});

const counter: ActorFactory<undefined> = () => {
  let n = 0;
  return {
    receive(m: unknown) {
      const msg = m as { type: string; bytes?: Uint8Array };
      if (msg.type === "inc") return ++n;
      if (msg.type === "len") {
        return { len: msg.bytes!.byteLength, owns: msg.bytes!.buffer.byteLength };
      }
      if (msg.type === "fail") {
        throw Object.assign(new Error('Cannot append to "t-0": not the leader'), {
          code: "NOT_LEADER_OR_FOLLOWER",
        });
      }
      return null;
    },
  };
};

Deno.test("subjectToken() escapes the characters NATS reserves", () => {
  assertEquals(subjectToken("orders.eu-0@2"), "orders%2Eeu-0%402");
  assertEquals(subjectToken("a*b>c d"), "a%2Ab%3Ec%20d");
});

Deno.test("nodeOfAddress() reads the node of a replica id and none for a singleton", () => {
  assertEquals(nodeOfAddress({ kind: "partition", id: "orders.eu-3@12" }), 12);
  assertEquals(nodeOfAddress({ kind: "controller", id: "0" }), undefined);
  assertEquals(nodeOfAddress({ kind: "partition", id: "a@b" }), undefined);
});

Deno.test("NatsTransport routes `<id>@<node>` addresses to that node's subject", async () => {
  await using nodes = await twoNodes();
  await nodes.b.spawn({
    kind: "partition",
    id: "orders.eu-0@2",
    host: { inline: counter },
    init: undefined,
  });
  await nodes.a.spawn({
    kind: "partition",
    id: "orders.eu-0@1",
    host: { inline: counter },
    init: undefined,
  });
  const remote = nodes.a.lookup("partition", "orders.eu-0@2");
  assertEquals(await remote.ask({ type: "inc" }), 1);
  remote.tell({ type: "inc" });
  assertEquals(await remote.ask({ type: "inc" }), 3);
  // @1 is a's own actor: never leaves the process, even via b's ref it goes over NATS to a.
  assertEquals(await nodes.b.lookup("partition", "orders.eu-0@1").ask({ type: "inc" }), 1);
  assertEquals(await nodes.a.lookup("partition", "orders.eu-0@1").ask({ type: "inc" }), 2);
  const bytes = new Uint8Array(300_000).fill(7);
  assertEquals(await remote.ask({ type: "len", bytes }), { len: 300_000, owns: 300_000 });
  const err = await assertRejects(() => remote.ask({ type: "fail" })) as WeirError;
  assertEquals(err instanceof WeirError, true);
  assertEquals(err.code, "NOT_LEADER_OR_FOLLOWER");
  assertEquals(err.retriable, true);
  const gone = await assertRejects(() =>
    nodes.a.lookup("partition", "x-0@9").ask({ type: "inc" }, { timeoutMs: 2_000 })
  ) as WeirError;
  assertEquals(gone.code, "ACTOR_STOPPED");
});

Deno.test("NatsTransport fails asks retriably while NATS is down and works after a restart", async () => {
  await using nodes = await twoNodes();
  await nodes.b.spawn({
    kind: "partition",
    id: "t-0@2",
    host: { inline: counter },
    init: undefined,
  });
  const remote = nodes.a.lookup("partition", "t-0@2");
  assertEquals(await remote.ask({ type: "inc" }), 1);
  await nodes.server.stop();
  const down = await assertRejects(() =>
    remote.ask({ type: "inc" }, { timeoutMs: 2_000 })
  ) as WeirError;
  assertEquals(["NETWORK_EXCEPTION", "REQUEST_TIMED_OUT"].includes(down.code), true, down.code);
  assertEquals(down.retriable, true);
  await nodes.server.restart();
  const deadline = Date.now() + 15_000;
  let reply: unknown;
  for (;;) {
    try {
      reply = await remote.ask({ type: "inc" }, { timeoutMs: 1_000 });
      break;
    } catch (e) {
      if (!(e instanceof WeirError) || !e.retriable || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assertEquals(typeof reply, "number");
  assertEquals(nodes.ta.connected, true);
});

Deno.test("NatsTransport refuses messages and replies above the server's max_payload", async () => {
  await using nodes = await twoNodes();
  const echo: ActorFactory<undefined> = () => ({
    receive: (m: unknown) => new Uint8Array((m as { size: number }).size),
  });
  await nodes.b.spawn({ kind: "big", id: "x@2", host: { inline: echo }, init: undefined });
  const ref = nodes.a.lookup("big", "x@2");
  const tooBigAsk = await assertRejects(() =>
    ref.ask({ size: 1, pad: new Uint8Array(2 * 1024 * 1024) })
  ) as WeirError;
  assertEquals(tooBigAsk.code, "REQUEST_TOO_LARGE");
  const tooBigReply = await assertRejects(() => ref.ask({ size: 2 * 1024 * 1024 })) as WeirError;
  assertEquals(tooBigReply.code, "REQUEST_TOO_LARGE");
  assertEquals(await ref.ask({ size: 10 }), new Uint8Array(10));
});

Deno.test("`NatsTransport.close()` answers asks the server routed to it before its unsubscribe", async () => {
  // One connection for both nodes: the server handles b's request (PUB) before a's UNSUB, so
  // it always routes that request to a's subscription, and the MSG reaches a after it closed.
  await using server = await startNatsServer({ jetstream: false });
  const nc = await connect({ servers: server.url });
  let ta!: NatsTransport;
  let tb!: NatsTransport;
  const makeError = (code: string, message: string) => new WeirError(code, message);
  const a: ActorSystem = new ActorSystem({
    makeError,
    transport: (local) =>
      ta = new NatsTransport(local, { connection: nc, clusterId: "c", nodeId: 1, makeError }),
  });
  const b: ActorSystem = new ActorSystem({
    makeError,
    transport: (local) =>
      tb = new NatsTransport(local, { connection: nc, clusterId: "c", nodeId: 2, makeError }),
  });
  try {
    await a.spawn({ kind: "partition", id: "t-0@1", host: { inline: counter }, init: undefined });
    await ta.ready();
    await tb.ready();
    const ref = b.lookup("partition", "t-0@1");
    assertEquals(await ref.ask({ type: "inc" }), 1);
    // An actor node 1 does not host (yet): answered at once, never parked.
    const unknown = b.lookup("partition", "t-1@1").ask({ type: "inc" }, { timeoutMs: 3_000 });
    assertEquals((await assertRejects(() => unknown) as WeirError).code, "ACTOR_STOPPED");
    const asked = ref.ask({ type: "inc" }, { timeoutMs: 3_000 }).then(
      (value) => ({ value }),
      (e: WeirError) => ({ code: e.code }),
    );
    const closed = ta.close();
    // Answered by the actor (still running) rather than left to time out.
    assertEquals(await asked, { value: 2 });
    await closed;
    // Once closed, nothing serves node 1 any more: asks fail at once, retriably.
    const gone = await assertRejects(() => ref.ask({ type: "inc" }, { timeoutMs: 3_000 }));
    assertEquals((gone as WeirError).code, "ACTOR_STOPPED");
  } finally {
    await a.close();
    await b.close();
    await nc.close();
  }
});

Deno.test("`NatsTransport.close()` fails its own asks in flight as outcome unknown, not ACTOR_STOPPED", async () => {
  await using nodes = await twoNodes();
  const gate = Promise.withResolvers<void>();
  const received = Promise.withResolvers<void>();
  const slow: ActorFactory<undefined> = () => ({
    receive: async () => {
      received.resolve();
      await gate.promise;
      return "written";
    },
  });
  await nodes.b.spawn({ kind: "partition", id: "t-0@2", host: { inline: slow }, init: undefined });
  const asked = nodes.a.lookup("partition", "t-0@2").ask({ type: "append" }, { timeoutMs: 20_000 })
    .then(() => undefined, (e: WeirError) => e);
  await received.promise; // delivered: node 2 is executing it
  await nodes.ta.close();
  const failed = await asked;
  gate.resolve();
  // ACTOR_STOPPED would tell the caller nothing was done, and appends are resent after it.
  assertEquals(failed?.code, "NETWORK_EXCEPTION", failed?.message);
  assertEquals(failed?.retriable, true);
  // An ask after close() was never sent: that one may say so.
  const later = await assertRejects(() => nodes.a.lookup("partition", "t-0@2").ask({ type: "x" }));
  assertEquals((later as WeirError).code, "ACTOR_STOPPED");
});
