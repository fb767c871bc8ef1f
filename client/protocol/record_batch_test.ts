import { assert, assertEquals, assertFalse, assertRejects, assertThrows } from "@std/assert";
import { crc32c } from "./crc32c.ts";
import { WeirError } from "./errors.ts";
import {
  BATCH_HEADER_SIZE,
  batchSizeAt,
  compressionOf,
  computeBatchCrc,
  decodeRecords,
  decodeRecordsAsync,
  encodeRecordBatch,
  encodeRecordBatchCompressed,
  isControlBatch,
  isLogAppendTime,
  isTransactional,
  iterateBatches,
  readBatchHeader,
  type RecordInput,
  setBaseOffset,
  setPartitionLeaderEpoch,
  stampLogAppendTime,
  validateBatch,
} from "./record_batch.ts";

const enc = new TextEncoder();
const utf8 = (s: string): Uint8Array => enc.encode(s);

function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/#[^\n]*/g, "").replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function assertInvalid(fn: () => unknown, includes: string): WeirError {
  const e = assertThrows(fn, WeirError, includes);
  assertEquals(e.code, "INVALID_RECORD");
  return e;
}

// Written by hand from the RecordBatch v2 spec. The CRC (0x6859ee17) was computed independently
// over bytes 21..85 with a bitwise CRC-32C in Python and with @node-rs/crc32's native crc32c.
const GOLDEN = fromHex(`
  0000000000000000   # baseOffset 0
  0000004a           # batchLength 74 (86 - 12)
  ffffffff           # partitionLeaderEpoch -1
  02                 # magic 2
  6859ee17           # crc
  0000               # attributes: no compression, CreateTime
  00000001           # lastOffsetDelta 1
  0000018bcfe56800   # baseTimestamp 1700000000000
  0000018bcfe5692c   # maxTimestamp 1700000000300
  ffffffffffffffff   # producerId -1
  ffff               # producerEpoch -1
  ffffffff           # baseSequence -1
  00000002           # recordCount 2
  # record 0
  1a                 # length 13
  00                 # attributes
  00                 # timestampDelta 0
  00                 # offsetDelta 0
  02 6b              # key length 1, "k"
  04 7631            # value length 2, "v1"
  02                 # 1 header
  02 68              # header key length 1, "h"
  02 78              # header value length 1, "x"
  # record 1
  14                 # length 10
  00                 # attributes
  d804               # timestampDelta 300
  02                 # offsetDelta 1
  01                 # key length -1 (null)
  06 616263          # value length 3, "abc"
  00                 # 0 headers
`);

const GOLDEN_RECORDS: RecordInput[] = [
  { key: utf8("k"), value: utf8("v1"), headers: [{ key: "h", value: utf8("x") }] },
  { key: null, value: utf8("abc"), timestamp: 1700000000300 },
];
const GOLDEN_NOW = 1700000000000;

Deno.test("encodeRecordBatch() reproduces the hand-written golden batch byte for byte", () => {
  assertEquals(GOLDEN.length, 86);
  assertEquals(crc32c(GOLDEN.subarray(21)), 0x6859ee17);
  const batch = encodeRecordBatch(GOLDEN_RECORDS, { now: GOLDEN_NOW });
  assertEquals(Array.from(batch), Array.from(GOLDEN));
});

Deno.test("readBatchHeader() reads every field of the golden batch", () => {
  assertEquals(readBatchHeader(GOLDEN), {
    baseOffset: 0,
    batchLength: 74,
    partitionLeaderEpoch: -1,
    magic: 2,
    crc: 0x6859ee17,
    attributes: 0,
    lastOffsetDelta: 1,
    baseTimestamp: 1700000000000,
    maxTimestamp: 1700000000300,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    recordCount: 2,
  });
  assertEquals(batchSizeAt(GOLDEN), 86);
});

Deno.test("decodeRecords() decodes the golden batch into views", () => {
  const records = decodeRecords(GOLDEN);
  assertEquals(records, [
    {
      offset: 0,
      timestamp: 1700000000000,
      key: utf8("k"),
      value: utf8("v1"),
      headers: [{ key: "h", value: utf8("x") }],
    },
    { offset: 1, timestamp: 1700000000300, key: null, value: utf8("abc"), headers: [] },
  ]);
  assertEquals(records[0]!.value!.buffer, GOLDEN.buffer); // a view, not a copy
});

