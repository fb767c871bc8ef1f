/**
 * CPU time and memory of a process from `/proc/<pid>/stat` and
 * `/proc/<pid>/status` (Linux).
 *
 * @module
 */

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on Linux). */
export const CLOCK_TICKS = 100;

/**
 * User + system CPU time of a process so far, all threads included.
 *
 * @param pid Process id.
 * @returns Milliseconds.
 */
export function cpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  return parseStatCpuMs(stat);
}

/**
 * CPU ms from the text of `/proc/<pid>/stat` (fields 14 utime, 15 stime,
 * counted after the parenthesised command name, which may hold spaces).
 *
 * @param stat File text.
 * @returns Milliseconds.
 * @throws Error when the text is not a stat line.
 */
export function parseStatCpuMs(stat: string): number {
  const close = stat.lastIndexOf(")");
  const fields = stat.slice(close + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (close < 0 || !Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new Error(`Cannot read CPU time: not a /proc stat line: ${stat.slice(0, 80)}`);
  }
  return ((utime + stime) * 1000) / CLOCK_TICKS;
}

/**
 * Resident set size of a process.
 *
 * @param pid Process id.
 * @returns Bytes.
 */
export function rssBytes(pid: number): number {
  const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) * 1024 : NaN;
}
