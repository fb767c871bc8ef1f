/**
 * {@linkcode KafkaWriter}: writes Kafka protocol primitives into a growing
 * buffer, big-endian, in the same classic and compact forms
 * {@linkcode KafkaReader} reads. `finish()` returns the bytes written.
 *
 * @module
 */

const TEXT = new TextEncoder();

/**
 * Writes Kafka protocol primitives into a growing buffer.
 *
 * @example Write a size-prefixed frame
 * ```ts
 * import { KafkaWriter } from "./writer.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const w = new KafkaWriter().int32(0).int16(18).string("hi");
 * w.int32At(0, w.length - 4);
 * assertEquals([...w.finish()], [0, 0, 0, 6, 0, 18, 0, 2, 0x68, 0x69]);
 * ```
 */
export class KafkaWriter {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;

  /**
   * Creates a writer.
   *
   * @param initialCapacity Starting buffer size in bytes.
   */
  constructor(initialCapacity = 256) {
    this.#buf = new Uint8Array(Math.max(16, initialCapacity));
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos;
  }

  #grow(n: number): number {
    const need = this.#pos + n;
    if (need > this.#buf.byteLength) {
      let size = this.#buf.byteLength * 2;
      while (size < need) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#buf.subarray(0, this.#pos));
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    const at = this.#pos;
    this.#pos = need;
    return at;
  }

  /** Writes an int8. */
  int8(n: number): this {
    const at = this.#grow(1);
    this.#view.setInt8(at, n);
    return this;
  }

  /** Writes a boolean as one byte. */
  boolean(b: boolean): this {
    return this.int8(b ? 1 : 0);
  }

  /** Writes an int16. */
  int16(n: number): this {
    const at = this.#grow(2);
    this.#view.setInt16(at, n);
    return this;
  }

  /** Writes an int32. */
  int32(n: number): this {
    const at = this.#grow(4);
    this.#view.setInt32(at, n);
    return this;
  }

  /** Writes a uint32. */
  uint32(n: number): this {
    const at = this.#grow(4);
    this.#view.setUint32(at, n);
    return this;
  }

  /** Writes an int64 from a safe integer. */
  int64(n: number): this {
    const at = this.#grow(8);
    this.#view.setBigInt64(at, BigInt(n));
    return this;
  }

  /** Writes a float64. */
  float64(n: number): this {
    const at = this.#grow(8);
    this.#view.setFloat64(at, n);
    return this;
  }

  /** Writes an unsigned varint (uint32). */
  uvarint(n: number): this {
    let v = n >>> 0;
    while (v >= 0x80) {
      const at = this.#grow(1);
      this.#buf[at] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    const end = this.#grow(1);
    this.#buf[end] = v;
    return this;
  }

  /** Writes a zig-zag varint (int32). */
  varint(n: number): this {
    return this.uvarint(((n << 1) ^ (n >> 31)) >>> 0);
  }

  /** Writes a zig-zag varlong (int64, safe-integer range). */
  varlong(n: number): this {
    const b = BigInt(n);
    let v = b >= 0n ? b << 1n : ((-b) << 1n) - 1n;
    while (v >= 0x80n) {
      const at = this.#grow(1);
      this.#buf[at] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    const end = this.#grow(1);
    this.#buf[end] = Number(v);
    return this;
  }

  /** Writes a UUID given as 32 hex digits (dashes allowed). */
  uuid(hex: string): this {
    const digits = hex.replaceAll("-", "");
    const at = this.#grow(16);
    for (let i = 0; i < 16; i++) {
      this.#buf[at + i] = Number.parseInt(digits.slice(i * 2, i * 2 + 2), 16) || 0;
    }
    return this;
  }

  /** Writes raw bytes. */
  raw(bytes: Uint8Array): this {
    const at = this.#grow(bytes.byteLength);
    this.#buf.set(bytes, at);
    return this;
  }

  /** Writes a STRING (int16 length). */
  string(s: string): this {
    const b = TEXT.encode(s);
    return this.int16(b.byteLength).raw(b);
  }

  /** Writes a NULLABLE_STRING (-1 = null). */
  nullableString(s: string | null): this {
    return s === null ? this.int16(-1) : this.string(s);
  }

  /** Writes a COMPACT_STRING. */
  compactString(s: string): this {
    const b = TEXT.encode(s);
    return this.uvarint(b.byteLength + 1).raw(b);
  }

  /** Writes a COMPACT_NULLABLE_STRING (0 = null). */
  compactNullableString(s: string | null): this {
    return s === null ? this.uvarint(0) : this.compactString(s);
  }

  /** Writes a string in the classic or compact form. */
  str(flexible: boolean, s: string): this {
    return flexible ? this.compactString(s) : this.string(s);
  }

  /** Writes a nullable string in the classic or compact form. */
  nullableStr(flexible: boolean, s: string | null): this {
    return flexible ? this.compactNullableString(s) : this.nullableString(s);
  }

  /** Writes BYTES (int32 length). */
  bytes(b: Uint8Array): this {
    return this.int32(b.byteLength).raw(b);
  }

  /** Writes NULLABLE_BYTES (-1 = null). */
  nullableBytes(b: Uint8Array | null): this {
    return b === null ? this.int32(-1) : this.bytes(b);
  }

  /** Writes COMPACT_BYTES. */
  compactBytes(b: Uint8Array): this {
    return this.uvarint(b.byteLength + 1).raw(b);
  }

  /** Writes COMPACT_NULLABLE_BYTES (0 = null). */
  compactNullableBytes(b: Uint8Array | null): this {
    return b === null ? this.uvarint(0) : this.compactBytes(b);
  }

  /** Writes nullable bytes (RECORDS fields too) in the classic or compact form. */
  nullableBlob(flexible: boolean, b: Uint8Array | null): this {
    return flexible ? this.compactNullableBytes(b) : this.nullableBytes(b);
  }

  /**
   * Writes an ARRAY (int32 count) or, when `flexible`, a COMPACT_ARRAY.
   *
   * @param flexible Compact form.
   * @param items The elements.
   * @param item Writes one element.
   */
  array<T>(flexible: boolean, items: readonly T[], item: (w: KafkaWriter, value: T) => void): this {
    if (flexible) this.uvarint(items.length + 1);
    else this.int32(items.length);
    for (const v of items) item(this, v);
    return this;
  }

  /** Writes a nullable array (null = -1 or 0 in compact form). */
  nullableArray<T>(
    flexible: boolean,
    items: readonly T[] | null,
    item: (w: KafkaWriter, value: T) => void,
  ): this {
    if (items !== null) return this.array(flexible, items, item);
    return flexible ? this.uvarint(0) : this.int32(-1);
  }

  /** Writes an empty tagged-field section when `flexible`. */
  tags(flexible: boolean): this {
    return flexible ? this.uvarint(0) : this;
  }

  /** Overwrites an int32 at `position` (e.g. a size prefix reserved earlier). */
  int32At(position: number, n: number): this {
    this.#view.setInt32(position, n);
    return this;
  }

  /** The bytes written (a copy-free view of the internal buffer). */
  finish(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }
}