Deno.test("readBatchHeader() rejects fewer than 61 bytes", () => {
  assertInvalid(() => readBatchHeader(GOLDEN.subarray(0, 60)), "60 bytes remain");
  assertInvalid(() => readBatchHeader(GOLDEN, 30), "56 bytes remain");
});

Deno.test("batchSizeAt() returns -1 when fewer than 12 bytes remain", () => {
  assertEquals(batchSizeAt(GOLDEN.subarray(0, 11)), -1);
  assertEquals(batchSizeAt(GOLDEN.subarray(0, 12)), 86);
  assertEquals(batchSizeAt(GOLDEN, 80), -1);
});

Deno.test("setBaseOffset() and setPartitionLeaderEpoch() rewrite outside the CRC", () => {
  const batch = GOLDEN.slice();
  setBaseOffset(batch, 0, 2 ** 40 + 17);
  setPartitionLeaderEpoch(batch, 0, 9);
  const header = validateBatch(batch, 0);
  assertEquals(header.baseOffset, 2 ** 40 + 17);
  assertEquals(header.partitionLeaderEpoch, 9);
  assertEquals(decodeRecords(batch).map((r) => r.offset), [2 ** 40 + 17, 2 ** 40 + 18]);
  assertInvalid(() => setBaseOffset(batch, 0, 2 ** 53), "safe integer");
  assertInvalid(() => setPartitionLeaderEpoch(batch, 0, 2 ** 31), "out of range");
});

Deno.test("stampLogAppendTime() sets the type bit, maxTimestamp and a valid CRC", () => {
  const batch = GOLDEN.slice();
  stampLogAppendTime(batch, 0, 1800000000000);
  const header = validateBatch(batch, 0);
  assert(isLogAppendTime(header.attributes));
  assertEquals(header.maxTimestamp, 1800000000000);
  assertEquals(header.crc, computeBatchCrc(batch, 0));
  assertEquals(decodeRecords(batch).map((r) => r.timestamp), [1800000000000, 1800000000000]);
});

Deno.test("computeBatchCrc() uses an injected CRC function over attributes..end", () => {
  let seen = 0;
  const crc = (data: Uint8Array, initial?: number): number => {
    seen = data.length;
    return crc32c(data, initial);
  };
  assertEquals(computeBatchCrc(GOLDEN, 0, crc), 0x6859ee17);
  assertEquals(seen, 86 - 21);
  assertInvalid(() => computeBatchCrc(GOLDEN.subarray(0, 70), 0), "runs past the end");
});

Deno.test("attribute helpers read the compression, type, transactional and control bits", () => {
  assertEquals(compressionOf(0), "none");
  assertEquals(compressionOf(1 | 0x08), "gzip");
  assertEquals(compressionOf(4), "zstd");
  for (const bad of [5, 6, 7]) assertInvalid(() => compressionOf(bad), `codec ${bad}`);
  assert(isLogAppendTime(0x08));
  assertFalse(isLogAppendTime(0x07));
  assert(isTransactional(0x10));
  assertFalse(isTransactional(0x20));
  assert(isControlBatch(0x20));
  assertFalse(isControlBatch(0x10));
});

Deno.test("encodeRecordBatch() writes header options and timestamp type", () => {
  const batch = encodeRecordBatch([{ value: utf8("a"), timestamp: 5 }, {
    value: utf8("b"),
    timestamp: 3,
  }], {
    baseOffset: 100,
    partitionLeaderEpoch: 4,
    producerId: 2 ** 33,
    producerEpoch: 7,
    baseSequence: 12,
    transactional: true,
    timestampType: "logAppend",
    now: 99,
  });
  const h = validateBatch(batch, 0);
  assertEquals(
    [h.baseOffset, h.partitionLeaderEpoch, h.producerId, h.producerEpoch, h.baseSequence],
    [100, 4, 2 ** 33, 7, 12],
  );
  assertEquals([h.baseTimestamp, h.maxTimestamp], [5, 99]);
  assert(isTransactional(h.attributes));
  assert(isLogAppendTime(h.attributes));
  assertEquals(decodeRecords(batch).map((r) => r.timestamp), [99, 99]);
});

