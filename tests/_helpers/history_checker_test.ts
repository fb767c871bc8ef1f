import { assertEquals, assertMatch, assertThrows } from "@std/assert";
import { formatViolations, History } from "./history_checker.ts";

/** A clean history: values v0..v(n-1) acked at offsets 0..n-1 of partition 0, read once. */
function clean(n: number): History {
  const h = new History();
  for (let i = 0; i < n; i++) {
    h.attempt(`v${i}`);
    h.ack(`v${i}`, { partition: 0, offset: i });
  }
  for (let i = 0; i < n; i++) h.read({ reader: "final", partition: 0, offset: i, value: `v${i}` });
  return h;
}

function kinds(h: History, options = {}): string[] {
  return h.check(options).map((v) => v.kind);
}

Deno.test("`History.check()` accepts a clean history", () => {
  const h = clean(5);
  assertEquals(h.check(), []);
  assertEquals(h.stats, {
    attempted: 5,
    acked: 5,
    failed: 0,
    unknown: 0,
    reads: 5,
    distinctRead: 5,
  });
});

Deno.test("`History.check()` reports an acknowledged record that was never read", () => {
  const h = clean(3);
  h.attempt("late");
  h.ack("late", { partition: 0, offset: 3 });
  const [v] = h.check();
  assertEquals(v?.kind, "lost");
  assertEquals(v?.offset, 3);
  assertMatch(v!.message, /"late" at partition 0 offset 3 was never read/);
  assertEquals(h.check({ requireAckedRead: false }), []);
});

Deno.test("`History.check()` reports an acknowledged record read at another offset", () => {
  const h = new History();
  h.attempt("a");
  h.ack("a", { partition: 0, offset: 5 });
  h.read({ reader: "r", partition: 0, offset: 6, value: "a" });
  assertEquals(kinds(h), ["moved"]);
});

Deno.test("`History.check()` reports a record read in another partition than acked", () => {
  const h = new History();
  h.attempt("a");
  h.ack("a", { topic: "t", partition: 0, offset: 0 });
  h.read({ reader: "r", topic: "t", partition: 1, offset: 0, value: "a" });
  assertEquals(kinds(h), ["moved"]);
});

Deno.test("`History.check()` reports an offset holding two values", () => {
  const h = clean(2);
  h.attempt("x");
  // Another reader (after a crash) sees a different value at offset 1.
  h.read({ reader: "other", partition: 0, offset: 1, value: "x" });
  assertEquals(kinds(h), ["conflict"]);
});

Deno.test("`History.check()` reports an ack that contradicts a read at the same offset", () => {
  const h = clean(2);
  h.attempt("y");
  h.ack("y", { partition: 0, offset: 1 }); // the broker handed out offset 1 twice
  assertEquals(kinds(h).sort(), ["conflict", "lost"]);
});

Deno.test("`History.check()` reports a value read at two offsets", () => {
  const h = clean(2);
  h.attempt("dup");
  h.read({ reader: "final", partition: 0, offset: 2, value: "dup" });
  h.read({ reader: "final", partition: 0, offset: 3, value: "dup" });
  assertEquals(kinds(h), ["duplicate"]);
  // Plain producers may duplicate on retry when asked to allow it...
  assertEquals(kinds(h, { allowRetryDuplicates: true }), []);
});

Deno.test("`History.check()` reports duplicates of idempotent producers even when retries may duplicate", () => {
  const h = new History();
  h.attempt("i", { idempotent: true });
  h.ack("i", { partition: 0, offset: 0 });
  h.read({ reader: "r", partition: 0, offset: 0, value: "i" });
  h.read({ reader: "r", partition: 0, offset: 1, value: "i" });
  assertEquals(kinds(h, { allowRetryDuplicates: true }), ["idempotent-duplicate"]);
});

Deno.test("`History.check()` reports a reader whose offsets go backwards", () => {
  const h = clean(3);
  h.read({ reader: "c1", partition: 0, offset: 2, value: "v2" });
  h.read({ reader: "c1", partition: 0, offset: 1, value: "v1" });
  // Another partition has its own order.
  h.read({ reader: "c1", partition: 1, offset: 0, value: "w" });
  h.attempt("w");
  const found = h.check();
  assertEquals(found.map((v) => v.kind), ["non-monotonic"]);
  assertEquals(found[0]?.offset, 1);
});

Deno.test("`History.check()` reports a reader that reads one offset twice", () => {
  const h = clean(1);
  h.read({ reader: "final", partition: 0, offset: 0, value: "v0" });
  assertEquals(kinds(h), ["non-monotonic"]);
});

Deno.test("`History.check()` reports a definitely failed produce that became visible", () => {
  const h = clean(1);
  h.attempt("bad");
  h.fail("bad", { definite: true });
  h.read({ reader: "final", partition: 0, offset: 1, value: "bad" });
  assertEquals(kinds(h), ["failed-visible"]);
  // An unknown outcome may or may not be visible.
  h.attempt("maybe");
  h.fail("maybe");
  h.read({ reader: "final", partition: 0, offset: 2, value: "maybe" });
  assertEquals(kinds(h), ["failed-visible"]);
  assertEquals(h.stats.unknown, 1);
});

Deno.test("`History.check()` reports a value nobody produced", () => {
  const h = clean(1);
  h.read({ reader: "final", partition: 0, offset: 1, value: "ghost" });
  assertEquals(kinds(h), ["phantom"]);
});

Deno.test("`History.check()` reports a group that committed past records it never read", () => {
  const h = clean(10);
  for (let o = 0; o < 4; o++) {
    h.read({ reader: "m1", group: "g", partition: 0, offset: o, value: `v${o}` });
  }
  h.commit({ group: "g", partition: 0, offset: 4 });
  // m2 takes over and wrongly starts at 6: offsets 4 and 5 are skipped.
  for (let o = 6; o < 10; o++) {
    h.read({ reader: "m2", group: "g", partition: 0, offset: o, value: `v${o}` });
  }
  h.commit({ group: "g", partition: 0, offset: 10 });
  const found = h.check();
  assertEquals(found.map((v) => v.kind), ["skipped-commit"]);
  assertMatch(found[0]!.message, /never read offsets 4, 5$/);
});

Deno.test("`History.check()` accepts a group that re-reads after a takeover", () => {
  const h = clean(6);
  for (let o = 0; o < 4; o++) {
    h.read({ reader: "m1", group: "g", partition: 0, offset: o, value: `v${o}` });
  }
  h.commit({ group: "g", partition: 0, offset: 2 });
  for (let o = 2; o < 6; o++) {
    h.read({ reader: "m2", group: "g", partition: 0, offset: o, value: `v${o}` });
  }
  h.commit({ group: "g", partition: 0, offset: 6 });
  assertEquals(h.check(), []);
});

Deno.test("`History.attempt()` rejects a value used twice", () => {
  const h = new History();
  h.attempt("a");
  assertThrows(() => h.attempt("a"), Error, "values must be unique");
});

Deno.test("`History.check()` stops at the limit and `formatViolations()` lists them", () => {
  const h = new History();
  for (let i = 0; i < 30; i++) {
    h.attempt(`v${i}`);
    h.ack(`v${i}`, { partition: 0, offset: i });
  }
  const found = h.check({ limit: 25 });
  assertEquals(found.length, 25);
  const text = formatViolations(found, 3);
  assertEquals(text.split("\n").length, 4);
  assertMatch(text, /\.\.\. and 22 more$/);
  assertEquals(formatViolations([]), "");
});
