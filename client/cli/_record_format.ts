/**
 * How `consume` prints a record: decoding a value's bytes for display, the
 * JSON-lines shape and kcat-style `--format` strings.
 *
 * @module
 */
import { UsageError } from "./_usage_error.ts";

/** A consumed record ready for output. */
export interface CliRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  /** The value as JSON when its bytes are JSON, else the UTF-8 text; null for a tombstone. */
  value: unknown;
  headers: Record<string, string>;
}

const fromUtf8 = new TextDecoder();

/**
 * Decodes a value for display: JSON when the bytes parse as JSON, else the
 * UTF-8 text (records written by non-Weir clients may hold any bytes).
 *
 * @param bytes The value bytes, or null for a tombstone.
 * @returns The decoded value.
 */
export function decodeValue(bytes: Uint8Array | null): unknown {
  if (bytes === null) return null;
  const text = fromUtf8.decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Text of a value for `%s`: strings as they are, null as empty, anything else as JSON. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "0": "\0" };

/** One piece of a compiled format: literal text or a field. */
type Piece = { text: string } | { field: string };

const FIELDS = new Set(["t", "p", "o", "k", "s", "T", "h", "K", "S"]);

/**
 * Compiles a kcat-style format string. Fields: `%t` topic, `%p` partition,
 * `%o` offset, `%k` key, `%s` value, `%T` timestamp (ms), `%h` headers
 * (`k=v,k=v`), `%K` key length, `%S` value length (UTF-8 bytes), `%%` a
 * percent sign; escapes `\n`, `\t`, `\r`, `\\`, `\0`.
 *
 * @param format The format, e.g. `'%t %p %o %k %s\n'`.
 * @returns A function that renders one record.
 * @throws {UsageError} On an unknown `%` field or escape.
 *
 * @example Topic, offset and value
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { compileFormat } from "./_record_format.ts";
 *
 * const render = compileFormat("%t@%o %s\\n");
 * const record = {
 *   topic: "orders", partition: 0, offset: 7, timestamp: 0, key: null,
 *   value: { id: 1 }, headers: {},
 * };
 * assertEquals(render(record), 'orders@7 {"id":1}\n');
 * ```
 */
export function compileFormat(format: string): (record: CliRecord) => string {
  const pieces: Piece[] = [];
  let text = "";
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    const next = format[i + 1];
    if (c === "\\" && next !== undefined && ESCAPES[next] !== undefined) {
      text += ESCAPES[next];
      i++;
    } else if (c === "%") {
      if (next === "%") {
        text += "%";
      } else if (next !== undefined && FIELDS.has(next)) {
        if (text !== "") pieces.push({ text });
        text = "";
        pieces.push({ field: next });
      } else {
        throw new UsageError(
          `Cannot use the format ${JSON.stringify(format)}: unknown field ${
            JSON.stringify(`%${next ?? ""}`)
          } (use %t %p %o %k %s %T %h %K %S %%)`,
        );
      }
      i++;
    } else {
      text += c;
    }
  }
  if (text !== "") pieces.push({ text });
  return (record) => pieces.map((p) => "text" in p ? p.text : field(record, p.field)).join("");
}

const utf8 = new TextEncoder();

function field(record: CliRecord, name: string): string {
  switch (name) {
    case "t":
      return record.topic;
    case "p":
      return String(record.partition);
    case "o":
      return String(record.offset);
    case "k":
      return record.key ?? "";
    case "s":
      return valueText(record.value);
    case "T":
      return String(record.timestamp);
    case "h":
      return Object.entries(record.headers).map(([k, v]) => `${k}=${v}`).join(",");
    case "K":
      return String(record.key === null ? -1 : utf8.encode(record.key).length);
    default:
      return String(record.value === null ? -1 : utf8.encode(valueText(record.value)).length);
  }
}
