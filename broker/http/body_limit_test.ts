import { assertEquals, assertLess, assertRejects, assertStrictEquals } from "@std/assert";
import { WeirError } from "../../client/protocol/mod.ts";
import { readBodyLimited } from "./body_limit.ts";

function endless(chunkSize: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += chunkSize;
      controller.enqueue(new Uint8Array(chunkSize));
    },
  });
  return { stream, pulled: () => pulled };
}

Deno.test("`readBodyLimited()` stops reading a stream once it passes the limit", async () => {
  const { stream, pulled } = endless(1000);
  const request = new Request("http://x/", { method: "POST", body: stream });
  const e = await assertRejects(() => readBodyLimited(request, { maxBytes: 4500 }), WeirError);
  assertEquals(e.code, "REQUEST_TOO_LARGE");
  assertLess(pulled(), 10_000);
});

Deno.test("`readBodyLimited()` refuses a declared Content-Length over the limit unread", async () => {
  const { stream, pulled } = endless(10);
  const request = new Request("http://x/", {
    method: "POST",
    body: stream,
    headers: { "content-length": "5000" },
  });
  const e = await assertRejects(() => readBodyLimited(request, { maxBytes: 100 }), WeirError);
  assertEquals(e.code, "REQUEST_TOO_LARGE");
  assertLess(pulled(), 50);
});

Deno.test("`readBodyLimited()` returns the exact bytes at and under the limit", async () => {
  const body = new Uint8Array([1, 2, 3, 4]);
  const got = await readBodyLimited(new Request("http://x/", { method: "POST", body }), {
    maxBytes: 4,
  });
  assertEquals([...got], [1, 2, 3, 4]);
  const chunks = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array([1, 2]));
      c.enqueue(new Uint8Array([3]));
      c.close();
    },
  });
  const joined = await readBodyLimited(new Request("http://x/", { method: "POST", body: chunks }), {
    maxBytes: 3,
  });
  assertEquals([...joined], [1, 2, 3]);
  const empty = await readBodyLimited(new Request("http://x/"), { maxBytes: 0 });
  assertStrictEquals(empty.length, 0);
});

Deno.test("`readBodyLimited()` rejects a body shorter than its Content-Length", async () => {
  const request = new Request("http://x/", {
    method: "POST",
    body: new ReadableStream({
      start(c) {
        c.enqueue(new Uint8Array(3));
        c.close();
      },
    }),
    headers: { "content-length": "10" },
  });
  const e = await assertRejects(() => readBodyLimited(request, { maxBytes: 100 }), WeirError);
  assertEquals(e.code, "INVALID_REQUEST");
});
