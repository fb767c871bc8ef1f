/**
 * RecordBatch v2 codec and CRC-32C micro-benchmarks.
 *
 * Run: `deno bench -A bench/codec_bench.ts`. One batch = 1,000 records of 100-byte values
 * with 8-byte keys; records/s = 1,000 / (time per iteration).
 *
 * @module
 */
import { crc32c as nativeCrc32c } from "@node-rs/crc32";
import { Buffer } from "node:buffer";
import {
  crc32c,
  decodeRecords,
  encodeRecordBatch,
  type RecordInput,
  validateBatch,
} from "../client/protocol/mod.ts";

const RECORDS = 1000;
const records: RecordInput[] = [];
for (let i = 0; i < RECORDS; i++) {
  const value = new Uint8Array(100);
  for (let j = 0; j < value.length; j++) value[j] = (i + j) & 0xff;
  records.push({ key: new TextEncoder().encode(`key-${String(i).padStart(4, "0")}`), value });
}
const batch = encodeRecordBatch(records, { now: 1_700_000_000_000 });
const nativeCrc = (data: Uint8Array, initial?: number): number =>
  nativeCrc32c(Buffer.from(data.buffer, data.byteOffset, data.byteLength), initial);

const mib = new Uint8Array(1 << 20);
for (let i = 0; i < mib.length; i++) mib[i] = (i * 7919) & 0xff;
const mibBuffer = Buffer.from(mib.buffer);
if (crc32c(mib) !== nativeCrc32c(mibBuffer)) {
  throw new Error("crc32c disagrees with @node-rs/crc32");
}

Deno.bench("encodeRecordBatch 1,000 x 100 B", { group: "encode", baseline: true }, () => {
  encodeRecordBatch(records, { now: 1_700_000_000_000 });
});

Deno.bench("encodeRecordBatch 1,000 x 100 B (native crc)", { group: "encode" }, () => {
  encodeRecordBatch(records, { now: 1_700_000_000_000, crc: nativeCrc });
});

Deno.bench("decodeRecords 1,000 x 100 B", { group: "decode", baseline: true }, () => {
  decodeRecords(batch);
});

Deno.bench("validateBatch 1,000 x 100 B (pure crc)", { group: "decode" }, () => {
  validateBatch(batch, 0);
});

Deno.bench("validateBatch 1,000 x 100 B (native crc)", { group: "decode" }, () => {
  validateBatch(batch, 0, { crc: nativeCrc });
});

Deno.bench("crc32c pure TS, 1 MiB", { group: "crc", baseline: true }, () => {
  crc32c(mib);
});

Deno.bench("crc32c @node-rs/crc32, 1 MiB", { group: "crc" }, () => {
  nativeCrc32c(mibBuffer);
});