Deno.test("encodeRecordBatch() uses the largest timestamp as maxTimestamp for CreateTime", () => {
  const batch = encodeRecordBatch([
    { value: null, timestamp: 50 },
    { value: null, timestamp: 10 },
    { value: null, timestamp: 70 },
  ]);
  const h = readBatchHeader(batch);
  assertEquals([h.baseTimestamp, h.maxTimestamp], [50, 70]);
  assertEquals(decodeRecords(batch).map((r) => r.timestamp), [50, 10, 70]);
});

Deno.test("encodeRecordBatch() rejects an empty record list", () => {
  assertInvalid(() => encodeRecordBatch([]), "no records");
});

Deno.test("decodeRecords() round-trips empty values, null keys, unicode headers, large values", () => {
  const large = new Uint8Array(300_000);
  for (let i = 0; i < large.length; i++) large[i] = (i * 31) & 0xff;
  const input: RecordInput[] = [
    { key: new Uint8Array(0), value: new Uint8Array(0), timestamp: 1 },
    { value: null, timestamp: 2 },
    {
      key: utf8("ключ"),
      value: utf8("värde"),
      headers: [
        { key: "émoji-🎉", value: utf8("✓") },
        { key: "", value: null },
        { key: "lone-\ud800", value: new Uint8Array(0) },
      ],
      timestamp: 3,
    },
    { key: utf8("big"), value: large, timestamp: -5 },
  ];
  const batch = encodeRecordBatch(input, { baseOffset: 10 });
  validateBatch(batch, 0);
  const out = decodeRecords(batch);
  assertEquals(out.length, 4);
  assertEquals(out.map((r) => r.offset), [10, 11, 12, 13]);
  assertEquals(out.map((r) => r.timestamp), [1, 2, 3, -5]);
  assertEquals(out[0]!.key, new Uint8Array(0));
  assertEquals(out[0]!.value, new Uint8Array(0));
  assertEquals(out[1]!.key, null);
  assertEquals(out[1]!.value, null);
  assertEquals(out[2]!.key, utf8("ключ"));
  assertEquals(out[2]!.headers, [
    { key: "émoji-🎉", value: utf8("✓") },
    { key: "", value: null },
    { key: "lone-\ufffd", value: new Uint8Array(0) },
  ]);
  assertEquals(out[3]!.value, large);
});

Deno.test("decodeRecords() round-trips 10,000 records with long header names", () => {
  const input: RecordInput[] = [];
  for (let i = 0; i < 10_000; i++) {
    input.push({
      key: i % 3 === 0 ? null : utf8(`key-${i}`),
      value: utf8(`value-${i}`.repeat(i % 7)),
      headers: i % 5 === 0 ? [{ key: "x".repeat(40 + (i % 9)), value: utf8(String(i)) }] : [],
      timestamp: 1_000_000 + i * 1000,
    });
  }
  const batch = encodeRecordBatch(input, { baseOffset: 2 ** 35 });
  assertEquals(validateBatch(batch, 0).recordCount, 10_000);
  const out = decodeRecords(batch);
  for (let i = 0; i < input.length; i += 997) {
    const r = out[i]!;
    assertEquals(r.offset, 2 ** 35 + i);
    assertEquals(r.timestamp, input[i]!.timestamp);
    assertEquals(r.key, input[i]!.key ?? null);
    assertEquals(r.value, input[i]!.value);
    assertEquals(r.headers, input[i]!.headers);
  }
});

Deno.test("decodeRecords() decodes a batch at a non-zero position in a larger buffer", () => {
  const a = encodeRecordBatch([{ value: utf8("a") }], { now: 1 });
  const buf = new Uint8Array(7 + a.length + GOLDEN.length);
  buf.set(a, 7);
  buf.set(GOLDEN, 7 + a.length);
  assertEquals(decodeRecords(buf, 7).map((r) => r.value), [utf8("a")]);
  assertEquals(decodeRecords(buf, 7 + a.length).length, 2);
});

