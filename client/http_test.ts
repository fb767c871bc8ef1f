import { assertEquals, assertInstanceOf, assertRejects, assertThrows } from "@std/assert";
import { type FetchLike, HttpClient, MAX_RETRY_AFTER_MS, retryAfterMs } from "./http.ts";
import { WeirError } from "./protocol/mod.ts";

function errorResponse(status: number, code: string): Response {
  return Response.json({ error: { code, message: `Cannot do it: ${code}` } }, { status });
}

function scripted(answers: (() => Response | Promise<Response>)[]): {
  fetch: FetchLike;
  calls: Request[];
} {
  const calls: Request[] = [];
  return {
    calls,
    fetch: (input, init) => {
      calls.push(new Request(input, init));
      const next = answers[Math.min(calls.length - 1, answers.length - 1)]!;
      return next();
    },
  };
}

const fast = { retries: 3, initialDelayMs: 1, maxDelayMs: 4 };

Deno.test("HttpClient.request() turns an error body into a WeirError with its code", async () => {
  const { fetch, calls } = scripted([() => errorResponse(404, "UNKNOWN_TOPIC_OR_PARTITION")]);
  using http = new HttpClient({ url: "http://weir.test/", fetch, retry: fast });
  const err = await assertRejects(() => http.request("/v1/topics/x"), WeirError);
  assertEquals(err.code, "UNKNOWN_TOPIC_OR_PARTITION");
  assertEquals(err.message, "Cannot do it: UNKNOWN_TOPIC_OR_PARTITION");
  assertEquals(calls.length, 1, "non-retriable codes are not retried");
  assertEquals(calls[0]!.url, "http://weir.test/v1/topics/x");
});

Deno.test("HttpClient.request() retries retriable codes with backoff, then succeeds", async () => {
  const { fetch, calls } = scripted([
    () => errorResponse(503, "NOT_ENOUGH_REPLICAS"),
    () => errorResponse(503, "ACTOR_RESTARTED"),
    () => Response.json({ ok: true }),
  ]);
  using http = new HttpClient({ url: "http://weir.test", fetch, retry: fast });
  const response = await http.request("/x", { method: "POST", body: new Uint8Array([1, 2]) });
  assertEquals(await response.json(), { ok: true });
  assertEquals(calls.length, 3);
  for (const c of calls) {
    assertEquals(new Uint8Array(await c.arrayBuffer()), new Uint8Array([1, 2]));
  }
});

Deno.test("HttpClient.request() gives up after the configured retries", async () => {
  const { fetch, calls } = scripted([() => errorResponse(503, "NOT_LEADER_OR_FOLLOWER")]);
  using http = new HttpClient({ url: "http://weir.test", fetch, retry: fast });
  const err = await assertRejects(() => http.request("/x"), WeirError);
  assertEquals(err.code, "NOT_LEADER_OR_FOLLOWER");
  assertEquals(calls.length, 4);
});

Deno.test("HttpClient.request() maps network failures to NETWORK_EXCEPTION and retries them", async () => {
  const { fetch, calls } = scripted([() => Promise.reject(new TypeError("connection refused"))]);
  using http = new HttpClient({ url: "http://weir.test", fetch, retry: { ...fast, retries: 2 } });
  const err = await assertRejects(() => http.request("/x"), WeirError);
  assertEquals(err.code, "NETWORK_EXCEPTION");
  assertEquals(err.retriable, true);
  assertEquals(calls.length, 3);
});

Deno.test("HttpClient.request() falls back to a code from the status for a non-JSON error", async () => {
  const { fetch } = scripted([() => new Response("bad gateway", { status: 502 })]);
  using http = new HttpClient({ url: "http://weir.test", fetch, retry: { retries: 0 } });
  const err = await assertRejects(() => http.request("/x"), WeirError);
  assertEquals(err.code, "BROKER_NOT_AVAILABLE");
});

Deno.test("HttpClient.backoffMs() doubles and caps", () => {
  using http = new HttpClient({
    url: "http://weir.test",
    fetch: () => new Response(),
    retry: { initialDelayMs: 10, maxDelayMs: 50 },
  });
  assertEquals([0, 1, 2, 3, 4].map((a) => http.backoffMs(a)), [10, 20, 40, 50, 50]);
});

