import { assertEquals } from "@std/assert";
import { BROWSE_LIMIT, parseBrowseQuery } from "./browse_query.ts";

Deno.test("`parseBrowseQuery()` defaults to the newest records of partition 0", () => {
  assertEquals(parseBrowseQuery({}, 3), {
    query: { partition: 0, from: "tail", offset: "", timestamp: "", limit: 50, view: "auto" },
    start: { kind: "tail" },
  });
});

Deno.test("`parseBrowseQuery()` reads offsets, clamps the limit and ignores bad display values", () => {
  const parsed = parseBrowseQuery(
    { partition: "2", from: "offset", offset: "17", limit: "99999", view: "hex" },
    3,
  );
  assertEquals(parsed.start, { kind: "offset", offset: 17 });
  assertEquals(parsed.query.limit, BROWSE_LIMIT.max);
  assertEquals(parsed.query.view, "hex");
  const odd = parseBrowseQuery({ partition: "9", from: "weird", limit: "0", view: "<x>" }, 3);
  assertEquals(odd.query.partition, 0);
  assertEquals(odd.query.from, "tail");
  assertEquals(odd.query.limit, 1);
  assertEquals(odd.query.view, "auto");
});

Deno.test("`parseBrowseQuery()` reads a timestamp as ms or ISO-8601", () => {
  assertEquals(parseBrowseQuery({ from: "timestamp", timestamp: "1700000000000" }, 1).start, {
    kind: "timestamp",
    timestamp: 1_700_000_000_000,
  });
  assertEquals(parseBrowseQuery({ from: "earliest" }, 1).start, { kind: "earliest" });
});

Deno.test("`parseBrowseQuery()` reports a bad offset or timestamp instead of a start", () => {
  const offset = parseBrowseQuery({ from: "offset", offset: "-1" }, 1);
  assertEquals(offset.start, undefined);
  assertEquals(offset.error?.code, "INVALID_REQUEST");
  const time = parseBrowseQuery({ from: "timestamp", timestamp: "tomorrow" }, 1);
  assertEquals(time.start, undefined);
  assertEquals(time.error?.code, "INVALID_TIMESTAMP");
});
