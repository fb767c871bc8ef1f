/**
 * Plain-text tables for the CLI's human output.
 *
 * @module
 */

/**
 * Renders rows under upper-case headers, columns padded to the widest cell
 * and separated by two spaces; no trailing spaces.
 *
 * @param headers Column titles.
 * @param rows Cells (converted with `String()`).
 * @returns The table, each line ending in a newline.
 *
 * @example Two columns
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { formatTable } from "./_table.ts";
 *
 * assertEquals(
 *   formatTable(["NAME", "PARTITIONS"], [["orders", 3]]),
 *   "NAME    PARTITIONS\norders  3\n",
 * );
 * ```
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const cells = [headers, ...rows].map((row) => row.map((cell) => String(cell)));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  return cells.map((row) =>
    row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]!)).join("  ")
      .trimEnd() + "\n"
  ).join("");
}
