import { assertEquals } from "@std/assert";
import { crc32c as portable } from "../../client/protocol/codec.ts";
import { crc32c, loadNativeCrc32c, nativeCrc32cLoaded } from "./_fast_crc32c.ts";

Deno.test("crc32c() agrees with the portable code before and after the native module loads", async () => {
  const data = new Uint8Array(70_000).map((_, i) => (i * 31 + 7) & 0xff);
  assertEquals(crc32c(data), portable(data));
  assertEquals(crc32c(data.subarray(1000), 12345), portable(data.subarray(1000), 12345));
  await loadNativeCrc32c();
  assertEquals(nativeCrc32cLoaded(), true);
  assertEquals(crc32c(data), portable(data));
  assertEquals(crc32c(data.subarray(1000), 12345), portable(data.subarray(1000), 12345));
  assertEquals(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
});
