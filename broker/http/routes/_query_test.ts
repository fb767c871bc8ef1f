import { assertEquals, assertThrows } from "@std/assert";
import { Hono } from "hono";
import { z } from "zod";
import { WeirError } from "../../../client/protocol/mod.ts";
import { toEdgeError } from "../errors.ts";
import { FETCH_QUERY, plainQueries, readQuery } from "./_query.ts";

/** What Hono's own parser makes of a URL's query. */
async function honoQueries(url: string): Promise<Record<string, string[]>> {
  const app = new Hono();
  let got: Record<string, string[]> = {};
  app.get("*", (c) => {
    got = { ...c.req.queries() };
    return c.text("");
  });
  await app.request(url);
  return got;
}

Deno.test("`plainQueries()` parses plain URLs exactly like Hono's `c.req.queries()`", async () => {
  const urls = [
    "http://x/a",
    "http://x/a?",
    "http://x/a?offset=5&maxRecords=1&waitMs=0",
    "http://x/a?acks=1&acks=all",
    "http://x/a?&&a=&b&=c&d==e&&",
    "http://x/a?a=1=2&a",
    "http://x/a?constructor=1&__proto__=2&toString",
    "http://x/a?x=%ZZ",
  ];
  for (const url of urls) {
    const fast = plainQueries(url);
    if (url.includes("%")) {
      assertEquals(fast, undefined, url);
      continue;
    }
    assertEquals({ ...fast }, await honoQueries(url), url);
  }
  assertEquals(plainQueries("http://x/a?b=1+2"), undefined);
  assertEquals(plainQueries("http://x/a?b=1#frag"), undefined);
});

/** The error the zod query validator of `app.openapi()` gives for a query. */
function zodError(query: Record<string, string | string[]>): WeirError | undefined {
  const result = FETCH_QUERY.schema.safeParse(query);
  return result.success ? undefined : toEdgeError(result.error);
}

Deno.test("`readQuery()` accepts and refuses exactly what the zod validator does, with its message", async () => {
  const cases: [string, Record<string, string | string[]>][] = [
    ["?offset=1&maxRecords=2", { offset: "1", maxRecords: "2" }],
    ["?offset=1&offset=2", { offset: ["1", "2"] }],
    ["?format=xml", { format: "xml" }],
    ["?format=binary&unknown=1&unknown=2", { format: "binary", unknown: ["1", "2"] }],
    ["?format=%62inary", { format: "binary" }],
    ["?waitMs=1&waitMs=1", { waitMs: ["1", "1"] }],
  ];
  for (const [search, hono] of cases) {
    const app = new Hono();
    app.onError((err, c) => c.json({ code: toEdgeError(err).code, message: err.message }, 400));
    app.get("*", (c) => c.json(readQuery(c, FETCH_QUERY)));
    const res = await app.request(`http://x/t${search}`);
    const expected = zodError(hono);
    if (expected === undefined) {
      assertEquals(res.status, 200, search);
      const first = Object.fromEntries(
        Object.entries(hono).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]),
      );
      assertEquals(await res.json(), first, search);
    } else {
      assertEquals(
        await res.json(),
        { code: "INVALID_REQUEST", message: expected.message },
        search,
      );
    }
  }
});

Deno.test("`readQuery()` runs a schema with no enum keys only for repeated keys", () => {
  const spec = { schema: z.object({ acks: z.string().optional() }) };
  const context = (url: string) => ({ req: { url, queries: () => ({}) } }) as never;
  assertEquals(readQuery(context("http://x/?acks=1&other=2"), spec), { acks: "1", other: "2" });
  const e = assertThrows(() => readQuery(context("http://x/?acks=1&acks=0"), spec), WeirError);
  assertEquals(e.code, "INVALID_REQUEST");
});
