import { assertEquals } from "@std/assert";
import { ActorSystem } from "../../actors/runtime/mod.ts";
import { runTransportConformance } from "../../actors/runtime/transport_conformance.ts";
import { InProcessTransport } from "./in_process.ts";

runTransportConformance("in-process", () => {
  const system = new ActorSystem();
  const transport = new InProcessTransport(system.local);
  return Promise.resolve({
    transport,
    async serve(address, factory) {
      await system.spawn({
        kind: address.kind,
        id: address.id,
        host: { inline: factory },
        init: undefined,
      });
    },
    async [Symbol.asyncDispose]() {
      await transport.close();
      await system.close();
    },
  });
});

Deno.test("InProcessTransport carries a system's lookups and is closed by its shutdown", async () => {
  let transport: InProcessTransport | undefined;
  const system = new ActorSystem({
    transport: (local) => transport = new InProcessTransport(local),
  });
  try {
    await system.spawn({
      kind: "echo",
      id: "1",
      host: { inline: () => ({ receive: (m: unknown) => ({ got: m }) }) },
      init: undefined,
    });
    const bytes = new Uint8Array(8).fill(1);
    const reply = await system.lookup("echo", "1").ask({ bytes }, { transfer: [bytes.buffer] });
    assertEquals(reply, { got: { bytes: new Uint8Array(8).fill(1) } });
    assertEquals(bytes.byteLength, 0);
  } finally {
    await system.close();
  }
  const late = await transport!.ask({ kind: "echo", id: "1" }, 1, { timeoutMs: 100 }).then(
    () => "answered",
    (e: { code: string }) => e.code,
  );
  assertEquals(late, "ACTOR_STOPPED");
});
