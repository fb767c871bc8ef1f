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

Deno.test("`readBodyLimited()` cancels a stalled body at timeoutMs with 408 REQUEST_BODY_TIMED_OUT", async () => {
  for (const headers of [{}, { "content-length": "100" }]) {
    let cancelled = false;
    // One chunk, then nothing ever again.
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new Uint8Array(3)),
      cancel: () => {
        cancelled = true;
      },
    });
    const request = new Request("http://x/", { method: "POST", body, headers });
    const e = await assertRejects(
      () => readBodyLimited(request, { maxBytes: 1000, timeoutMs: 20 }),
      WeirError,
    );
    assertEquals(e.code, "REQUEST_BODY_TIMED_OUT");
    assertEquals(e.status, 408);
    assertEquals(cancelled, true);
  }
});

Deno.test("`readBodyLimited()` clears its deadline once the body is read", async () => {
  // With --sanitize-ops a timer left behind fails this test.
  const request = new Request("http://x/", { method: "POST", body: "abc" });
  const bytes = await readBodyLimited(request, { maxBytes: 10, timeoutMs: 60_000 });
  assertEquals(bytes.length, 3);
});

Deno.test("`readBodyLimited()` keeps each body's own deadline when bodies overlap", async () => {
  const stalled = (onCancel: () => void) => {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
        c.enqueue(new Uint8Array(2));
      },
      cancel: onCancel,
    });
    return { stream, controller };
  };
  let slowCancelled = false;
  const slow = stalled(() => {
    slowCancelled = true;
  });
  // A long deadline first, then a short one: the short one must not wait for the long one.
  const long = readBodyLimited(new Request("http://x/", { method: "POST", body: slow.stream }), {
    maxBytes: 100,
    timeoutMs: 5_000,
  });
  const fast = stalled(() => {});
  const e = await assertRejects(
    () =>
      readBodyLimited(new Request("http://x/", { method: "POST", body: fast.stream }), {
        maxBytes: 100,
        timeoutMs: 20,
      }),
    WeirError,
  );
  assertEquals(e.code, "REQUEST_BODY_TIMED_OUT");
  // Had the short deadline waited for the long one's timer, both would be cancelled now.
  assertEquals(slowCancelled, false, "the long body is still being read");
  slow.controller.enqueue(new Uint8Array(1));
  slow.controller.close();
  assertEquals((await long).length, 3);
});
