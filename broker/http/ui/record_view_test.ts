import { assertEquals, assertStringIncludes } from "@std/assert";
import { hexDump, MAX_SHOWN_BYTES, showBytes } from "./record_view.ts";

const utf8 = new TextEncoder();

Deno.test("`showBytes()` pretty-prints UTF-8 JSON", () => {
  assertEquals(showBytes(utf8.encode('{"a":[1,"<b>"]}')), {
    kind: "json",
    text: '{\n  "a": [\n    1,\n    "<b>"\n  ]\n}',
    cut: 0,
  });
  assertEquals(showBytes(utf8.encode('"quoted"')).text, '"quoted"');
});

Deno.test("`showBytes()` shows other UTF-8 as text and null as null", () => {
  assertEquals(showBytes(utf8.encode("<script>x</script>")), {
    kind: "text",
    text: "<script>x</script>",
    cut: 0,
  });
  assertEquals(showBytes(utf8.encode("")).kind, "text");
  assertEquals(showBytes(null), { kind: "null", text: "", cut: 0 });
});

Deno.test("`showBytes()` dumps bytes that are not UTF-8, or any bytes in hex mode", () => {
  assertEquals(showBytes(new Uint8Array([0xc3, 0x28])).kind, "hex");
  const hex = showBytes(utf8.encode('{"a":1}'), "hex");
  assertEquals(hex.kind, "hex");
  assertStringIncludes(hex.text, "7b 22 61 22 3a 31 7d");
});

Deno.test("`showBytes()` cuts payloads over the display limit", () => {
  const big = utf8.encode(JSON.stringify("x".repeat(MAX_SHOWN_BYTES + 100)));
  const shown = showBytes(big);
  assertEquals(shown.kind, "text");
  assertEquals(shown.cut, big.byteLength - MAX_SHOWN_BYTES);
  assertEquals(shown.text.length, MAX_SHOWN_BYTES);
});

Deno.test("`hexDump()` writes offset, 16 bytes and printable ASCII per line", () => {
  const bytes = Uint8Array.from({ length: 18 }, (_, i) => 0x3e + i);
  assertEquals(
    hexDump(bytes),
    "00000000  3e 3f 40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d  >?@ABCDEFGHIJKLM\n" +
      "00000010  4e 4f                                            NO",
  );
  assertEquals(hexDump(new Uint8Array([0, 0x7f])), "00000000  00 7f" + " ".repeat(44) + "..");
  assertEquals(hexDump(new Uint8Array()), "");
});
