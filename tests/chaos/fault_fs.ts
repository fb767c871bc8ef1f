/**
 * A fault-injecting {@linkcode LogFileSystem} over the real one, for
 * simulated power loss and disk errors with real files.
 *
 * Model (Linux page cache, ext4-like):
 * - Data written to a file is in the page cache (readable at once) and
 *   becomes durable only when that file is fsynced (`sync`/`syncAsync`).
 *   Every write or truncate since the file's last fsync is kept with the
 *   bytes it replaced, so {@linkcode FaultFileSystem.powerLoss} can undo it.
 * - Directory operations (create, rename, remove) are durable at once
 *   (journaled metadata); only file contents are at risk.
 * - `failWrites` makes writes fail with ENOSPC, after writing a prefix of the
 *   data (a short write) when `partialBytes` is given.
 * - `failSyncs` makes fsyncs fail with EIO. As on Linux after a writeback
 *   error, the writes that fsync covered stay readable but are **lost**: a
 *   later successful fsync does not make them durable (the pages are clean),
 *   and at power loss they read back as what was on disk before (zeros past
 *   the old end). Only rewriting those bytes and fsyncing again saves them.
 * - {@linkcode FaultFileSystem.powerLoss} rolls every file back to its
 *   durable state — optionally keeping a seeded prefix of the unsynced
 *   writes, the last one torn at a seeded byte — and kills the file system:
 *   every later call fails, as the process is gone. Reopen the directory
 *   through a new file system (the real files now hold the durable state).
 *
 * @example Unsynced bytes are gone after a power loss
 * ```ts
 * import { FaultFileSystem } from "./fault_fs.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = Deno.makeTempDirSync();
 * const fs = new FaultFileSystem();
 * const f = fs.open(`${dir}/a`, { create: true });
 * f.writeAt(new Uint8Array([1, 2]), 0);
 * f.sync();
 * f.writeAt(new Uint8Array([3]), 2);
 * fs.powerLoss();
 * assertEquals(Deno.readFileSync(`${dir}/a`), new Uint8Array([1, 2]));
 * Deno.removeSync(dir, { recursive: true });
 * ```
 *
 * @module
 */
import {
  denoFileSystem,
  type LogFile,
  type LogFileSystem,
  type OpenOptions,
} from "../../actors/partition/log/log_fs.ts";

/** An injected I/O error; `code` is the errno name. */
export class InjectedIoError extends Error {
  /** `ENOSPC`, `EIO` or `EDEAD` (the file system was "powered off"). */
  readonly code: string;

  /** Makes an error like the OS's. */
  constructor(code: "ENOSPC" | "EIO" | "EDEAD", message: string) {
    super(message);
    this.name = "InjectedIoError";
    this.code = code;
  }
}

/** One change to a file not yet fsynced. */
interface Change {
  /** First byte changed. */
  pos: number;
  /** New bytes (a write), or null (a truncate to `pos`). */
  data: Uint8Array | null;
  /** File size before the change. */
  oldSize: number;
  /** Bytes the change replaced or cut (within the old size). */
  old: Uint8Array;
}

interface FileState {
  pending: Change[];
  lost: Change[];
}

/** Options of {@linkcode FaultFileSystem.powerLoss}. */
export interface PowerLossOptions {
  /**
   * Seeded randomness in [0, 1): keeps a random prefix of each file's
   * unsynced changes and tears the next write at a random byte. Without it,
   * every unsynced change is dropped.
   */
  random?: () => number;
}

/** What {@linkcode FaultFileSystem.powerLoss} did. */
export interface PowerLossReport {
  /** Files that lost changes. */
  files: number;
  /** Unsynced changes dropped (whole or torn). */
  droppedChanges: number;
  /** Bytes of unsynced writes that did not survive. */
  droppedBytes: number;
  /** Writes lost after a failed fsync that were rolled back too. */
  lostAfterEio: number;
}

/** Counters, for tests. */
export interface FaultStats {
  /** Successful writes. */
  writes: number;
  /** Successful fsyncs of files. */
  syncs: number;
  /** Injected write failures. */
  writeFailures: number;
  /** Injected fsync failures. */
  syncFailures: number;
}

