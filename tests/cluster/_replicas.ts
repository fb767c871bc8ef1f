/**
 * Reads replicas' logs from their data directories (after the nodes stopped)
 * to check that replicas are identical below the high watermark.
 *
 * @module
 */
import { assert, assertEquals } from "@std/assert";

/** One RecordBatch as stored: base offset, last offset and its exact bytes. */
export interface StoredBatch {
  /** First offset of the batch. */
  readonly baseOffset: number;
  /** Last offset of the batch. */
  readonly lastOffset: number;
  /** The batch's bytes, hex. */
  readonly hex: string;
}

/** Every batch in the `*.log` segments of a partition directory, in offset order. */
export async function readStoredBatches(dir: string): Promise<StoredBatch[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.name.endsWith(".log")) names.push(e.name);
  names.sort();
  const out: StoredBatch[] = [];
  for (const name of names) {
    const bytes = await Deno.readFile(`${dir}/${name}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 0; at + 61 <= bytes.length;) {
      const length = view.getInt32(at + 8);
      if (length <= 0 || at + 12 + length > bytes.length) break;
      const baseOffset = Number(view.getBigInt64(at));
      const lastOffset = baseOffset + view.getInt32(at + 23);
      const hex = Array.from(
        bytes.subarray(at, at + 12 + length),
        (b) => b.toString(16).padStart(2, "0"),
      ).join("");
      out.push({ baseOffset, lastOffset, hex });
      at += 12 + length;
    }
  }
  return out;
}

/**
 * Asserts that the replicas in `dirs` hold byte-identical batches at the same
 * offsets below `highWatermark`, and that each holds every offset below it.
 */
export async function assertReplicasIdentical(
  dirs: readonly string[],
  highWatermark: number,
): Promise<void> {
  assert(highWatermark > 0, "a high watermark above 0");
  const logs = await Promise.all(
    dirs.map(async (dir) =>
      (await readStoredBatches(dir)).filter((b) => b.baseOffset < highWatermark)
    ),
  );
  for (const [i, log] of logs.entries()) {
    const last = log.at(-1);
    assert(
      last !== undefined && last.lastOffset >= highWatermark - 1,
      `${
        dirs[i]
      } holds offsets up to ${last?.lastOffset}, below the high watermark ${highWatermark}`,
    );
    let next = log[0]!.baseOffset;
    for (const b of log) {
      assertEquals(b.baseOffset, next, `${dirs[i]}: batches contiguous`);
      next = b.lastOffset + 1;
    }
    assertEquals(log, logs[0], `${dirs[i]} equals ${dirs[0]} below offset ${highWatermark}`);
  }
}