Deno.test("encodeRecordBatchCompressed() gzips the records and decodeRecordsAsync() reads them", async () => {
  const input: RecordInput[] = Array.from({ length: 200 }, (_, i) => ({
    key: utf8(`k${i}`),
    value: utf8("repetitive value ".repeat(8)),
    headers: [{ key: "n", value: utf8(String(i)) }],
    timestamp: 1000 + i,
  }));
  const plain = encodeRecordBatch(input, { baseOffset: 5 });
  const gz = await encodeRecordBatchCompressed(input, { baseOffset: 5, compression: "gzip" });
  assert(gz.length < plain.length / 4, `${gz.length} vs ${plain.length}`);
  const h = validateBatch(gz, 0);
  assertEquals(compressionOf(h.attributes), "gzip");
  assertEquals(h.recordCount, 200);
  assertEquals(h.lastOffsetDelta, 199);
  assertEquals(gz[31], plain[31]); // timestamps unchanged
  assertEquals(await decodeRecordsAsync(gz), decodeRecords(plain));
  assertEquals(await decodeRecordsAsync(plain), decodeRecords(plain));
  const e = assertThrows(() => decodeRecords(gz), WeirError, "gzip");
  assertEquals(e.code, "UNSUPPORTED_COMPRESSION_TYPE");
  const none = await encodeRecordBatchCompressed(input, { baseOffset: 5, compression: "none" });
  assertEquals(none, plain);
});

Deno.test("encodeRecordBatchCompressed() rejects zstd, which has no pure-JS compressor", async () => {
  for (const compression of ["zstd"] as const) {
    const e = await assertRejects(
      () => encodeRecordBatchCompressed([{ value: null }], { compression }),
      WeirError,
      compression,
    );
    assertEquals(e.code, "UNSUPPORTED_COMPRESSION_TYPE");
  }
});

Deno.test("decodeRecordsAsync() rejects corrupt gzip data", async () => {
  const gz = await encodeRecordBatchCompressed([{ value: utf8("hello") }], {
    compression: "gzip",
    now: 1,
  });
  gz.fill(0x41, BATCH_HEADER_SIZE + 10); // trash the deflate stream and trailer
  const e = await assertRejects(() => decodeRecordsAsync(gz), WeirError);
  assertEquals(e.code, "INVALID_RECORD");
});

Deno.test("validateBatch() rejects a wrong magic byte", () => {
  const batch = GOLDEN.slice();
  batch[16] = 1;
  assertInvalid(() => validateBatch(batch, 0), "Cannot validate record batch at byte 0: magic 1");
});

Deno.test("validateBatch() rejects a flipped bit anywhere under the CRC", () => {
  for (const at of [21, 40, 61, 70, 85]) {
    const batch = GOLDEN.slice();
    batch[at]! ^= 0x04;
    assertInvalid(() => validateBatch(batch, 0), "CRC mismatch");
  }
  const batch = GOLDEN.slice();
  batch[20]! ^= 0x01; // in the stored CRC itself
  assertInvalid(() => validateBatch(batch, 0), "CRC mismatch");
});

/** Rewrites the CRC after a deliberate structural lie so the lie, not the CRC, is caught. */
function withFixedCrc(batch: Uint8Array): Uint8Array {
  new DataView(batch.buffer).setUint32(17, computeBatchCrc(batch, 0));
  return batch;
}

Deno.test("validateBatch() rejects a batchLength that lies", () => {
  const longer = GOLDEN.slice();
  new DataView(longer.buffer).setInt32(8, 75);
  assertInvalid(() => validateBatch(longer, 0), "runs past the end");
  const tiny = GOLDEN.slice();
  new DataView(tiny.buffer).setInt32(8, 30);
  assertInvalid(() => validateBatch(tiny, 0), "smaller than the header");
  // shorter by one byte: the last record no longer fits
  const shorter = GOLDEN.slice(0, 85);
  new DataView(shorter.buffer).setInt32(8, 73);
  assertInvalid(() => validateBatch(withFixedCrc(shorter), 0), "record 1");
  assertInvalid(() => validateBatch(GOLDEN.subarray(0, 11), 0), "fewer than 12 bytes");
});

Deno.test("validateBatch() rejects a recordCount that lies", () => {
  const more = GOLDEN.slice();
  new DataView(more.buffer).setInt32(57, 3);
  new DataView(more.buffer).setInt32(23, 2);
  assertInvalid(() => validateBatch(withFixedCrc(more), 0), "record 2 of 3 is missing");
  const fewer = GOLDEN.slice();
  new DataView(fewer.buffer).setInt32(57, 1);
  new DataView(fewer.buffer).setInt32(23, 0);
  assertInvalid(() => validateBatch(withFixedCrc(fewer), 0), "follow the last of 1 records");
  const negative = GOLDEN.slice();
  new DataView(negative.buffer).setInt32(57, -1);
  assertInvalid(() => validateBatch(withFixedCrc(negative), 0), "negative");
});

