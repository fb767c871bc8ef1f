import { assertEquals, assertRejects, assertThrows } from "@std/assert";
import { WeirError } from "../../../client/protocol/mod.ts";
import {
  configFromForm,
  createTopicFromForm,
  headersFromLines,
  readForm,
  recordFromForm,
} from "./forms.ts";

Deno.test("`readForm()` reads urlencoded and multipart forms", async () => {
  const body = new TextEncoder().encode("name=a%20b&x=%3Cscript%3E").buffer;
  assertEquals(await readForm(body, "application/x-www-form-urlencoded"), {
    name: "a b",
    x: "<script>",
  });
  const data = new FormData();
  data.set("key", "k");
  const req = new Request("http://x/", { method: "POST", body: data });
  const type = req.headers.get("content-type") ?? undefined;
  assertEquals(await readForm(await req.arrayBuffer(), type), { key: "k" });
});

Deno.test("`readForm()` rejects a body that is not a form, or a file field", async () => {
  const err = await assertRejects(
    () => readForm(new ArrayBuffer(2), "application/json"),
    WeirError,
  );
  assertEquals(err.code, "INVALID_REQUEST");
  const data = new FormData();
  data.set("f", new File(["x"], "x.txt"));
  const req = new Request("http://x/", { method: "POST", body: data });
  await assertRejects(
    async () => readForm(await req.arrayBuffer(), req.headers.get("content-type") ?? undefined),
    WeirError,
    'field "f" is a file',
  );
});

Deno.test("`createTopicFromForm()` reads numbers and optional configs", () => {
  assertEquals(
    createTopicFromForm({
      name: " t ",
      partitions: "3",
      replicationFactor: "",
      "retention.ms": "",
    }),
    { name: "t", partitions: 3, replicationFactor: 1, configs: {} },
  );
  assertEquals(
    createTopicFromForm({ name: "t", "cleanup.policy": "compact", "retention.ms": "-1" }).configs,
    { "cleanup.policy": "compact", "retention.ms": "-1" },
  );
  for (const partitions of ["0", "1.5", "-2", "x", "1e3"]) {
    assertThrows(() => createTopicFromForm({ name: "t", partitions }), WeirError, "whole number");
  }
});

Deno.test("`configFromForm()` needs a name and a value", () => {
  assertEquals(configFromForm({ name: "retention.ms", value: " 5 " }), { "retention.ms": "5" });
  assertThrows(() => configFromForm({ name: "retention.ms", value: "" }), WeirError);
});

Deno.test("`headersFromLines()` reads name: value lines and rejects others", () => {
  assertEquals(headersFromLines("a: 1\r\n\n b :x:y \n"), { a: "1", b: "x:y" });
  assertThrows(() => headersFromLines("ok: 1\nno colon"), WeirError, "header line 2");
  assertThrows(() => headersFromLines(": empty name"), WeirError);
});

Deno.test("`recordFromForm()` builds a JSON or a raw-text record", () => {
  assertEquals(recordFromForm({ key: "k", value: '{"a":1}', partition: "1" }, 2), {
    partition: 1,
    key: "k",
    value: { a: 1 },
  });
  assertEquals(recordFromForm({ value: "hi <b>", valueAs: "text", headers: "h: v" }, 1), {
    valueBase64: new TextEncoder().encode("hi <b>").toBase64(),
    headers: { h: "v" },
  });
  assertThrows(() => recordFromForm({ value: "{" }, 1), WeirError, "not valid JSON");
  assertThrows(
    () => recordFromForm({ value: "1", partition: "2" }, 2),
    WeirError,
    "does not exist",
  );
  assertThrows(() => recordFromForm({ value: "1", partition: "-1" }, 2), WeirError);
});
