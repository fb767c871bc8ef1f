import { assertEquals } from "@std/assert";
import { type LineOptions, lineToRecord } from "./produce.ts";

const PLAIN: LineOptions = {
  raw: false,
  keySeparator: undefined,
  partition: undefined,
  headers: undefined,
};

Deno.test("`lineToRecord()` sends JSON lines as JSON values and other lines as strings", () => {
  assertEquals(lineToRecord('{"n":1}', PLAIN), { value: { n: 1 } });
  assertEquals(lineToRecord("42", PLAIN), { value: 42 });
  assertEquals(lineToRecord("null", PLAIN), { value: null });
  assertEquals(lineToRecord("hello world", PLAIN), { value: "hello world" });
  assertEquals(lineToRecord("{broken", PLAIN), { value: "{broken" });
});

Deno.test("`lineToRecord()` with --raw always sends a string", () => {
  assertEquals(lineToRecord('{"n":1}', { ...PLAIN, raw: true }), { value: '{"n":1}' });
  assertEquals(lineToRecord("42", { ...PLAIN, raw: true }), { value: "42" });
});

Deno.test("`lineToRecord()` splits the key at the first separator only", () => {
  const options = { ...PLAIN, keySeparator: "::" };
  assertEquals(lineToRecord("k::a::b", options), { key: "k", value: "a::b" });
  assertEquals(lineToRecord("::1", options), { key: "", value: 1 });
  assertEquals(lineToRecord("no separator", options), { value: "no separator" });
});

Deno.test("`lineToRecord()` adds the partition and headers", () => {
  assertEquals(lineToRecord("x", { ...PLAIN, partition: 3, headers: { h: "v" } }), {
    value: "x",
    partition: 3,
    headers: { h: "v" },
  });
});
