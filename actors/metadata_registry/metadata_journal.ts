/**
 * The registry's durable journal, in the spirit of KRaft's
 * `__cluster_metadata`: one Kafka-format log file
 * (`<dir>/00000000000000000000.log`) where every metadata change is one
 * RecordBatch v2 with one record whose value is the change as UTF-8 JSON.
 *
 * Format and checksums: each batch carries Kafka's CRC-32C over attributes..end.
 * Writes: an append is one `write` of a whole batch followed by `fdatasync`
 * before the change is applied or answered, so an acknowledged change is on
 * disk. Crash: a torn or corrupt tail (partial batch, bad CRC) is cut off at
 * the last valid batch on open; everything before it is replayed. The file is
 * small (topic and config changes only), so it is never rolled or compacted.
 *
 * @module
 */
import {
  decodeRecords,
  encodeRecordBatch,
  iterateBatches,
  validateBatch,
  WeirError,
} from "../../client/protocol/mod.ts";
import { getLogger } from "../runtime/mod.ts";
import type { MetadataRecord } from "./metadata_state.ts";

const FILE_NAME = "00000000000000000000.log";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What opening the journal found. */
export interface JournalOpenResult {
  /** The journal, positioned at its end. */
  journal: MetadataJournal;
  /** Every record, in order. */
  records: MetadataRecord[];
  /** Bytes cut from a torn or corrupt tail (0 after a clean shutdown). */
  truncatedBytes: number;
}

/** Append-only, fsynced log of metadata records. */
export class MetadataJournal implements Disposable {
  #file: Deno.FsFile | null;
  #nextOffset: number;
  #clock: () => number;

  private constructor(file: Deno.FsFile, nextOffset: number, clock: () => number) {
    this.#file = file;
    this.#nextOffset = nextOffset;
    this.#clock = clock;
  }

  /**
   * Opens (or creates) the journal in `dir`, replays it and cuts a bad tail.
   *
   * @param dir The registry's directory.
   * @param options `now` supplies record timestamps.
   */
  static open(dir: string, options: { now: () => number }): JournalOpenResult {
    Deno.mkdirSync(dir, { recursive: true });
    const path = `${dir}/${FILE_NAME}`;
    const file = Deno.openSync(path, { read: true, write: true, create: true });
    const bytes = Deno.readFileSync(path);
    const records: MetadataRecord[] = [];
    let valid = 0;
    let nextOffset = 0;
    for (const { pos, size } of iterateBatches(bytes)) {
      try {
        const header = validateBatch(bytes, pos);
        for (const record of decodeRecords(bytes, pos)) {
          if (record.value === null) continue;
          records.push(JSON.parse(decoder.decode(record.value)) as MetadataRecord);
        }
        nextOffset = header.baseOffset + header.lastOffsetDelta + 1;
        valid = pos + size;
      } catch {
        break;
      }
    }
    const truncatedBytes = bytes.length - valid;
    if (truncatedBytes > 0) {
      getLogger(["weir", "registry"]).warn(
        "Cut {bytes} bytes of torn or corrupt tail from the metadata log {path}",
        { bytes: truncatedBytes, path },
      );
      file.truncateSync(valid);
      file.syncSync();
    }
    file.seekSync(valid, Deno.SeekMode.Start);
    return { journal: new MetadataJournal(file, nextOffset, options.now), records, truncatedBytes };
  }

  /** Appends one record and fsyncs it; returns once it is durable. */
  append(record: MetadataRecord): void {
    if (this.#file === null) {
      throw new WeirError("KAFKA_STORAGE_ERROR", "Cannot append to the metadata log: it is closed");
    }
    const batch = encodeRecordBatch(
      [{ key: null, value: encoder.encode(JSON.stringify(record)) }],
      { baseOffset: this.#nextOffset, now: this.#clock() },
    );
    let written = 0;
    while (written < batch.length) written += this.#file.writeSync(batch.subarray(written));
    this.#file.syncDataSync();
    this.#nextOffset += 1;
  }

  /** Closes the file; calling it twice is harmless. */
  close(): void {
    this.#file?.close();
    this.#file = null;
  }

  /** Same as {@linkcode MetadataJournal.close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
