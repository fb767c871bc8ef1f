import { assertEquals, assertInstanceOf } from "@std/assert";
import { Outbox, type Postable, unpack } from "./_outbox.ts";

interface Env extends Postable {
  readonly t: string;
  readonly value?: unknown;
}

function recorder() {
  const sent: { data: Env | Env[]; transfer: Transferable[] }[] = [];
  const failed: { envelope: Env; error: unknown }[] = [];
  const outbox = new Outbox<Env>({
    send: (data, transfer) => {
      const one = Array.isArray(data) ? data : [data];
      // Like postMessage: refuse what structured clone refuses, detach what is transferred.
      for (const e of one) structuredClone(e.value);
      structuredClone(null, { transfer });
      sent.push({ data, transfer });
    },
    onUndeliverable: (envelope, error) => failed.push({ envelope, error }),
  });
  return { outbox, sent, failed };
}

Deno.test("`Outbox` sends the envelopes of one turn as one message, in order", async () => {
  const { outbox, sent } = recorder();
  outbox.post({ t: "a" });
  outbox.post({ t: "b" });
  outbox.post({ t: "c" });
  assertEquals(sent.length, 0, "nothing before the turn ends");
  await Promise.resolve();
  assertEquals(sent.length, 1);
  const got: string[] = [];
  unpack(sent[0]!.data, (e) => got.push(e.t));
  assertEquals(got, ["a", "b", "c"]);
});

Deno.test("`Outbox` sends a lone envelope as itself", async () => {
  const { outbox, sent } = recorder();
  outbox.post({ t: "solo" });
  await Promise.resolve();
  assertEquals(sent.map((s) => s.data), [{ t: "solo" }]);
});

Deno.test("`Outbox` flushes at once, queue included, when an envelope transfers buffers", () => {
  const { outbox, sent } = recorder();
  outbox.post({ t: "before" });
  const bytes = new Uint8Array(8);
  outbox.post({ t: "bytes", value: bytes, transfer: [bytes.buffer] });
  assertEquals(bytes.byteLength, 0, "detached when post() returns");
  assertEquals(sent.length, 1);
  assertEquals((sent[0]!.data as Env[]).map((e) => e.t), ["before", "bytes"]);
  assertEquals(sent[0]!.transfer.length, 1);
});

Deno.test("`Outbox` retries a failing batch one by one and reports only the bad envelope", async () => {
  const { outbox, sent, failed } = recorder();
  outbox.post({ t: "good1" });
  outbox.post({ t: "bad", value: () => {} });
  outbox.post({ t: "good2" });
  await Promise.resolve();
  assertEquals(sent.map((s) => (s.data as Env).t), ["good1", "good2"]);
  assertEquals(failed.map((f) => f.envelope.t), ["bad"]);
  assertInstanceOf(failed[0]!.error, Error);
});

Deno.test("`Outbox.discard()` drops what is queued", async () => {
  const { outbox, sent } = recorder();
  outbox.post({ t: "gone" });
  outbox.discard();
  await Promise.resolve();
  assertEquals(sent.length, 0);
});
