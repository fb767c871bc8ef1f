/**
 * {@linkcode EntryBuffer}: the growable, fixed-size-entry byte array behind
 * the in-memory offset and time indexes (what Kafka's AbstractIndex shares
 * between OffsetIndex and TimeIndex). Private to the log.
 *
 * @module
 */

/** Fixed-size entries in one growable buffer; `count` entries are valid. */
export class EntryBuffer {
  /** Bytes per entry. */
  readonly entrySize: number;
  /** Valid entries; lowering it drops entries from the end. */
  count = 0;
  #bytes: Uint8Array;
  #view: DataView;

  /** An empty buffer with room for 64 entries. */
  constructor(entrySize: number) {
    this.entrySize = entrySize;
    this.#bytes = new Uint8Array(64 * entrySize);
    this.#view = new DataView(this.#bytes.buffer);
  }

  /** A view over the whole buffer (re-read it after `push`, which may grow the buffer). */
  get view(): DataView {
    return this.#view;
  }

  /** The valid entries' bytes (a view; valid until the next change). */
  get bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.count * this.entrySize);
  }

  /** Makes room for one more entry, counts it, and returns its byte position for the caller to fill. */
  push(): number {
    const at = this.count * this.entrySize;
    if (at + this.entrySize > this.#bytes.length) {
      const grown = new Uint8Array(this.#bytes.length * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.count++;
    return at;
  }
}
