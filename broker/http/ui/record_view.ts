/**
 * How the record browser shows bytes: pretty JSON when the bytes are UTF-8
 * JSON, plain text when they are other UTF-8, else a hex dump (offset, 16
 * bytes, printable ASCII). Pure; the browser script mirrors it for the live
 * tail. Long payloads are cut at {@linkcode MAX_SHOWN_BYTES} with a note.
 *
 * @module
 */

/** Payloads longer than this are cut for display. */
export const MAX_SHOWN_BYTES = 16 * 1024;

/** How to show bytes: `auto` picks JSON, text or hex; `hex` always dumps. */
export type ViewMode = "auto" | "hex";

/** Bytes ready to show: what they looked like and the text to print. */
export interface ShownBytes {
  /** `null` for a null key/value (a tombstone), else how `text` was made. */
  kind: "null" | "json" | "text" | "hex";
  /** The text to print (empty for `null`). */
  text: string;
  /** How many bytes were left out of `text`. */
  cut: number;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Turns a key or value into display text.
 *
 * @param bytes The payload, or null.
 * @param mode `auto` (JSON → text → hex) or `hex`.
 * @returns The kind and the text.
 *
 * @example JSON is pretty-printed, binary is dumped
 * ```ts
 * import { showBytes } from "./record_view.ts";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(showBytes(new TextEncoder().encode('{"a":1}')).text, '{\n  "a": 1\n}');
 * assertEquals(showBytes(new Uint8Array([0xff, 0x41])).kind, "hex");
 * ```
 */
export function showBytes(bytes: Uint8Array | null, mode: ViewMode = "auto"): ShownBytes {
  if (bytes === null) return { kind: "null", text: "", cut: 0 };
  const shown = bytes.byteLength > MAX_SHOWN_BYTES ? bytes.subarray(0, MAX_SHOWN_BYTES) : bytes;
  const cut = bytes.byteLength - shown.byteLength;
  if (mode === "auto") {
    const text = utf8OrNull(bytes);
    if (text !== null) {
      const json = cut === 0 ? prettyJson(text) : null;
      if (json !== null) return { kind: "json", text: json, cut: 0 };
      return { kind: "text", text: cut > 0 ? text.slice(0, MAX_SHOWN_BYTES) : text, cut };
    }
  }
  return { kind: "hex", text: hexDump(shown), cut };
}

/**
 * A classic hex dump: 8-digit offset, up to 16 bytes in hex, printable ASCII.
 *
 * @param bytes The bytes.
 * @returns One line per 16 bytes, joined by `\n` (empty for no bytes).
 */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.byteLength; at += 16) {
    const row = bytes.subarray(at, at + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "."))
      .join("");
    lines.push(`${at.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join("\n");
}

function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

function prettyJson(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return null;
  }
}
