import { assertEquals, assertNotEquals } from "@std/assert";
import { crc32c } from "./crc32c.ts";

const enc = new TextEncoder();

/** Bit-at-a-time reference, independent of the slice-by-8 tables. */
function reference(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

Deno.test("crc32c() returns the CRC-32C check value for 123456789", () => {
  assertEquals(crc32c(enc.encode("123456789")), 0xe3069283);
});

Deno.test("crc32c() of no bytes is 0 and of 32 zero bytes matches RFC 3720", () => {
  assertEquals(crc32c(new Uint8Array(0)), 0);
  assertEquals(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assertEquals(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
});

Deno.test("crc32c() continues from a previous result", () => {
  const a = enc.encode("hello, ");
  const b = enc.encode("stream of records");
  const ab = enc.encode("hello, stream of records");
  assertEquals(crc32c(b, crc32c(a)), crc32c(ab));
});

Deno.test("crc32c() matches a bitwise reference for every length 0..100 and odd offsets", () => {
  let seed = 12345;
  const data = new Uint8Array(200);
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = seed >>> 24;
  }
  for (let len = 0; len <= 100; len++) {
    for (const off of [0, 1, 3]) {
      const view = data.subarray(off, off + len);
      assertEquals(crc32c(view), reference(view), `len ${len} off ${off}`);
    }
  }
});

Deno.test("crc32c() changes when one bit flips", () => {
  const data = enc.encode("0123456789abcdef");
  const before = crc32c(data);
  data[9]! ^= 0x10;
  assertNotEquals(crc32c(data), before);
});