Deno.test("validateBatch() checks lastOffsetDelta against recordCount, gaps allowed by option", () => {
  const gap = GOLDEN.slice();
  new DataView(gap.buffer).setInt32(23, 5);
  withFixedCrc(gap);
  assertInvalid(() => validateBatch(gap, 0), "lastOffsetDelta 5 does not match");
  assertEquals(validateBatch(gap, 0, { allowOffsetGaps: true }).lastOffsetDelta, 5);
  const low = GOLDEN.slice();
  new DataView(low.buffer).setInt32(23, 0);
  assertInvalid(() => validateBatch(withFixedCrc(low), 0, { allowOffsetGaps: true }), "below");
});

Deno.test("validateBatch() rejects offset deltas that do not increase", () => {
  const batch = GOLDEN.slice();
  batch[79] = 0x00; // record 1 offsetDelta 1 -> 0
  assertInvalid(() => validateBatch(withFixedCrc(batch), 0), "not increasing");
  assertEquals(validateBatch(batch, 0, { checkRecords: false }).recordCount, 2);
});

Deno.test("validateBatch() rejects a truncated record and a record length lie", () => {
  const lie = GOLDEN.slice();
  lie[61] = 0x1c; // record 0 claims 14 bytes, has 13
  assertInvalid(() => validateBatch(withFixedCrc(lie), 0), "record");
  const past = GOLDEN.slice();
  past[75] = 0x7e; // record 1 claims 63 bytes
  assertInvalid(() => validateBatch(withFixedCrc(past), 0), "runs past the batch end");
  const key = GOLDEN.slice();
  key[65] = 0x7e; // record 0 key length 63
  assertInvalid(() => validateBatch(withFixedCrc(key), 0), "key runs past");
});

Deno.test("validateBatch() rejects an overlong varint inside a record", () => {
  const batch = GOLDEN.slice();
  // record 1 timestampDelta d8 04 -> d8 84, making the varlong run on into the next bytes
  batch[78] = 0x84;
  assertInvalid(() => validateBatch(withFixedCrc(batch), 0), "record 1");
  const overlong = encodeRecordBatch([{ value: new Uint8Array(20) }], { now: 1 });
  // record length varint at 61; value length at 66: replace value bytes with 0x80 runs
  overlong.fill(0x80, 65, 77);
  assertInvalid(() => validateBatch(withFixedCrc(overlong), 0), "overlong");
});

Deno.test("validateBatch() rejects an unknown compression codec", () => {
  const batch = GOLDEN.slice();
  batch[22] = 0x06;
  assertInvalid(() => validateBatch(withFixedCrc(batch), 0), "compression codec 6");
});

Deno.test("decodeRecords() rejects malformed records without reading past the batch", () => {
  const truncated = GOLDEN.slice();
  truncated[75] = 0x7e;
  const e = assertInvalid(() => decodeRecords(truncated), "Cannot decode record batch at byte 0");
  assert(e.message.includes("record 1"));
  assertInvalid(() => decodeRecords(GOLDEN.subarray(0, 80)), "runs past the end");
});

Deno.test("iterateBatches() yields complete batches and stops at a partial tail", () => {
  const a = encodeRecordBatch([{ value: utf8("a") }], { baseOffset: 0, now: 1 });
  const b = encodeRecordBatch([{ value: utf8("bb") }, { value: utf8("c") }], {
    baseOffset: 1,
    now: 1,
  });
  const buf = new Uint8Array(a.length + b.length + GOLDEN.length);
  buf.set(a, 0);
  buf.set(b, a.length);
  buf.set(GOLDEN, a.length + b.length);
  const all = [...iterateBatches(buf)];
  assertEquals(all.map((x) => [x.pos, x.size, x.header.recordCount]), [
    [0, a.length, 1],
    [a.length, b.length, 2],
    [a.length + b.length, 86, 2],
  ]);
  for (const cut of [1, 11, 12, 60, 85]) {
    const partial = [...iterateBatches(buf.subarray(0, buf.length - cut))];
    assertEquals(partial.length, 2, `cut ${cut}`);
  }
  assertEquals([...iterateBatches(new Uint8Array(0))], []);
});

Deno.test("iterateBatches() rejects a batch length smaller than the header", () => {
  const buf = new Uint8Array(100); // zeros: batchLength 0
  assertInvalid(() => [...iterateBatches(buf)], "smaller than the header");
});
