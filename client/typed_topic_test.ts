import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { z } from "zod";
import { WeirError } from "./protocol/mod.ts";
import { codecOf, toTypedTopic, TypedTopic, typedTopic } from "./typed_topic.ts";

const utf8 = new TextEncoder();
const ctx = { part: "value" as const, topic: "orders" };

Deno.test("typedTopic() defaults to string keys and JSON values", () => {
  const t = typedTopic("t");
  assertEquals(t.key.kind, "string");
  assertEquals(t.value.kind, "json");
  assertEquals(t.key.encode("k", { ...ctx, part: "key" }), utf8.encode("k"));
  assertEquals(t.value.encode({ a: [1, "x"] }, ctx), utf8.encode('{"a":[1,"x"]}'));
  assertEquals(t.value.decode(utf8.encode('"a"'), ctx), "a");
});

Deno.test("toTypedTopic() wraps a name and passes a typed topic through", () => {
  const typed = typedTopic("a", { value: "bytes" });
  assertEquals(toTypedTopic(typed) === typed, true);
  const plain = toTypedTopic("b");
  assertEquals(plain instanceof TypedTopic, true);
  assertEquals(plain.name, "b");
  assertEquals(plain.value.kind, "json");
});

Deno.test("codecOf() picks the codec for each spec and rejects unknown ones", () => {
  assertEquals(codecOf("bytes").kind, "bytes");
  assertEquals(codecOf("string").kind, "string");
  assertEquals(codecOf(z.string()).kind, "zod");
  const err = assertThrows(() => codecOf("xml" as never), WeirError);
  assertEquals(err.code, "INVALID_REQUEST");
});

Deno.test("a zod codec validates on encode and rejects with INVALID_RECORD", () => {
  const t = typedTopic("orders", { value: z.object({ id: z.string(), total: z.number() }) });
  assertEquals(t.value.encode({ id: "o", total: 1 }, ctx), utf8.encode('{"id":"o","total":1}'));
  const err = assertThrows(() => t.value.encode({ id: "o", total: "x" } as never, ctx), WeirError);
  assertEquals(err.code, "INVALID_RECORD");
  assertStringIncludes(err.message, 'Cannot encode the value of a record of "orders"');
  assertStringIncludes(err.message, "total");
});

Deno.test("a zod codec validates on decode and names the offset", () => {
  const t = typedTopic("orders", { value: z.object({ id: z.string() }) });
  const at = { ...ctx, partition: 2, offset: 41 };
  assertEquals(t.value.decode(utf8.encode('{"id":"x","extra":1}'), at), { id: "x" });
  const err = assertThrows(() => t.value.decode(utf8.encode('{"id":5}'), at), WeirError);
  assertEquals(err.code, "INVALID_RECORD");
  assertStringIncludes(err.message, '"orders-2" at offset 41');
  const notJson = assertThrows(() => t.value.decode(utf8.encode("{nope"), at), WeirError);
  assertStringIncludes(notJson.message, "not JSON");
});

Deno.test("null passes through json/string/bytes and is judged by a zod schema", () => {
  assertEquals(codecOf("json").encode(null, ctx), null);
  assertEquals(codecOf("bytes").decode(null, ctx), null);
  const strict = codecOf(z.object({ id: z.string() }));
  assertThrows(() => strict.decode(null, ctx), WeirError);
  assertEquals(codecOf(z.object({ id: z.string() }).nullable()).decode(null, ctx), null);
});

Deno.test("the bytes and string codecs reject values of the wrong type", () => {
  assertThrows(() => codecOf("bytes").encode("x", ctx), WeirError);
  assertThrows(() => codecOf("string").encode(5, ctx), WeirError);
  const raw = new Uint8Array([0, 255]);
  assertEquals(codecOf("bytes").encode(raw, ctx), raw);
});

Deno.test("the json codec rejects values JSON cannot represent", () => {
  const err = assertThrows(() => codecOf("json").encode(undefined, ctx), WeirError);
  assertEquals(err.code, "INVALID_RECORD");
  assertThrows(() => codecOf("json").encode(10n, ctx), WeirError);
});

Deno.test("new TypedTopic() rejects an empty name", () => {
  assertEquals(assertThrows(() => new TypedTopic(""), WeirError).code, "INVALID_TOPIC_EXCEPTION");
});
