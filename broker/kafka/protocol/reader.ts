/**
 * {@linkcode KafkaReader}: reads Kafka protocol primitives from a request
 * body, big-endian, as the message JSON schemas of apache/kafka define them
 * (`clients/src/main/resources/common/message/`): fixed-width integers,
 * unsigned and zig-zag varints, strings, bytes and arrays in their classic
 * (int16/int32 length) and compact (unsigned varint length + 1) forms, UUIDs,
 * and tagged-field sections (skipped).
 *
 * 64-bit integers are returned as JS numbers; values outside the safe-integer
 * range are rejected. Every read is bounds-checked: truncated or lying input
 * throws `WeirError("INVALID_REQUEST")` and never reads past the body.
 *
 * @module
 */
import { WeirError } from "../../../client/protocol/mod.ts";

const TEXT = new TextDecoder("utf-8", { fatal: true });

/** Most elements an array may claim (guards against lying counts before allocating). */
const MAX_ARRAY_LENGTH = 1 << 24;

/**
 * Reads Kafka protocol primitives from one buffer, advancing a position.
 *
 * @example Read a STRING and a compact array
 * ```ts
 * import { KafkaReader } from "./reader.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const r = new KafkaReader(new Uint8Array([0, 2, 0x68, 0x69, 3, 1, 2]));
 * assertEquals(r.string(), "hi");
 * assertEquals(r.array(true, (r) => r.int8()), [1, 2]);
 * assertEquals(r.remaining, 0);
 * ```
 */