function readRange(path: string, pos: number, length: number): Uint8Array {
  if (length <= 0) return new Uint8Array(0);
  const file = Deno.openSync(path, { read: true });
  try {
    const buf = new Uint8Array(length);
    file.seekSync(pos, Deno.SeekMode.Start);
    let done = 0;
    while (done < length) {
      const n = file.readSync(buf.subarray(done));
      if (n === null || n === 0) break;
      done += n;
    }
    return buf.subarray(0, done);
  } finally {
    file.close();
  }
}

function writeRange(path: string, pos: number, data: Uint8Array): void {
  const file = Deno.openSync(path, { write: true });
  try {
    file.seekSync(pos, Deno.SeekMode.Start);
    let done = 0;
    while (done < data.length) done += file.writeSync(data.subarray(done));
  } finally {
    file.close();
  }
}

/** Whether [pos, end) is covered by the union of `ranges`. */
function covered(pos: number, end: number, ranges: [number, number][]): boolean {
  const sorted = ranges.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let at = pos;
  for (const [a, b] of sorted) {
    if (a > at) break;
    if (b > at) at = b;
    if (at >= end) return true;
  }
  return at >= end;
}

/** The fault layer. One instance per simulated "boot". */
export class FaultFileSystem implements LogFileSystem {
  /** When set, writes fail with ENOSPC after writing `partialBytes` (default 0) of the data. */
  failWrites: { partialBytes?: number } | null = null;
  /** When set, fsyncs fail with EIO; `times` failures, then it clears itself (default: until cleared). */
  failSyncs: { times?: number } | null = null;
  /**
   * When set, the power fails just before the operation with this index
   * (0-based, counting every write, truncate, fsync, create, rename and
   * remove from now): {@linkcode FaultFileSystem.powerLoss} runs and the
   * operation throws. Walking it over 0, 1, 2, ... crashes a procedure at
   * every step.
   */
  crashBefore: number | null = null;
  /** How the `crashBefore` power cut treats unsynced writes (default: all dropped). */
  crashOptions: PowerLossOptions = {};
  /** What the power cut did, once it happened. */
  lastPowerLoss: PowerLossReport | null = null;
  #ops = 0;
  readonly #inner: LogFileSystem;
  readonly #files = new Map<string, FileState>();
  #dead = false;
  readonly #stats: FaultStats = { writes: 0, syncs: 0, writeFailures: 0, syncFailures: 0 };

  /** Wraps `inner` (default: the real file system). */
  constructor(inner: LogFileSystem = denoFileSystem) {
    this.#inner = inner;
  }

  /** Counters of writes, fsyncs and injected failures. */
  get stats(): FaultStats {
    return { ...this.#stats };
  }

  /** Bytes written to `path` and not yet durable (pending or lost after EIO). */
  unsyncedBytes(path: string): number {
    const state = this.#files.get(path);
    if (state === undefined) return 0;
    let n = 0;
    for (const c of [...state.pending, ...state.lost]) n += c.data?.length ?? 0;
    return n;
  }

  #alive(what: string): void {
    if (this.#dead) {
      throw new InjectedIoError("EDEAD", `Cannot ${what}: the machine lost power`);
    }
  }

  /** Whether the power failed (by {@linkcode FaultFileSystem.powerLoss} or `crashBefore`). */
  get dead(): boolean {
    return this.#dead;
  }

