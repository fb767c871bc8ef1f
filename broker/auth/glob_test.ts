import { assert } from "@std/assert";
import { globToRegExp } from "./glob.ts";

Deno.test("`globToRegExp()` matches whole strings with `*` and `?`", () => {
  const re = globToRegExp("topic:a*b?");
  assert(re.test("topic:abX"));
  assert(re.test("topic:a-long-bZ"));
  assert(!re.test("topic:ab"));
  assert(!re.test("xtopic:abX"));
  assert(!re.test("topic:abXY"));
  assert(globToRegExp("*").test(""));
  assert(globToRegExp("group:*").test("group:line\nbreak"), "* also spans newlines");
});

Deno.test("`globToRegExp()` treats regex metacharacters literally", () => {
  assert(globToRegExp("topic:a.b").test("topic:a.b"));
  assert(!globToRegExp("topic:a.b").test("topic:axb"));
  assert(globToRegExp("topic:[x]+$").test("topic:[x]+$"));
  assert(!globToRegExp("topic:(a|b)").test("topic:a"));
});
