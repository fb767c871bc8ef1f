/**
 * CRC-32C for the partition actor: the portable slice-by-8 code of
 * `client/protocol` until the first real use, which starts loading the
 * native `@node-rs/crc32` (SIMD, ≈ 5 GB/s) in the background; once loaded,
 * every later call uses it. Loading the npm package costs a Worker a few MB
 * of RSS (Node-API and the npm compat layer), so an idle partition that never
 * sees a batch never pays it. Both give the same checksum.
 *
 * @module
 */
import { type Crc32c, crc32c as portableCrc32c } from "../../client/protocol/codec.ts";

let native: Crc32c | undefined;
let loading: Promise<void> | undefined;

/**
 * Starts loading the native implementation (idempotent); resolves when it is
 * in use, or stays on the portable one if it cannot load.
 *
 * @returns When done.
 */
export function loadNativeCrc32c(): Promise<void> {
  loading ??= import("@node-rs/crc32").then(
    (m) => {
      native = m.crc32c;
    },
    () => {/* no native module here: the portable implementation stays */},
  );
  return loading;
}

/** Whether the native implementation is in use. */
export function nativeCrc32cLoaded(): boolean {
  return native !== undefined;
}

/**
 * CRC-32C (Castagnoli) of `data`, continuing from `initial`.
 *
 * @param data Bytes.
 * @param initial A previous result to continue from (default 0).
 * @returns The checksum as an unsigned 32-bit number.
 *
 * @example Same value as the portable implementation
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { crc32c } from "./_fast_crc32c.ts";
 * assertEquals(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
 * ```
 */
export function crc32c(data: Uint8Array, initial = 0): number {
  if (native !== undefined) return native(data, initial) >>> 0;
  if (loading === undefined) void loadNativeCrc32c();
  return portableCrc32c(data, initial);
}
