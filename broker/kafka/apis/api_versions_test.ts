import { assertEquals } from "@std/assert";
import { encodeApiVersionsResponse } from "./api_versions.ts";

const apis = new Map([
  [18, { key: 18, minVersion: 0, maxVersion: 3 }],
  [0, { key: 0, minVersion: 3, maxVersion: 7 }],
]);

Deno.test("`encodeApiVersionsResponse()` writes v0 golden bytes, keys sorted", () => {
  // deno-fmt-ignore
  const golden = [
    0, 0, // error_code
    0, 0, 0, 2, // 2 entries
    0, 0, 0, 3, 0, 7,
    0, 18, 0, 0, 0, 3,
  ];
  assertEquals([...encodeApiVersionsResponse(apis, { version: 0 })], golden);
});

Deno.test("`encodeApiVersionsResponse()` writes v3 compact golden bytes with an error code", () => {
  const body = encodeApiVersionsResponse(apis, { version: 3, errorCode: 35 });
  // deno-fmt-ignore
  const golden = [
    0, 35,
    3, // compact count 2 + 1
    0, 0, 0, 3, 0, 7, 0,
    0, 18, 0, 0, 0, 3, 0,
    0, 0, 0, 0, // throttle
    0, // tags
  ];
  assertEquals([...body], golden);
});
