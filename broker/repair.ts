/**
 * `deno task repair --data-dir <dir> --topic <name> --partition <n> [--dry-run]`:
 * offline repair of a partition whose log holds a corrupt batch (a read at
 * it fails with 500 `CORRUPT_MESSAGE`). Stop the broker first. Validates
 * every batch and truncates the partition at the first bad one, removing
 * it and everything after it (see docs/operations.md). `--dry-run` reports
 * only. Prints what it found and did; exits 0, or 2 on bad arguments.
 *
 * @module
 */
import { crc32c } from "@node-rs/crc32";
import { parseArgs } from "node:util";
import { repairPartition } from "../actors/partition/mod.ts";

const out = (line: string): void => {
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
};

if (import.meta.main) {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        "data-dir": { type: "string" },
        topic: { type: "string" },
        partition: { type: "string" },
        "dry-run": { type: "boolean", default: false },
      },
    }));
  } catch (e) {
    out(`Cannot repair: ${e instanceof Error ? e.message : e}`);
    Deno.exit(2);
  }
  const partition = Number(values.partition);
  if (
    values["data-dir"] === undefined || values.topic === undefined ||
    !Number.isSafeInteger(partition) || partition < 0 || /[/\\]|^\.\.?$/.test(values.topic)
  ) {
    out(
      "Usage: deno task repair --data-dir <dir> --topic <name> --partition <n> [--dry-run]",
    );
    Deno.exit(2);
  }
  const dir = `${values["data-dir"]}/${values.topic}-${partition}`;
  try {
    await Deno.stat(dir);
  } catch {
    out(`Cannot repair "${values.topic}-${partition}": no directory ${dir}`);
    Deno.exit(2);
  }
  const report = await repairPartition(dir, { crc: crc32c, dryRun: values["dry-run"] });
  const name = `"${values.topic}-${partition}"`;
  if (report.corrupt === null) {
    out(
      `${name}: ${report.batches} batches in ${report.segments} segments are valid; nothing to do`,
    );
  } else {
    const c = report.corrupt;
    out(
      `${name}: corrupt batch at offset ${c.offset} (segment ${c.segment}, byte ${c.position}): ${c.reason}`,
    );
    const what = `${report.bytesCut} bytes from segment ${c.segment}` +
      (report.removedSegments.length > 0
        ? ` and ${report.removedSegments.length} later segments`
        : "");
    out(
      report.repaired
        ? `${name}: truncated at offset ${c.offset}: removed ${what}; the log now ends at ${c.offset}`
        : `${name}: dry run: would remove ${what}; the log would end at ${c.offset}`,
    );
  }
}
