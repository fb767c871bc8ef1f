/**
 * A small stand-in for `jsr:@std/assert` with the same names and signatures.
 *
 * JSR cannot be reached from Weir's build machines, so `deno.json` maps the
 * bare specifier `@std/assert` to this file. Tests import only from
 * `"@std/assert"`; switching to the real package is a one-line change in the
 * import map. Equality is `node:util`'s `isDeepStrictEqual`, failures throw
 * {@linkcode AssertionError} with a readable diff of both values.
 *
 * @module
 */
import { inspect, isDeepStrictEqual } from "node:util";

/** Error thrown when an assertion fails. */
export class AssertionError extends Error {
  /** Creates an assertion error with the given message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AssertionError";
  }
}

// deno-lint-ignore no-explicit-any
type AnyConstructor = new (...args: any[]) => any;
type GetConstructorType<T extends AnyConstructor> = InstanceType<T>;
// deno-lint-ignore no-explicit-any
type AnyErrorClass = abstract new (...args: any[]) => any;

function show(value: unknown): string {
  return inspect(value, {
    depth: 8,
    colors: false,
    sorted: true,
    maxArrayLength: 50,
    breakLength: 100,
  });
}

function suffix(msg: string | undefined): string {
  return msg ? `: ${msg}` : "";
}

/** Deep, structural equality as used by {@linkcode assertEquals}. */
export function equal(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

/** Asserts that `expr` is truthy. */
export function assert(expr: unknown, msg = ""): asserts expr {
  if (!expr) throw new AssertionError(msg || "Expected expression to be truthy");
}

/** Asserts that `expr` is falsy. */
export function assertFalse(expr: unknown, msg = ""): void {
  if (expr) throw new AssertionError(msg || "Expected expression to be falsy");
}

/** Asserts that `actual` and `expected` are deeply equal. */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (equal(actual, expected)) return;
  throw new AssertionError(
    `Values are not equal${suffix(msg)}\n    actual: ${show(actual)}\n  expected: ${
      show(expected)
    }`,
  );
}

/** Asserts that `actual` and `expected` are not deeply equal. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!equal(actual, expected)) return;
  throw new AssertionError(`Expected actual to differ from ${show(expected)}${suffix(msg)}`);
}

/** Asserts that `actual` and `expected` are the same value (`Object.is`). */
export function assertStrictEquals<T>(
  actual: unknown,
  expected: T,
  msg?: string,
): asserts actual is T {
  if (Object.is(actual, expected)) return;
  throw new AssertionError(
    `Values are not strictly equal${suffix(msg)}\n    actual: ${show(actual)}\n  expected: ${
      show(expected)
    }`,
  );
}

/** Asserts that `actual` and `expected` are not the same value (`Object.is`). */
export function assertNotStrictEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!Object.is(actual, expected)) return;
  throw new AssertionError(`Expected actual to not be ${show(expected)}${suffix(msg)}`);
}

/** Asserts that two numbers are within `tolerance` of each other. */
export function assertAlmostEquals(
  actual: number,
  expected: number,
  tolerance?: number,
  msg?: string,
): void {
  const tol = tolerance ?? Math.abs(expected) * 1e-7;
  if (Object.is(actual, expected) || Math.abs(actual - expected) <= tol) return;
  throw new AssertionError(`Expected ${actual} to be close to ${expected} (±${tol})${suffix(msg)}`);
}

/** Asserts that `actual` is neither `null` nor `undefined`. */
export function assertExists<T>(actual: T, msg?: string): asserts actual is NonNullable<T> {
  if (actual === null || actual === undefined) {
    throw new AssertionError(
      msg || `Expected actual to not be null or undefined, got ${show(actual)}`,
    );
  }
}

/** Asserts that `actual` is an instance of `expectedType`. */
export function assertInstanceOf<T extends AnyConstructor>(
  actual: unknown,
  expectedType: T,
  msg = "",
): asserts actual is GetConstructorType<T> {
  if (actual instanceof expectedType) return;
  throw new AssertionError(
    msg || `Expected object to be an instance of "${expectedType.name}" but was ${show(actual)}`,
  );
}

/** Asserts that `actual` matches the regular expression `expected`. */
export function assertMatch(actual: string, expected: RegExp, msg?: string): void {
  if (expected.test(actual)) return;
  throw new AssertionError(`Expected ${show(actual)} to match ${expected}${suffix(msg)}`);
}

/** Asserts that `actual` does not match the regular expression `expected`. */
export function assertNotMatch(actual: string, expected: RegExp, msg?: string): void {
  if (!expected.test(actual)) return;
  throw new AssertionError(`Expected ${show(actual)} to not match ${expected}${suffix(msg)}`);
}

/** Asserts that `actual` contains the substring `expected`. */
export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  if (actual.includes(expected)) return;
  throw new AssertionError(`Expected ${show(actual)} to include ${show(expected)}${suffix(msg)}`);
}

/** Asserts that `actual` contains every element of `expected` (deep equality). */
export function assertArrayIncludes<T>(
  actual: ArrayLike<T>,
  expected: ArrayLike<T>,
  msg?: string,
): void {
  const have = Array.from(actual);
  const missing = Array.from(expected).filter((e) => !have.some((a) => equal(a, e)));
  if (missing.length === 0) return;
  throw new AssertionError(`Expected ${show(have)} to include ${show(missing)}${suffix(msg)}`);
}

