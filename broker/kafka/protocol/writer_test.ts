import { assertEquals } from "@std/assert";
import { KafkaReader } from "./reader.ts";
import { KafkaWriter } from "./writer.ts";

Deno.test("`KafkaWriter` writes golden bytes for every primitive", () => {
  const w = new KafkaWriter(16);
  w.int8(-1).int16(0x0102).int32(-2).int64(2 ** 32 + 2).uvarint(150).varint(-1).boolean(true);
  w.string("hi").nullableString(null).compactString("hi").compactNullableString(null);
  w.bytes(new Uint8Array([7])).nullableBytes(null).compactBytes(new Uint8Array([8]));
  w.array(false, [1, 2], (w, v) => w.int8(v)).array(true, [3], (w, v) => w.int8(v)).tags(true);
  // deno-fmt-ignore
  const golden = [
    0xff,
    0x01, 0x02,
    0xff, 0xff, 0xff, 0xfe,
    0, 0, 0, 1, 0, 0, 0, 2,
    0x96, 0x01,
    0x01,
    1,
    0, 2, 0x68, 0x69,
    0xff, 0xff,
    3, 0x68, 0x69,
    0,
    0, 0, 0, 1, 7,
    0xff, 0xff, 0xff, 0xff,
    2, 8,
    0, 0, 0, 2, 1, 2,
    2, 3,
    0,
  ];
  assertEquals([...w.finish()], golden);
});

Deno.test("`KafkaWriter` grows past its initial capacity without losing bytes", () => {
  const w = new KafkaWriter(16);
  const big = new Uint8Array(1000).map((_, i) => i & 0xff);
  w.int32(1).string("x".repeat(100)).raw(big).uvarint(0xffffffff).varlong(-(2 ** 40));
  for (let i = 0; i < 300; i++) w.int64(i);
  const r = new KafkaReader(w.finish());
  assertEquals(r.int32(), 1);
  assertEquals(r.string(), "x".repeat(100));
  assertEquals([...r.raw(1000)], [...big]);
  assertEquals(r.uvarint(), 0xffffffff);
  assertEquals(r.varlong(), -(2 ** 40));
  for (let i = 0; i < 300; i++) assertEquals(r.int64(), i);
  assertEquals(r.remaining, 0);
});

Deno.test("`KafkaWriter` and `KafkaReader` round-trip varints at the edges", () => {
  const values = [0, 1, -1, 63, -64, 64, 2 ** 31 - 1, -(2 ** 31)];
  const w = new KafkaWriter();
  for (const v of values) w.varint(v);
  for (const v of [0, 2 ** 53 - 1, -(2 ** 53 - 1)]) w.varlong(v);
  const r = new KafkaReader(w.finish());
  for (const v of values) assertEquals(r.varint(), v);
  for (const v of [0, 2 ** 53 - 1, -(2 ** 53 - 1)]) assertEquals(r.varlong(), v);
});

Deno.test("`KafkaWriter.int32At()` patches a reserved size prefix", () => {
  const w = new KafkaWriter();
  w.int32(0).string("abc");
  w.int32At(0, w.length - 4);
  assertEquals([...w.finish()], [0, 0, 0, 5, 0, 3, 0x61, 0x62, 0x63]);
});
