import { assertEquals } from "@std/assert";
import { offsetToName, parseSegmentFileName, segmentPath } from "./log_files.ts";

Deno.test("`segmentPath()` pads base offsets to 20 digits", () => {
  assertEquals(segmentPath("/d", 123, { suffix: ".index" }), "/d/00000000000000000123.index");
  assertEquals(
    segmentPath("/d", 0, { suffix: ".log", state: ".swap" }),
    "/d/00000000000000000000.log.swap",
  );
  assertEquals(offsetToName(9007199254740991), "00009007199254740991");
});

Deno.test("`parseSegmentFileName()` parses every suffix and ignores other files", () => {
  assertEquals(parseSegmentFileName("00000000000000000042.timeindex.cleaned"), {
    baseOffset: 42,
    kind: ".timeindex",
    state: ".cleaned",
  });
  assertEquals(parseSegmentFileName("00000000000000000042.log")?.state, "");
  assertEquals(parseSegmentFileName("recovery-point.checkpoint"), null);
  assertEquals(parseSegmentFileName("42.log"), null);
  assertEquals(parseSegmentFileName("00000000000000000042.log.bak"), null);
});
