/**
 * Child process of `log_crash_test.ts`: appends seeded batches to a log
 * forever, fsyncing now and then, and prints `flushed <offset> <base> <bytes>`
 * after each durable point (offset = log end, base/bytes = active segment and
 * its size). The parent kills it with SIGKILL at a seeded moment.
 *
 * Usage: deno run -A _log_crash_writer.ts <dir> <seed>
 *
 * Every record's value is `v<offset>` padded to a seeded length, so the
 * parent can check contents without knowing the batches.
 *
 * @module
 */
import { crc32c } from "@node-rs/crc32";
import { encodeRecordBatch } from "../../client/protocol/mod.ts";
import { Log } from "../../actors/partition/log/mod.ts";
import { seeded } from "../../actors/partition/log/_testing.ts";

const [dir, seedText] = Deno.args;
if (dir === undefined || seedText === undefined) throw new Error("usage: <dir> <seed>");
const rnd = seeded(Number(seedText));
const encoder = new TextEncoder();
const out = Deno.stdout;

const log = await Log.open(dir, {
  crc: crc32c,
  config: { segmentBytes: 64 * 1024, indexIntervalBytes: 1024 },
});

export function valueFor(offset: number, pad: number): Uint8Array {
  return encoder.encode(`v${offset}`.padEnd(pad, "."));
}

while (true) {
  const appends = 1 + Math.floor(rnd() * 8);
  for (let a = 0; a < appends; a++) {
    const n = 1 + Math.floor(rnd() * 30);
    const pad = Math.floor(rnd() * 200);
    const start = log.logEndOffset;
    const records = [];
    for (let i = 0; i < n; i++) records.push({ key: null, value: valueFor(start + i, pad) });
    log.append(encodeRecordBatch(records, { crc: crc32c }));
  }
  if (rnd() < 0.5) log.flush();
  else await log.sync();
  const active = log.segmentBaseOffsets.at(-1)!;
  const activeSize = Deno.statSync(`${dir}/${String(active).padStart(20, "0")}.log`).size;
  out.writeSync(encoder.encode(`flushed ${log.logEndOffset} ${active} ${activeSize}\n`));
}
