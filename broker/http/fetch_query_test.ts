import { assertEquals, assertThrows } from "@std/assert";
import { WeirError } from "../../client/protocol/mod.ts";
import { parseFetchQuery, parseIntParam, parseOffsetParam } from "./fetch_query.ts";
import { parseAcksParam } from "./acks_param.ts";
import { parsePartitionParam, parseTopicParam } from "./path_params.ts";

function code(fn: () => unknown): string {
  return assertThrows(fn, WeirError).code;
}

Deno.test("`parseFetchQuery()` applies API.md defaults", () => {
  assertEquals(parseFetchQuery({}), {
    offset: "earliest",
    maxRecords: 10_000,
    maxBytes: 4 * 1024 * 1024,
    waitMs: 0,
    format: "json",
  });
  assertEquals(
    parseFetchQuery({ offset: "17", maxRecords: "100000", waitMs: "30000", format: "binary" }),
    {
      offset: 17,
      maxRecords: 100_000,
      maxBytes: 4 * 1024 * 1024,
      waitMs: 30_000,
      format: "binary",
    },
  );
});

Deno.test("`parseFetchQuery()` rejects signs, fractions, exponents and out-of-range values", () => {
  const bad: Record<string, string>[] = [
    { offset: "-1" },
    { offset: "1e3" },
    { offset: "NaN" },
    { offset: "01" },
    { offset: "+1" },
    { offset: "9007199254740993" },
    { maxRecords: "0" },
    { maxRecords: "100001" },
    { maxBytes: "67108865" },
    { waitMs: "30001" },
    { waitMs: "" },
    { format: "JSON" },
  ];
  for (const q of bad) {
    assertEquals(code(() => parseFetchQuery(q)), "INVALID_REQUEST", JSON.stringify(q));
  }
  assertEquals(parseOffsetParam("latest"), "latest");
  assertEquals(parseIntParam("x", "0", { min: 0, max: 1, default: 1 }), 0);
});

Deno.test("`parseAcksParam()` accepts 0, 1, all, -1 only", () => {
  assertEquals(["0", "1", "all", "-1", undefined].map(parseAcksParam), [0, 1, -1, -1, -1]);
  for (const raw of ["2", "ALL", "", "1.0"]) {
    assertEquals(code(() => parseAcksParam(raw)), "INVALID_REQUEST");
  }
});

Deno.test("`parsePartitionParam()` and `parseTopicParam()` reject malformed path values", () => {
  assertEquals(parsePartitionParam("0"), 0);
  assertEquals(parsePartitionParam("2147483647"), 2147483647);
  for (const raw of ["-1", "01", "2147483648", "1e2", " 1", "", undefined]) {
    assertEquals(code(() => parsePartitionParam(raw)), "INVALID_REQUEST", String(raw));
  }
  assertEquals(parseTopicParam("orders.v1"), "orders.v1");
  for (const raw of ["..", ".", "a/b", "a\u0000", "ü", "x".repeat(250), undefined]) {
    assertEquals(code(() => parseTopicParam(raw)), "INVALID_TOPIC_EXCEPTION", String(raw));
  }
});