Deno.test("HttpClient.request() sends the API key and query, skipping undefined values", async () => {
  const { fetch, calls } = scripted([() => Response.json({})]);
  using http = new HttpClient({ url: "http://weir.test", fetch, apiKey: "s3cret" });
  await (await http.request("/q", { query: { a: 1, b: undefined, c: "x y" } })).body?.cancel();
  assertEquals(calls[0]!.headers.get("authorization"), "Bearer s3cret");
  assertEquals(calls[0]!.url, "http://weir.test/q?a=1&c=x+y");
});

Deno.test("HttpClient.request() rejects with REQUEST_ABORTED when the call's signal aborts", async () => {
  const fetch: FetchLike = (_input, init) =>
    new Promise((_resolve, reject) => {
      init?.signal?.addEventListener("abort", () =>
        reject(new DOMException("aborted", "AbortError")));
    });
  using http = new HttpClient({ url: "http://weir.test", fetch });
  const controller = new AbortController();
  const pending = http.request("/slow", { signal: controller.signal });
  controller.abort();
  const err = await assertRejects(() => pending, WeirError);
  assertEquals(err.code, "REQUEST_ABORTED");
});

Deno.test("HttpClient.close() aborts requests in flight and later ones; twice is harmless", async () => {
  const fetch: FetchLike = (_input, init) =>
    new Promise((_resolve, reject) => {
      init?.signal?.addEventListener("abort", () =>
        reject(new DOMException("aborted", "AbortError")));
    });
  const http = new HttpClient({ url: "http://weir.test", fetch });
  const pending = http.request("/slow");
  http.close();
  http.close();
  assertEquals((await assertRejects(() => pending, WeirError)).code, "REQUEST_ABORTED");
  assertEquals((await assertRejects(() => http.request("/x"), WeirError)).code, "REQUEST_ABORTED");
});

Deno.test("HttpClient aborts when the connection-level signal aborts during a backoff", async () => {
  const controller = new AbortController();
  const { fetch, calls } = scripted([() => {
    controller.abort();
    return errorResponse(503, "NOT_ENOUGH_REPLICAS");
  }]);
  using http = new HttpClient({
    url: "http://weir.test",
    fetch,
    signal: controller.signal,
    retry: { initialDelayMs: 60_000 },
  });
  const err = await assertRejects(() => http.request("/x"), WeirError);
  assertEquals(err.code, "REQUEST_ABORTED");
  assertEquals(calls.length, 1);
});

Deno.test("HttpClient.json() rejects an answer that does not match the schema", async () => {
  const { z } = await import("zod");
  const { fetch } = scripted([() => Response.json({ name: 1 })]);
  using http = new HttpClient({ url: "http://weir.test", fetch });
  const err = await assertRejects(() => http.json("/x", z.object({ name: z.string() })), WeirError);
  assertEquals(err.code, "UNKNOWN_SERVER_ERROR");
});

Deno.test("new HttpClient() rejects a URL that is not http(s)", () => {
  const err = assertThrows(() => new HttpClient({ url: "ftp://weir.test" }), WeirError);
  assertEquals(err.code, "INVALID_REQUEST");
  assertInstanceOf(assertThrows(() => new HttpClient({ url: "not a url" })), WeirError);
});

Deno.test("`retryAfterMs()` reads seconds and HTTP dates, caps them and ignores junk", () => {
  const res = (value?: string) =>
    new Response(null, {
      status: 429,
      headers: value === undefined ? {} : { "retry-after": value },
    });
  assertEquals(retryAfterMs(res("3")), 3000);
  assertEquals(retryAfterMs(res("0.5")), 500);
  assertEquals(retryAfterMs(res()), 0);
  assertEquals(retryAfterMs(res("soon")), 0);
  assertEquals(retryAfterMs(res("-1")), 0);
  assertEquals(retryAfterMs(res("999999")), MAX_RETRY_AFTER_MS);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assertEquals(retryAfterMs(res("Thu, 01 Jan 2026 00:00:04 GMT"), now), 4000);
  assertEquals(retryAfterMs(res("Wed, 31 Dec 2025 00:00:00 GMT"), now), 0);
});

Deno.test("HttpClient.request() retries a 429 and succeeds", async () => {
  const { fetch, calls } = scripted([
    () =>
      new Response(
        JSON.stringify({
          error: { code: "THROTTLING_QUOTA_EXCEEDED", message: "Cannot accept: over quota" },
        }),
        { status: 429, headers: { "retry-after": "0" } },
      ),
    () => Response.json({ ok: true }),
  ]);
  using http = new HttpClient({ url: "http://weir.test", fetch, retry: fast });
  const res = await http.request("/x");
  assertEquals(await res.json(), { ok: true });
  assertEquals(calls.length, 2);
});
