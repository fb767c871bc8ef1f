import { assertEquals, assertThrows } from "@std/assert";
import { WeirError } from "../../../client/protocol/mod.ts";
import { KafkaReader } from "./reader.ts";

const r = (...bytes: number[]) => new KafkaReader(new Uint8Array(bytes));

Deno.test("`KafkaReader` reads big-endian fixed-width integers", () => {
  const reader = r(0xff, 0x01, 0x02, 0x80, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff);
  assertEquals(reader.int8(), -1);
  assertEquals(reader.int16(), 0x0102);
  assertEquals(reader.int32(), -0x7fffffff);
  assertEquals(reader.uint32(), 0xffffffff);
  assertEquals(reader.remaining, 0);
});

Deno.test("`KafkaReader.int64()` reads safe integers and rejects larger ones", () => {
  assertEquals(r(0, 0, 0, 1, 0, 0, 0, 2).int64(), 2 ** 32 + 2);
  assertEquals(r(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe).int64(), -2);
  const e = assertThrows(
    () => r(0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff).int64(),
    WeirError,
  );
  assertEquals(e.code, "INVALID_REQUEST");
});

Deno.test("`KafkaReader` reads unsigned and zig-zag varints and rejects overlong ones", () => {
  assertEquals(r(0x00).uvarint(), 0);
  assertEquals(r(0x96, 0x01).uvarint(), 150);
  assertEquals(r(0xff, 0xff, 0xff, 0xff, 0x0f).uvarint(), 0xffffffff);
  assertEquals(r(0x01).varint(), -1);
  assertEquals(r(0x02).varint(), 1);
  assertEquals(r(0x03).varlong(), -2);
  assertThrows(() => r(0x80, 0x80, 0x80, 0x80, 0x80, 0x01).uvarint(), WeirError);
  assertThrows(() => r(0x80).uvarint(), WeirError);
});

Deno.test("`KafkaReader` reads classic and compact strings, null included", () => {
  assertEquals(r(0, 2, 0x68, 0x69).string(), "hi");
  assertEquals(r(0xff, 0xff).nullableString(), null);
  assertEquals(r(3, 0x68, 0x69).compactString(), "hi");
  assertEquals(r(0).compactNullableString(), null);
  assertThrows(() => r(0xff, 0xff).string(), WeirError, "negative");
  assertThrows(() => r(0).compactString(), WeirError, "null");
  assertThrows(() => r(0, 1, 0xc3).string(), WeirError, "UTF-8");
});

Deno.test("`KafkaReader` rejects a length that lies about the bytes left", () => {
  const e = assertThrows(() => r(0, 9, 0x41).string(), WeirError);
  assertEquals(e.code, "INVALID_REQUEST");
  assertThrows(() => r(0, 0, 0, 5, 1, 2).bytes(), WeirError, "needs 5 bytes");
  assertThrows(() => r(0x7f, 0xff, 0xff, 0xff).array(false, (x) => x.int8()), WeirError);
  assertThrows(() => r(0xff, 0xff, 0xff, 0xfe).array(false, (x) => x.int8()), WeirError);
});

Deno.test("`KafkaReader` reads bytes as views and arrays in both forms", () => {
  const reader = r(0, 0, 0, 2, 7, 8, 0xff, 0xff, 0xff, 0xff, 3, 1, 2);
  assertEquals([...reader.bytes()], [7, 8]);
  assertEquals(reader.nullableBytes(), null);
  assertEquals(reader.array(true, (x) => x.int8()), [1, 2]);
  assertEquals(r(0xff, 0xff, 0xff, 0xff).nullableArray(false, (x) => x.int8()), null);
  assertEquals(r(0).nullableArray(true, (x) => x.int8()), null);
  assertEquals(r(0, 0, 0, 1, 9).array(false, (x) => x.int8()), [9]);
});

Deno.test("`KafkaReader.skipTaggedFields()` skips every tagged field", () => {
  // two fields: tag 0 size 2, tag 5 size 1; then a trailing int8
  const reader = r(2, 0, 2, 0xaa, 0xbb, 5, 1, 0xcc, 0x7f);
  reader.skipTaggedFields();
  assertEquals(reader.int8(), 0x7f);
  assertThrows(() => r(1, 0, 9, 1).skipTaggedFields(), WeirError);
});

Deno.test("`KafkaReader.uuid()` reads 16 bytes as hex", () => {
  const bytes = Array.from({ length: 16 }, (_, i) => i);
  assertEquals(r(...bytes).uuid(), "000102030405060708090a0b0c0d0e0f");
});
