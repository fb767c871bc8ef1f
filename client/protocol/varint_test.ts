import { assertEquals, assertThrows } from "@std/assert";
import { WeirError } from "./errors.ts";
import {
  decodeUnsignedVarint,
  decodeVarint,
  decodeVarlong,
  encodeUnsignedVarint,
  encodeVarint,
  encodeVarlong,
  readVarint,
  sizeOfUnsignedVarint,
  sizeOfVarint,
  sizeOfVarlong,
} from "./varint.ts";

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

function assertInvalid(fn: () => unknown, includes: string): void {
  const e = assertThrows(fn, WeirError, includes);
  assertEquals(e.code, "INVALID_RECORD");
}

Deno.test("encodeVarint() writes Kafka's zig-zag bytes", () => {
  // Values from Kafka's ByteUtilsTest / the protobuf zig-zag table.
  assertEquals(Array.from(encodeVarint(0)), [0x00]);
  assertEquals(Array.from(encodeVarint(-1)), [0x01]);
  assertEquals(Array.from(encodeVarint(1)), [0x02]);
  assertEquals(Array.from(encodeVarint(-2)), [0x03]);
  assertEquals(Array.from(encodeVarint(63)), [0x7e]);
  assertEquals(Array.from(encodeVarint(-64)), [0x7f]);
  assertEquals(Array.from(encodeVarint(64)), [0x80, 0x01]);
  assertEquals(Array.from(encodeVarint(300)), [0xd8, 0x04]);
  assertEquals(Array.from(encodeVarint(2147483647)), [0xfe, 0xff, 0xff, 0xff, 0x0f]);
  assertEquals(Array.from(encodeVarint(-2147483648)), [0xff, 0xff, 0xff, 0xff, 0x0f]);
});

Deno.test("decodeVarint() round-trips int32 values and reports bytes read", () => {
  for (
    const n of [
      0,
      1,
      -1,
      63,
      -64,
      64,
      -65,
      8191,
      8192,
      1 << 20,
      -(1 << 27),
      2147483647,
      -2147483648,
    ]
  ) {
    const enc = encodeVarint(n);
    assertEquals(enc.length, sizeOfVarint(n));
    assertEquals(decodeVarint(enc), { value: n, bytesRead: enc.length });
  }
});

Deno.test("decodeVarlong() round-trips values up to the safe-integer range", () => {
  const values = [
    0,
    -1,
    1,
    2 ** 30 - 1,
    2 ** 30,
    -(2 ** 30),
    -(2 ** 30) - 1,
    2 ** 31,
    2 ** 32 + 5,
    1700000000000,
    -1700000000000,
    2 ** 52,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
  ];
  for (const n of values) {
    const enc = encodeVarlong(n);
    assertEquals(enc.length, sizeOfVarlong(n), `size of ${n}`);
    assertEquals(decodeVarlong(enc), { value: n, bytesRead: enc.length }, `value ${n}`);
  }
});

Deno.test("encodeVarlong() writes the same bytes as the int64 zig-zag definition", () => {
  // zigzag(2^31) = 2^32 -> 80 80 80 80 10
  assertEquals(Array.from(encodeVarlong(2 ** 31)), [0x80, 0x80, 0x80, 0x80, 0x10]);
  // zigzag(-(2^31) - 1) = 2^32 + 1 -> 81 80 80 80 10
  assertEquals(Array.from(encodeVarlong(-(2 ** 31) - 1)), [0x81, 0x80, 0x80, 0x80, 0x10]);
  // zigzag(MAX_SAFE) = 2^54 - 2: 7 bytes of 0x7e/0x7f groups then 0x0f
  assertEquals(
    Array.from(encodeVarlong(Number.MAX_SAFE_INTEGER)),
    [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f],
  );
});

Deno.test("decodeUnsignedVarint() round-trips uint32 values", () => {
  for (const n of [0, 127, 128, 16383, 16384, 2 ** 28, 0xffffffff]) {
    const enc = encodeUnsignedVarint(n);
    assertEquals(enc.length, sizeOfUnsignedVarint(n));
    assertEquals(decodeUnsignedVarint(enc), { value: n, bytesRead: enc.length });
  }
});

Deno.test("decodeVarint() reads at an offset and leaves following bytes alone", () => {
  const buf = bytes(0xff, 0xd8, 0x04, 0x99);
  assertEquals(decodeVarint(buf, 1), { value: 300, bytesRead: 2 });
  const cursor = { pos: 1, end: buf.length };
  assertEquals(readVarint(buf, cursor), 300);
  assertEquals(cursor.pos, 3);
});

Deno.test("decodeVarint() rejects an overlong varint", () => {
  assertInvalid(() => decodeVarint(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)), "overlong");
  assertInvalid(() => decodeVarint(bytes(0xff, 0xff, 0xff, 0xff, 0x1f)), "overlong");
});

Deno.test("decodeVarint() rejects truncated input", () => {
  assertInvalid(() => decodeVarint(bytes()), "truncated");
  assertInvalid(() => decodeVarint(bytes(0x80, 0x80)), "truncated");
  // the cursor's end bounds reading even when the buffer goes on
  assertInvalid(() => readVarint(bytes(0x80, 0x01), { pos: 0, end: 1 }), "truncated");
});

Deno.test("decodeVarlong() rejects overlong, truncated and unsafe input", () => {
  assertInvalid(() => decodeVarlong(new Uint8Array(11).fill(0x80)), "overlong");
  assertInvalid(() => decodeVarlong(bytes(0x80)), "truncated");
  // zigzag raw 2^56 -> magnitude 2^55, beyond 2^53
  assertInvalid(
    () => decodeVarlong(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)),
    "safe integer",
  );
});

Deno.test("encodeVarint() rejects non-int32 values", () => {
  assertInvalid(() => encodeVarint(2 ** 31), "int32");
  assertInvalid(() => encodeVarint(1.5), "int32");
  assertInvalid(() => encodeVarlong(2 ** 53), "safe integer");
  assertInvalid(() => encodeVarlong(Number.NaN), "safe integer");
  assertInvalid(() => encodeUnsignedVarint(-1), "uint32");
});
