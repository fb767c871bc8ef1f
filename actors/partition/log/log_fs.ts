/**
 * The file operations the log needs, behind one small interface so a test
 * (or a later fault-injection layer) can replace them: drop unsynced writes
 * at a simulated power loss, fail with ENOSPC or EIO.
 *
 * The real implementation uses Deno's synchronous file API: the log is owned
 * by one actor that handles one message at a time, so blocking calls are
 * fast and simple. Only {@linkcode LogFile.syncAsync} is asynchronous, so a
 * group-commit fsync runs off the actor's thread while appends continue.
 *
 * @module
 */

/** An open file. Positions are absolute byte offsets. */
export interface LogFile {
  /** Current size in bytes. */
  size(): number;
  /** Reads up to `buf.length` bytes at `position`; returns how many were read (short at EOF). */
  readAt(buf: Uint8Array, position: number): number;
  /** Writes all of `data` at `position`. */
  writeAt(data: Uint8Array, position: number): void;
  /** Cuts (or extends) the file to `length` bytes. */
  truncate(length: number): void;
  /** fdatasync. */
  sync(): void;
  /** fdatasync off the calling thread. */
  syncAsync(): Promise<void>;
  /** Closes the file; idempotent. */
  close(): void;
}

/** Options of {@linkcode LogFileSystem.open}. */
export interface OpenOptions {
  /** Create the file when missing (default false). */
  create?: boolean;
  /** Cut an existing file to zero (default false). */
  truncate?: boolean;
}

/** The directory-level operations of the log. */
export interface LogFileSystem {
  /** Opens a file for reading and writing; throws `Deno.errors.NotFound` when missing. */
  open(path: string, options?: OpenOptions): LogFile;
  /** Bare names of the entries of `dir`. */
  list(dir: string): string[];
  /** Atomically renames (replacing `to` if it exists). */
  rename(from: string, to: string): void;
  /** Removes a file; a missing file is not an error. */
  remove(path: string): void;
  /** Size of a file, or null when it does not exist. */
  stat(path: string): number | null;
  /** Creates a directory and its parents. */
  mkdir(dir: string): void;
  /** fsyncs a directory so renames and creations in it are durable. */
  syncDir(dir: string): void;
  /** Removes a directory and everything in it; missing is not an error. */
  removeDir(dir: string): void;
}

class DenoLogFile implements LogFile {
  #file: Deno.FsFile | null;
  readonly #path: string;

  constructor(file: Deno.FsFile, path: string) {
    this.#file = file;
    this.#path = path;
  }

  get #open(): Deno.FsFile {
    if (this.#file === null) throw new Error(`Cannot use file "${this.#path}": it is closed`);
    return this.#file;
  }

  size(): number {
    return this.#open.statSync().size;
  }

  readAt(buf: Uint8Array, position: number): number {
    const file = this.#open;
    file.seekSync(position, Deno.SeekMode.Start);
    let done = 0;
    while (done < buf.length) {
      const n = file.readSync(buf.subarray(done));
      if (n === null || n === 0) break;
      done += n;
    }
    return done;
  }

  writeAt(data: Uint8Array, position: number): void {
    const file = this.#open;
    file.seekSync(position, Deno.SeekMode.Start);
    let done = 0;
    while (done < data.length) done += file.writeSync(data.subarray(done));
  }

  truncate(length: number): void {
    this.#open.truncateSync(length);
  }

  sync(): void {
    this.#open.syncDataSync();
  }

  syncAsync(): Promise<void> {
    return this.#open.syncData();
  }

  close(): void {
    const file = this.#file;
    this.#file = null;
    file?.close();
  }
}

/**
 * The real file system (Deno's synchronous API).
 *
 * @example Write and read back
 * ```ts
 * import { denoFileSystem } from "./log_fs.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const dir = Deno.makeTempDirSync();
 * const file = denoFileSystem.open(`${dir}/a`, { create: true });
 * file.writeAt(new Uint8Array([1, 2, 3]), 0);
 * const back = new Uint8Array(3);
 * assertEquals(file.readAt(back, 0), 3);
 * assertEquals(back, new Uint8Array([1, 2, 3]));
 * file.close();
 * denoFileSystem.removeDir(dir);
 * ```
 */
export const denoFileSystem: LogFileSystem = {
  open(path: string, options: OpenOptions = {}): LogFile {
    const file = Deno.openSync(path, {
      read: true,
      write: true,
      create: options.create ?? false,
      truncate: options.truncate ?? false,
    });
    return new DenoLogFile(file, path);
  },
  list(dir: string): string[] {
    const names: string[] = [];
    for (const entry of Deno.readDirSync(dir)) names.push(entry.name);
    return names;
  },
  rename(from: string, to: string): void {
    Deno.renameSync(from, to);
  },
  remove(path: string): void {
    try {
      Deno.removeSync(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  },
  stat(path: string): number | null {
    try {
      return Deno.statSync(path).size;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
  },
  mkdir(dir: string): void {
    Deno.mkdirSync(dir, { recursive: true });
  },
  syncDir(dir: string): void {
    const file = Deno.openSync(dir, { read: true });
    try {
      file.syncSync();
    } finally {
      file.close();
    }
  },
  removeDir(dir: string): void {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  },
};
