/**
 * {@linkcode waitFor}: polls a condition to a deadline — the one way tests
 * wait for something that has no event to await (a node seen live, a leader
 * elected, a record replicated).
 *
 * @module
 */

/**
 * Polls `check` every 25 ms until it returns a value other than
 * `undefined`/`false`, and returns that value.
 *
 * @param what What is awaited, for the error message.
 * @param check The condition; a throw counts as "not yet" and becomes the timeout's `cause`.
 * @param timeoutMs The deadline (default 20 s: generous on a loaded machine; it is not a sleep).
 * @returns The first value `check` returned that was not `undefined`/`false`.
 * @throws {Error} `Timed out after N ms waiting for <what>`.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
