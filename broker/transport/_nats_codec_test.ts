import { assertEquals, assertThrows } from "@std/assert";
import { decodeBody, encodeBody } from "./_nats_codec.ts";

Deno.test("encodeBody() carries Uint8Array payloads as raw bytes after the JSON", () => {
  const batch = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
  const body = encodeBody({ type: "append", batches: batch, acks: -1 });
  const jsonLength = new DataView(body.buffer).getUint32(0);
  assertEquals(body.byteLength, 4 + jsonLength + 1000);
  assertEquals(body.subarray(4 + jsonLength), batch);
  const json = new TextDecoder().decode(body.subarray(4, 4 + jsonLength));
  assertEquals(json.length < 100, true, "no bytes spelled out in the JSON");
});

Deno.test("decodeBody() restores nested buffers, each owning its ArrayBuffer", () => {
  const a = new Uint8Array([1, 2, 3]);
  const b = new Uint8Array([9]).buffer;
  const { value, transfer } = decodeBody(
    encodeBody({ list: [a, { b }], s: "é", n: null, empty: new Uint8Array(0) }),
  );
  const v = value as {
    list: [Uint8Array, { b: ArrayBuffer }];
    s: string;
    n: null;
    empty: Uint8Array;
  };
  assertEquals(v.list[0], a);
  assertEquals(v.list[0].byteOffset, 0);
  assertEquals(v.list[0].buffer.byteLength, 3);
  assertEquals(new Uint8Array(v.list[1].b), new Uint8Array([9]));
  assertEquals(v.s, "é");
  assertEquals(v.n, null);
  assertEquals(v.empty.byteLength, 0);
  assertEquals(transfer.length, 3);
});

Deno.test("decodeBody() keeps undefined as undefined", () => {
  assertEquals(decodeBody(encodeBody(undefined)).value, undefined);
  assertEquals(decodeBody(encodeBody("x")).value, "x");
});

Deno.test("decodeBody() rejects truncated and malformed bodies", () => {
  const body = encodeBody({ bytes: new Uint8Array(10) });
  assertThrows(() => decodeBody(body.subarray(0, 2)), RangeError);
  assertThrows(() => decodeBody(body.subarray(0, body.byteLength - 1)), RangeError, "past the end");
  const longer = new Uint8Array(body.byteLength + 1);
  longer.set(body);
  assertThrows(() => decodeBody(longer), RangeError, "trailing");
  const lying = body.slice();
  new DataView(lying.buffer).setUint32(0, 1_000_000);
  assertThrows(() => decodeBody(lying), RangeError, "exceeds");
});

Deno.test("decodeBody() yields plain Uint8Arrays even from a Buffer subclass", () => {
  class Sub extends Uint8Array {}
  const body = encodeBody({ b: new Uint8Array([5, 6]) });
  const sub = new Sub(body.byteLength);
  sub.set(body);
  const { value } = decodeBody(sub);
  assertEquals(Object.getPrototypeOf((value as { b: Uint8Array }).b), Uint8Array.prototype);
});