export class KafkaReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #pos: number;

  /**
   * Creates a reader over `bytes` (not copied).
   *
   * @param bytes The body to read.
   */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#pos = 0;
  }

  /** Next byte to read. */
  get offset(): number {
    return this.#pos;
  }

  /** Bytes left after the position. */
  get remaining(): number {
    return this.#bytes.byteLength - this.#pos;
  }

  #need(n: number, what: string): number {
    if (n < 0 || this.#pos + n > this.#bytes.byteLength) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot read ${what}: needs ${n} bytes at offset ${this.#pos}, ${this.remaining} left`,
      );
    }
    const at = this.#pos;
    this.#pos += n;
    return at;
  }

  /** Reads an int8. */
  int8(): number {
    return this.#view.getInt8(this.#need(1, "an int8"));
  }

  /** Reads a boolean (one byte, non-zero = true). */
  boolean(): boolean {
    return this.#view.getInt8(this.#need(1, "a boolean")) !== 0;
  }

  /** Reads an int16. */
  int16(): number {
    return this.#view.getInt16(this.#need(2, "an int16"));
  }

  /** Reads a uint16. */
  uint16(): number {
    return this.#view.getUint16(this.#need(2, "a uint16"));
  }

  /** Reads an int32. */
  int32(): number {
    return this.#view.getInt32(this.#need(4, "an int32"));
  }

  /** Reads a uint32. */
  uint32(): number {
    return this.#view.getUint32(this.#need(4, "a uint32"));
  }

  /**
   * Reads an int64 as a number.
   *
   * @throws {WeirError} `INVALID_REQUEST` outside the safe-integer range.
   */
  int64(): number {
    const at = this.#need(8, "an int64");
    const hi = this.#view.getInt32(at);
    const lo = this.#view.getUint32(at + 4);
    const n = hi * 0x1_0000_0000 + lo;
    if (!Number.isSafeInteger(n)) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot read an int64 at offset ${at}: value is outside the safe-integer range`,
      );
    }
    return n;
  }

  /** Reads a float64. */
  float64(): number {
    return this.#view.getFloat64(this.#need(8, "a float64"));
  }

  /** Reads an unsigned varint (uint32, at most 5 bytes). */
  uvarint(): number {
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.#bytes[this.#need(1, "an unsigned varint")]!;
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) {
        if (result > 0xffff_ffff) break;
        return result;
      }
    }
    throw new WeirError(
      "INVALID_REQUEST",
      `Cannot read an unsigned varint at offset ${this.#pos}: longer than 5 bytes`,
    );
  }

  /** Reads a zig-zag varint (int32). */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Reads a zig-zag varlong (int64, safe-integer range). */
  varlong(): number {
    let result = 0n;
    for (let i = 0n; i < 10n; i++) {
      const b = this.#bytes[this.#need(1, "a varlong")]!;
      result |= BigInt(b & 0x7f) << (7n * i);
      if ((b & 0x80) === 0) {
        const n = Number((result >> 1n) ^ -(result & 1n));
        if (!Number.isSafeInteger(n)) break;
        return n;
      }
    }
    throw new WeirError(
      "INVALID_REQUEST",
      `Cannot read a varlong at offset ${this.#pos}: too long or outside the safe-integer range`,
    );
  }

  /** Reads a 16-byte UUID as 32 lower-case hex digits. */
  uuid(): string {
    const at = this.#need(16, "a UUID");
    let s = "";
    for (let i = at; i < at + 16; i++) s += this.#bytes[i]!.toString(16).padStart(2, "0");
    return s;
  }

  #text(length: number, what: string): string {
    const at = this.#need(length, what);
    try {
      return TEXT.decode(this.#bytes.subarray(at, at + length));
    } catch (e) {
      throw new WeirError("INVALID_REQUEST", `Cannot read ${what}: not valid UTF-8`, { cause: e });
    }
  }

  /** Reads a STRING (int16 length, never null). */
  string(): string {
    const n = this.int16();
    if (n < 0) {
      throw new WeirError("INVALID_REQUEST", `Cannot read a string: length ${n} is negative`);
    }
    return this.#text(n, "a string");
  }

  /** Reads a NULLABLE_STRING (int16 length, -1 = null). */
  nullableString(): string | null {
    const n = this.int16();
    if (n === -1) return null;
    if (n < 0) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot read a nullable string: length ${n} is invalid`,
      );
    }
    return this.#text(n, "a nullable string");
  }

  /** Reads a COMPACT_STRING (unsigned varint length + 1, never null). */
  compactString(): string {
    const n = this.uvarint();
    if (n === 0) {
      throw new WeirError("INVALID_REQUEST", "Cannot read a compact string: it is null");
    }
    return this.#text(n - 1, "a compact string");
  }

  /** Reads a COMPACT_NULLABLE_STRING (0 = null). */
  compactNullableString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.#text(n - 1, "a compact nullable string");
  }

  /** Reads a string in the classic or compact form. */
  str(flexible: boolean): string {
    return flexible ? this.compactString() : this.string();
  }

  /** Reads a nullable string in the classic or compact form. */
  nullableStr(flexible: boolean): string | null {
    return flexible ? this.compactNullableString() : this.nullableString();
  }

  /** Reads `n` raw bytes (a view, not a copy). */
  raw(n: number): Uint8Array {
    const at = this.#need(n, `${n} raw bytes`);
    return this.#bytes.subarray(at, at + n);
  }

  /** Reads BYTES (int32 length, never null); a view, not a copy. */
  bytes(): Uint8Array {
    const n = this.int32();
    if (n < 0) {
      throw new WeirError("INVALID_REQUEST", `Cannot read bytes: length ${n} is negative`);
    }
    return this.raw(n);
  }

  /** Reads NULLABLE_BYTES (int32 length, -1 = null); a view, not a copy. */
  nullableBytes(): Uint8Array | null {
    const n = this.int32();
    if (n === -1) return null;
    if (n < 0) {
      throw new WeirError("INVALID_REQUEST", `Cannot read nullable bytes: length ${n} is invalid`);
    }
    return this.raw(n);
  }

  /** Reads COMPACT_BYTES (unsigned varint length + 1). */
  compactBytes(): Uint8Array {
    const n = this.uvarint();
    if (n === 0) throw new WeirError("INVALID_REQUEST", "Cannot read compact bytes: they are null");
    return this.raw(n - 1);
  }

  /** Reads COMPACT_NULLABLE_BYTES (0 = null). */
  compactNullableBytes(): Uint8Array | null {
    const n = this.uvarint();
    return n === 0 ? null : this.raw(n - 1);
  }

  /** Reads nullable bytes (RECORDS fields too) in the classic or compact form. */
  nullableBlob(flexible: boolean): Uint8Array | null {
    return flexible ? this.compactNullableBytes() : this.nullableBytes();
  }

  #count(n: number, what: string): number {
    // Every element takes at least one byte, so a count beyond what is left is a lie.
    if (n > MAX_ARRAY_LENGTH || n > this.remaining) {
      throw new WeirError(
        "INVALID_REQUEST",
        `Cannot read ${what}: ${n} elements claimed, ${this.remaining} bytes left`,
      );
    }
    return n;
  }

  /**
   * Reads an ARRAY (int32 count, -1 = null read as empty) or, when
   * `flexible`, a COMPACT_ARRAY (unsigned varint count + 1).
   *
   * @param flexible Compact form.
   * @param item Reads one element.
   */
  array<T>(flexible: boolean, item: (r: KafkaReader) => T): T[] {
    return this.nullableArray(flexible, item) ?? [];
  }

  /**
   * Reads a nullable array in the classic or compact form.
   *
   * @param flexible Compact form.
   * @param item Reads one element.
   * @returns The elements, or null.
   */
  nullableArray<T>(flexible: boolean, item: (r: KafkaReader) => T): T[] | null {
    let n: number;
    if (flexible) {
      const u = this.uvarint();
      if (u === 0) return null;
      n = u - 1;
    } else {
      n = this.int32();
      if (n === -1) return null;
      if (n < 0) {
        throw new WeirError("INVALID_REQUEST", `Cannot read an array: count ${n} is invalid`);
      }
    }
    this.#count(n, "an array");
    const out: T[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = item(this);
    return out;
  }

  /** Skips a tagged-field section (unsigned varint count, then tag, size, bytes). */
  skipTaggedFields(): void {
    const n = this.#count(this.uvarint(), "tagged fields");
    for (let i = 0; i < n; i++) {
      this.uvarint();
      const size = this.uvarint();
      this.#need(size, "a tagged field");
    }
  }

  /** Skips tagged fields only when `flexible`. */
  tags(flexible: boolean): void {
    if (flexible) this.skipTaggedFields();
  }
}
