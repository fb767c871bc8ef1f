import { assertEquals, assertThrows } from "@std/assert";
import { WeirError } from "../../../client/protocol/mod.ts";
import { encodeResponsePrefix, readRequestHeader } from "./frame.ts";
import { KafkaReader } from "./reader.ts";

Deno.test("`readRequestHeader()` reads header v1 fields", () => {
  const bytes = new Uint8Array([0, 18, 0, 3, 0, 0, 0, 7, 0, 2, 0x6b, 0x63, 0x99]);
  const r = new KafkaReader(bytes);
  assertEquals(readRequestHeader(r), {
    apiKey: 18,
    apiVersion: 3,
    correlationId: 7,
    clientId: "kc",
  });
  assertEquals(r.remaining, 1);
});

Deno.test("`readRequestHeader()` rejects a truncated header", () => {
  const e = assertThrows(
    () => readRequestHeader(new KafkaReader(new Uint8Array([0, 1, 0]))),
    WeirError,
  );
  assertEquals(e.code, "INVALID_REQUEST");
});

Deno.test("`encodeResponsePrefix()` writes size and header v0 or v1", () => {
  assertEquals([...encodeResponsePrefix(9, 3, { flexible: false })], [0, 0, 0, 7, 0, 0, 0, 9]);
  assertEquals([...encodeResponsePrefix(9, 3, { flexible: true })], [0, 0, 0, 8, 0, 0, 0, 9, 0]);
});
