import { assertEquals, assertThrows } from "@std/assert";
import { type CliRecord, compileFormat, decodeValue, valueText } from "./_record_format.ts";
import { formatTable } from "./_table.ts";
import { readLines } from "./_lines.ts";
import { UsageError } from "./_usage_error.ts";

const utf8 = new TextEncoder();

const RECORD: CliRecord = {
  topic: "orders",
  partition: 2,
  offset: 41,
  timestamp: 1_700_000_000_000,
  key: "k€",
  value: { id: 7 },
  headers: { a: "1", b: "x" },
};

Deno.test("`compileFormat()` renders every kcat field and escape", () => {
  const render = compileFormat("%t|%p|%o|%k|%s|%T|%h|%K|%S|100%%\\t\\\\\\n");
  assertEquals(
    render(RECORD),
    'orders|2|41|k€|{"id":7}|1700000000000|a=1,b=x|4|8|100%\t\\\n',
  );
  assertEquals(compileFormat("%k:%s")({ ...RECORD, key: null, value: null }), ":");
  assertEquals(compileFormat("%K %S")({ ...RECORD, key: null, value: null }), "-1 -1");
  assertEquals(compileFormat("plain")(RECORD), "plain");
  assertEquals(compileFormat("\\q")(RECORD), "\\q");
});

Deno.test("`compileFormat()` rejects an unknown or dangling % field", () => {
  assertThrows(() => compileFormat("%q"), UsageError, 'unknown field "%q"');
  assertThrows(() => compileFormat("end %"), UsageError, 'unknown field "%"');
});

Deno.test("`decodeValue()` returns JSON when the bytes are JSON, else text, and null as null", () => {
  assertEquals(decodeValue(utf8.encode('{"a":[1]}')), { a: [1] });
  assertEquals(decodeValue(utf8.encode('"s"')), "s");
  assertEquals(decodeValue(utf8.encode("not json")), "not json");
  assertEquals(decodeValue(new Uint8Array()), "");
  assertEquals(decodeValue(null), null);
  assertEquals(valueText("s"), "s");
  assertEquals(valueText(42), "42");
  assertEquals(valueText(null), "");
});

Deno.test("`formatTable()` pads columns and trims the last one", () => {
  assertEquals(
    formatTable(["A", "LONG HEADER", "C"], [["xyz", 1, ""], ["", 22, "end"]]),
    "A    LONG HEADER  C\nxyz  1\n     22           end\n",
  );
  assertEquals(formatTable(["ONLY"], []), "ONLY\n");
});

Deno.test("`readLines()` splits across chunks, strips CR and keeps a last unterminated line", async () => {
  const chunks = ["a\r", "\nb", "c\n\n", "€", "d"].map((s) => utf8.encode(s));
  assertEquals(await Array.fromAsync(readLines(ReadableStream.from(chunks))), [
    "a",
    "bc",
    "",
    "€d",
  ]);
  assertEquals(await Array.fromAsync(readLines(ReadableStream.from<Uint8Array>([]))), []);
});