function matchesSubset(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== "object") return equal(actual, expected);
  if (actual === null || typeof actual !== "object") return false;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false;
    return expected.every((e, i) => matchesSubset(actual[i], e));
  }
  return Object.entries(expected).every(([k, v]) =>
    matchesSubset((actual as Record<string, unknown>)[k], v)
  );
}

/** Asserts that `actual` has (at least) the properties of `expected`, recursively. */
export function assertObjectMatch(
  actual: Record<PropertyKey, unknown>,
  expected: Record<PropertyKey, unknown>,
  msg?: string,
): void {
  if (matchesSubset(actual, expected)) return;
  throw new AssertionError(
    `Expected object to match${suffix(msg)}\n    actual: ${show(actual)}\n  expected: ${
      show(expected)
    }`,
  );
}

/** Asserts `actual > expected`. */
export function assertGreater<T>(actual: T, expected: T, msg?: string): void {
  if (actual > expected) return;
  throw new AssertionError(msg || `Expect ${show(actual)} > ${show(expected)}`);
}

/** Asserts `actual >= expected`. */
export function assertGreaterOrEqual<T>(actual: T, expected: T, msg?: string): void {
  if (actual >= expected) return;
  throw new AssertionError(msg || `Expect ${show(actual)} >= ${show(expected)}`);
}

/** Asserts `actual < expected`. */
export function assertLess<T>(actual: T, expected: T, msg?: string): void {
  if (actual < expected) return;
  throw new AssertionError(msg || `Expect ${show(actual)} < ${show(expected)}`);
}

/** Asserts `actual <= expected`. */
export function assertLessOrEqual<T>(actual: T, expected: T, msg?: string): void {
  if (actual <= expected) return;
  throw new AssertionError(msg || `Expect ${show(actual)} <= ${show(expected)}`);
}

/** Fails the test unconditionally. */
export function fail(msg?: string): never {
  throw new AssertionError(`Failed assertion${suffix(msg)}`);
}

/** Marks code that must never be reached. */
export function unreachable(msg?: string): never {
  throw new AssertionError(msg || "Unreachable");
}

function checkError(
  e: unknown,
  ErrorClass: AnyErrorClass | undefined,
  msgIncludes: string | undefined,
  msg: string | undefined,
): void {
  if (ErrorClass === undefined) return;
  if (!(e instanceof ErrorClass)) {
    throw new AssertionError(
      `Expected error to be instance of "${ErrorClass.name}", but was ${show(e)}${suffix(msg)}`,
      { cause: e },
    );
  }
  if (msgIncludes !== undefined && !String((e as Error).message).includes(msgIncludes)) {
    throw new AssertionError(
      `Expected error message to include ${show(msgIncludes)}, but got ${
        show((e as Error).message)
      }${suffix(msg)}`,
      { cause: e },
    );
  }
}

/** Asserts that `fn` throws; returns what it threw. */
export function assertThrows(fn: () => unknown, msg?: string): unknown;
/** Asserts that `fn` throws an instance of `ErrorClass` whose message includes `msgIncludes`. */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any
  ErrorClass: abstract new (...args: any[]) => E,
  msgIncludes?: string,
  msg?: string,
): E;
export function assertThrows(
  fn: () => unknown,
  errorClassOrMsg?: AnyErrorClass | string,
  msgIncludes?: string,
  msg?: string,
): unknown {
  const ErrorClass = typeof errorClassOrMsg === "function" ? errorClassOrMsg : undefined;
  const message = typeof errorClassOrMsg === "string" ? errorClassOrMsg : msg;
  try {
    fn();
  } catch (e) {
    checkError(e, ErrorClass, msgIncludes, message);
    return e;
  }
  throw new AssertionError(`Expected function to throw${suffix(message)}`);
}

/** Asserts that the promise returned by `fn` rejects; resolves to the rejection. */
export function assertRejects(fn: () => PromiseLike<unknown>, msg?: string): Promise<unknown>;
/** Asserts that `fn` rejects with an instance of `ErrorClass` whose message includes `msgIncludes`. */
export function assertRejects<E extends Error = Error>(
  fn: () => PromiseLike<unknown>,
  // deno-lint-ignore no-explicit-any
  ErrorClass: abstract new (...args: any[]) => E,
  msgIncludes?: string,
  msg?: string,
): Promise<E>;
export async function assertRejects(
  fn: () => PromiseLike<unknown>,
  errorClassOrMsg?: AnyErrorClass | string,
  msgIncludes?: string,
  msg?: string,
): Promise<unknown> {
  const ErrorClass = typeof errorClassOrMsg === "function" ? errorClassOrMsg : undefined;
  const message = typeof errorClassOrMsg === "string" ? errorClassOrMsg : msg;
  try {
    await fn();
  } catch (e) {
    checkError(e, ErrorClass, msgIncludes, message);
    return e;
  }
  throw new AssertionError(`Expected function to reject${suffix(message)}`);
}
