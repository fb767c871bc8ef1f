import {
  assert,
  assertEquals,
  AssertionError,
  assertMatch,
  assertObjectMatch,
  assertRejects,
  assertStrictEquals,
  assertThrows,
  fail,
} from "@std/assert";

Deno.test("assertEquals() compares deeply and fails on a difference", () => {
  assertEquals({ a: [1, new Uint8Array([2])] }, { a: [1, new Uint8Array([2])] });
  assertThrows(() => assertEquals({ a: 1 }, { a: 2 }), AssertionError, "Values are not equal");
  assertThrows(() => assertEquals(new Uint8Array([1]), new Uint8Array([2])), AssertionError);
});

Deno.test("assertStrictEquals() uses identity", () => {
  const o = {};
  assertStrictEquals(o, o);
  assertThrows(() => assertStrictEquals({}, {}), AssertionError);
});

Deno.test("assertThrows() checks class and message, and fails when nothing throws", () => {
  const e = assertThrows(
    () => {
      throw new RangeError("too big");
    },
    RangeError,
    "big",
  );
  assertEquals(e.message, "too big");
  assertThrows(() => assertThrows(() => {}), AssertionError, "Expected function to throw");
  assertThrows(
    () =>
      assertThrows(() => {
        throw new TypeError("x");
      }, RangeError),
    AssertionError,
  );
});

Deno.test("assertRejects() awaits and checks the rejection", async () => {
  await assertRejects(() => Promise.reject(new TypeError("nope")), TypeError, "nope");
  await assertRejects(() => assertRejects(() => Promise.resolve()), AssertionError);
});

Deno.test("assert(), assertMatch(), assertObjectMatch() and fail() fail when they should", () => {
  assert(1);
  assertThrows(() => assert(0), AssertionError);
  assertMatch("abc", /b/);
  assertThrows(() => assertMatch("abc", /z/), AssertionError);
  assertObjectMatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } });
  assertThrows(() => assertObjectMatch({ a: 1 }, { a: 2 }), AssertionError);
  assertThrows(() => fail("boom"), AssertionError, "boom");
});