  /** Counts a mutating operation; cuts the power when `crashBefore` is reached. */
  #step(what: string): void {
    this.#alive(what);
    if (this.crashBefore !== null && this.#ops++ >= this.crashBefore) {
      this.powerLoss(this.crashOptions);
      this.#alive(what);
    }
  }

  #state(path: string): FileState {
    let state = this.#files.get(path);
    if (state === undefined) this.#files.set(path, state = { pending: [], lost: [] });
    return state;
  }

  /** @internal Records a write and applies it. */
  write(path: string, inner: LogFile, data: Uint8Array, pos: number): void {
    this.#step(`write "${path}"`);
    let payload = data;
    let failure: InjectedIoError | null = null;
    if (this.failWrites !== null) {
      this.#stats.writeFailures++;
      payload = data.subarray(0, Math.min(data.length, this.failWrites.partialBytes ?? 0));
      failure = new InjectedIoError(
        "ENOSPC",
        `No space left on device (os error 28) writing "${path}"`,
      );
    }
    if (payload.length > 0) {
      const oldSize = inner.size();
      const old = readRange(path, pos, Math.min(payload.length, Math.max(0, oldSize - pos)));
      inner.writeAt(payload, pos);
      this.#state(path).pending.push({ pos, data: payload.slice(), oldSize, old });
      this.#stats.writes++;
    }
    if (failure !== null) throw failure;
  }

  /** @internal Records a truncate and applies it. */
  truncate(path: string, inner: LogFile, length: number): void {
    this.#step(`truncate "${path}"`);
    const oldSize = inner.size();
    const old = readRange(path, length, oldSize - length);
    inner.truncate(length);
    this.#state(path).pending.push({ pos: length, data: null, oldSize, old });
  }

  #checkSync(path: string): void {
    this.#step(`fsync "${path}"`);
    const fail = this.failSyncs;
    if (fail === null) return;
    this.#stats.syncFailures++;
    if (fail.times !== undefined && --fail.times <= 0) this.failSyncs = null;
    const state = this.#files.get(path);
    if (state !== undefined) {
      // Writeback failed: the pages are marked clean, the data never reaches the disk.
      state.lost.push(...state.pending);
      state.pending = [];
    }
    throw new InjectedIoError("EIO", `Input/output error (os error 5) syncing "${path}"`);
  }

  /** Marks the first `count` pending changes of `path` durable (those an fsync covered). */
  #synced(path: string, count: number): void {
    this.#stats.syncs++;
    const state = this.#files.get(path);
    if (state === undefined) return;
    const done = state.pending.splice(0, count);
    const rewritten: [number, number][] = done
      .filter((c) => c.data !== null)
      .map((c) => [c.pos, c.pos + c.data!.length]);
    // Lost writes whose bytes were written again and now fsynced are saved.
    state.lost = state.lost.filter((c) =>
      c.data === null || !covered(c.pos, c.pos + c.data.length, rewritten)
    );
  }

  /** @internal fsync of `path`. */
  sync(path: string, inner: LogFile): void {
    this.#checkSync(path);
    const count = this.#files.get(path)?.pending.length ?? 0;
    inner.sync();
    this.#synced(path, count);
  }

  /** @internal Asynchronous fsync of `path`. */
  async syncAsync(path: string, inner: LogFile): Promise<void> {
    this.#checkSync(path);
    // Only what was written before the fsync started is covered by it.
    const count = this.#files.get(path)?.pending.length ?? 0;
    await inner.syncAsync();
    this.#synced(path, count);
  }

  /**
   * Simulates a power cut: rolls every file back to what was fsynced (see
   * the module doc), then refuses every later call.
   *
   * @param options Seeded randomness for torn writes.
   * @returns What was dropped.
   */
  powerLoss(options: PowerLossOptions = {}): PowerLossReport {
    this.#alive("power off");
    this.#dead = true;
    const report: PowerLossReport = {
      files: 0,
      droppedChanges: 0,
      droppedBytes: 0,
      lostAfterEio: 0,
    };
    for (const [path, state] of this.#files) {
      if (state.pending.length === 0 && state.lost.length === 0) continue;
      let size: number;
      try {
        size = Deno.statSync(path).size;
      } catch {
        continue; // removed since (removal is durable)
      }
      report.files++;
      // Undo newest first: pending changes, then the writes lost to EIO.
      for (const c of state.pending.toReversed()) {
        if (c.data === null) {
          writeRange(path, c.pos, c.old);
        } else {
          if (c.old.length > 0) writeRange(path, c.pos, c.old);
          report.droppedBytes += c.data.length;
        }
        Deno.truncateSync(path, c.oldSize);
        size = c.oldSize;
      }
      for (const c of state.lost.toReversed()) {
        if (c.data === null) continue;
        // The file's size is durable; the lost range reads back as the old bytes or zeros.
        const end = Math.min(size, c.pos + c.data.length);
        if (end <= c.pos) continue;
        const back = new Uint8Array(end - c.pos);
        back.set(c.old.subarray(0, back.length));
        writeRange(path, c.pos, back);
        report.lostAfterEio++;
      }
      report.droppedChanges += state.pending.length;
      // Replay a seeded prefix of the pending changes; tear the next write.
      const random = options.random;
      if (random !== undefined && state.pending.length > 0) {
        const keep = Math.floor(random() * (state.pending.length + 1));
        for (let i = 0; i < keep; i++) {
          const c = state.pending[i]!;
          if (c.data === null) Deno.truncateSync(path, c.pos);
          else writeRange(path, c.pos, c.data);
          report.droppedBytes -= c.data?.length ?? 0;
          report.droppedChanges--;
        }
        const torn = state.pending[keep];
        if (torn?.data) {
          const part = Math.floor(random() * torn.data.length);
          if (part > 0) {
            writeRange(path, torn.pos, torn.data.subarray(0, part));
            report.droppedBytes -= part;
          }
        }
      }
    }
    this.#files.clear();
    this.lastPowerLoss = report;
    return report;
  }

  open(path: string, options: OpenOptions = {}): LogFile {
    if (options.create || options.truncate) this.#step(`create "${path}"`);
    else this.#alive(`open "${path}"`);
    const existed = options.truncate ? this.#inner.stat(path) : null;
    if (existed !== null && existed > 0) {
      // Truncating on open is a change like any other.
      const inner = this.#inner.open(path, { create: options.create ?? false });
      try {
        this.truncate(path, inner, 0);
      } catch (e) {
        inner.close();
        throw e;
      }
      return new FaultFile(this, path, inner);
    }
    return new FaultFile(this, path, this.#inner.open(path, options));
  }

  list(dir: string): string[] {
    this.#alive(`list "${dir}"`);
    return this.#inner.list(dir);
  }

  rename(from: string, to: string): void {
    this.#step(`rename "${from}"`);
    this.#inner.rename(from, to);
    const state = this.#files.get(from);
    this.#files.delete(from);
    this.#files.delete(to);
    if (state !== undefined) this.#files.set(to, state);
  }

  remove(path: string): void {
    this.#step(`remove "${path}"`);
    this.#inner.remove(path);
    this.#files.delete(path);
  }

  stat(path: string): number | null {
    this.#alive(`stat "${path}"`);
    return this.#inner.stat(path);
  }

  mkdir(dir: string): void {
    this.#alive(`mkdir "${dir}"`);
    this.#inner.mkdir(dir);
  }

  syncDir(dir: string): void {
    this.#step(`fsync "${dir}"`);
    this.#inner.syncDir(dir);
  }

  removeDir(dir: string): void {
    this.#step(`remove "${dir}"`);
    this.#inner.removeDir(dir);
    for (const path of [...this.#files.keys()]) {
      if (path.startsWith(`${dir}/`)) this.#files.delete(path);
    }
  }
}

class FaultFile implements LogFile {
  readonly #fs: FaultFileSystem;
  readonly #path: string;
  readonly #inner: LogFile;

  constructor(fs: FaultFileSystem, path: string, inner: LogFile) {
    this.#fs = fs;
    this.#path = path;
    this.#inner = inner;
  }

  size(): number {
    return this.#inner.size();
  }

  readAt(buf: Uint8Array, position: number): number {
    return this.#inner.readAt(buf, position);
  }

  writeAt(data: Uint8Array, position: number): void {
    this.#fs.write(this.#path, this.#inner, data, position);
  }

  truncate(length: number): void {
    this.#fs.truncate(this.#path, this.#inner, length);
  }

  sync(): void {
    this.#fs.sync(this.#path, this.#inner);
  }

  syncAsync(): Promise<void> {
    try {
      return this.#fs.syncAsync(this.#path, this.#inner);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  close(): void {
    this.#inner.close(); // closing works even after the power loss: it frees our handle
  }
}
