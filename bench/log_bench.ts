/**
 * Partition log benchmarks: append throughput (no fsync, fsync per batch,
 * group commit of 16 appends per fsync), sequential reads and random-offset
 * reads through the index.
 *
 * Run: `deno bench -A bench/log_bench.ts`. One batch = 1,000 records with
 * 100-byte values (~110 KB); records/s = 1,000 × batches / time. Checksums
 * use the native CRC-32C, as the broker does.
 *
 * @module
 */
import { crc32c } from "@node-rs/crc32";
import { encodeRecordBatch, type RecordInput } from "../client/protocol/mod.ts";
import { Log } from "../actors/partition/log/mod.ts";
import { seeded } from "../actors/partition/log/_testing.ts";

const RECORDS = 1000;
const records: RecordInput[] = [];
for (let i = 0; i < RECORDS; i++) {
  const value = new Uint8Array(100);
  for (let j = 0; j < value.length; j++) value[j] = (i + j) & 0xff;
  records.push({ value });
}
const batch = encodeRecordBatch(records, { now: 1_700_000_000_000, crc: crc32c });
/** Fresh copies: append rewrites the base offset in place. */
const copies = Array.from({ length: 64 }, () => batch.slice());
let next = 0;
function nextBatch(): Uint8Array {
  return copies[next++ % copies.length]!;
}

const root = await Deno.makeTempDir({ prefix: "weir-log-bench-" });
const config = {
  segmentBytes: 256 * 1024 * 1024,
  retentionBytes: 512 * 1024 * 1024,
  retentionMs: -1,
};
async function openLog(name: string): Promise<Log> {
  return await Log.open(`${root}/${name}`, { crc: crc32c, config });
}

const plain = await openLog("plain");
const perBatch = await openLog("fsync");
const grouped = await openLog("group");

Deno.bench("append 1,000-record batch, no fsync", { group: "append", baseline: true }, () => {
  plain.append(nextBatch());
  if (plain.size > 600 * 1024 * 1024) plain.retentionStep();
});

Deno.bench("append 1,000-record batch + fsync", { group: "append" }, () => {
  perBatch.append(nextBatch());
  perBatch.flush();
  if (perBatch.size > 600 * 1024 * 1024) perBatch.retentionStep();
});

Deno.bench("16 appends + one group-commit sync (per batch: ÷16)", { group: "append" }, async () => {
  const waits: Promise<void>[] = [];
  for (let i = 0; i < 16; i++) {
    grouped.append(nextBatch());
    waits.push(grouped.sync());
  }
  await Promise.all(waits);
  if (grouped.size > 600 * 1024 * 1024) grouped.retentionStep();
});

// Read benches over a fixed 64 MB log (~580 batches, 580k records).
const reader = await openLog("read");
for (let i = 0; i < 580; i++) reader.append(nextBatch());
reader.flush();
const end = reader.logEndOffset;
const rnd = seeded(1);

Deno.bench("sequential read of 64 MB from offset 0 (1 MiB reads)", { group: "read" }, () => {
  let o = reader.logStartOffset;
  while (o < end) o = reader.read(o, { maxBytes: 1 << 20 }).nextOffset;
});

Deno.bench("random-offset read through the index (one batch)", { group: "read" }, () => {
  const offset = Math.floor(rnd() * end);
  reader.read(offset, { maxBytes: 1 });
});

globalThis.addEventListener("unload", () => {
  for (const log of [plain, perBatch, grouped, reader]) log.close();
  Deno.removeSync(root, { recursive: true });
});
