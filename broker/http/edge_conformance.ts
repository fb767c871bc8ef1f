/**
 * The HTTP edge's conformance suite: every route of API.md's "HTTP edge v1"
 * (topics, records, batches, offsets, stream, producers, cluster, health),
 * driven through `createApp(backend).request(...)` with no socket. Each
 * backend implementation calls {@linkcode runEdgeConformance} from its test
 * (the in-memory double in `app_test.ts`; later the actor-backed broker).
 *
 * @module
 */
import {
  assert,
  assertEquals,
  assertExists,
  assertGreater,
  assertLess,
  assertStringIncludes,
} from "@std/assert";
import {
  BATCH_HEADERS,
  ClusterInfoSchema,
  decodeRecords,
  encodeRecordBatch,
  FetchResponseSchema,
  iterateBatches,
  partitionForKey,
  RECORD_BATCH_CONTENT_TYPE,
  TopicDescriptionSchema,
} from "../../client/protocol/mod.ts";
import { createApp } from "./app.ts";
import type { EdgeBackend } from "./backend.ts";

/** A backend under test: disposed at the end of each case. */
export type ConformanceBackend = EdgeBackend & AsyncDisposable & {
  /** Fetches parked in a long-poll; lets the suite check that a leaving client frees them. */
  parkedFetches?(): number;
};

/** What the suite asks of a backend factory. */
export interface ConformanceBackendOptions {
  /** `limits.maxRequestBytes` the backend must report. */
  maxRequestBytes: number;
}

/** Options of {@linkcode runEdgeConformance}. */
export interface EdgeConformanceOptions {
  /** Case name → reason; those cases are registered as ignored. */
  skip?: Record<string, string>;
}

/** The fixed broker time the suite injects. */
const NOW = 1_700_000_000_000;
const DEFAULT_LIMIT = 64 * 1024;
const JSON_HEADERS = { "content-type": "application/json" };
const BATCH_CT = { "content-type": RECORD_BATCH_CONTENT_TYPE };
const utf8 = new TextEncoder();

type App = ReturnType<typeof createApp>;
type Make = (
  options: ConformanceBackendOptions,
) => Promise<ConformanceBackend> | ConformanceBackend;

interface Ctx {
  app: App;
  backend: ConformanceBackend;
}

interface Case {
  name: string;
  limit?: number;
  fn: (ctx: Ctx) => Promise<void>;
}

// ---------------------------------------------------------------- helpers

async function send(app: App, method: string, path: string, body?: unknown): Promise<Response> {
  return await app.request(path, {
    method,
    headers: JSON_HEADERS,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function expectError(res: Response, status: number, code: string): Promise<string> {
  const text = await res.text();
  assertEquals(res.status, status, `status of ${text}`);
  const body = JSON.parse(text);
  assertEquals(body.error?.code, code, text);
  assertEquals(typeof body.error?.message, "string");
  return body.error.message;
}

async function expectOk<T = Record<string, unknown>>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  assertEquals(res.status, status, text);
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

async function createTopic(app: App, name: string, partitions = 1): Promise<void> {
  await expectOk(await send(app, "POST", "/v1/topics", { name, partitions }), 201);
}

async function produce(
  app: App,
  topic: string,
  records: unknown[],
  query = "",
): Promise<{ partition: number; offset: number }[]> {
  const res = await send(app, "POST", `/v1/topics/${topic}/records${query}`, { records });
  return (await expectOk<{ offsets: { partition: number; offset: number }[] }>(res)).offsets;
}

async function fetchJson(app: App, topic: string, p: number, query: string) {
  const res = await app.request(`/v1/topics/${topic}/partitions/${p}/records?${query}`);
  return FetchResponseSchema.parse(await expectOk(res));
}

async function highWatermarks(app: App, topic: string): Promise<number[]> {
  const desc = TopicDescriptionSchema.parse(
    await expectOk(await app.request(`/v1/topics/${topic}`)),
  );
  return desc.partitions.map((p) => p.highWatermark);
}

function batchOf(values: string[], timestamp = NOW): Uint8Array {
  return encodeRecordBatch(values.map((v) => ({ value: utf8.encode(v), timestamp })));
}

async function postBatch(
  app: App,
  path: string,
  body: Uint8Array | string,
  headers: Record<string, string> = BATCH_CT,
): Promise<Response> {
  const init = typeof body === "string" ? body : body as Uint8Array<ArrayBuffer>;
  return await app.request(path, { method: "POST", headers, body: init });
}

/** Polls `check` until it returns true or the deadline passes (names what it waited for). */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Reads SSE events from a response body, one at a time. */
class SseReader {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  constructor(res: Response) {
    assertExists(res.body);
    this.#reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  }
  async next(): Promise<SseEvent> {
    for (;;) {
      const end = this.#buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const event: SseEvent = { data: "" };
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) continue;
          const i = line.indexOf(":");
          const field = i < 0 ? line : line.slice(0, i);
          const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
          if (field === "data") data.push(value);
          else if (field === "id") event.id = value;
          else if (field === "event") event.event = value;
        }
        event.data = data.join("\n");
        if (data.length === 0 && event.id === undefined) continue;
        return event;
      }
      const { done, value } = await this.#reader.read();
      if (done) throw new Error("SSE stream ended");
      this.#buffer += value;
    }
  }
  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}

// ------------------------------------------------------------------ cases

const cases: Case[] = [
  {
    name: "`GET /healthz` answers ok, also for HEAD",
    fn: async ({ app }) => {
      assertEquals(await expectOk(await app.request("/healthz")), { status: "ok" });
      assertEquals((await app.request("/healthz", { method: "HEAD" })).status, 200);
    },
  },
  {
    name: "`GET /v1/cluster` describes the brokers",
    fn: async ({ app }) => {
      const info = ClusterInfoSchema.parse(await expectOk(await app.request("/v1/cluster")));
      assertGreater(info.brokers.length, 0);
      assert(info.brokers.some((b) => b.id === info.controller));
    },
  },
  {
    name: "`POST /v1/topics` creates, lists, describes and rejects a duplicate with 409",
    fn: async ({ app }) => {
      const created = TopicDescriptionSchema.parse(
        await expectOk(
          await send(app, "POST", "/v1/topics", {
            name: "orders",
            partitions: 3,
            configs: { "retention.ms": "86400000", "cleanup.policy": "compact" },
          }),
          201,
        ),
      );
      assertEquals(created.name, "orders");
      assertEquals(created.partitions.map((p) => p.partition), [0, 1, 2]);
      assertEquals(created.configs["retention.ms"], 86_400_000);
      assertEquals(created.configs["cleanup.policy"], "compact");
      const described = await expectOk(await app.request("/v1/topics/orders"));
      assertEquals(described, created);
      const list = await expectOk<{ topics: unknown[] }>(await app.request("/v1/topics"));
      assertEquals(list.topics, [{ name: "orders", partitions: 3, replicationFactor: 1 }]);
      await expectError(
        await send(app, "POST", "/v1/topics", { name: "orders" }),
        409,
        "TOPIC_ALREADY_EXISTS",
      );
      const one = await expectOk<{ partitions: unknown[] }>(
        await send(app, "POST", "/v1/topics", { name: "defaults" }),
        201,
      );
      assertEquals(one.partitions.length, 1);
    },
  },
  {
    name: "`POST /v1/topics` rejects every bad name with INVALID_TOPIC_EXCEPTION",
    fn: async ({ app }) => {
      const bad = ["", ".", "..", "a/b", "../x", "a b", "é", "a\u0000b", "x".repeat(250), "a:b"];
      for (const name of bad) {
        await expectError(
          await send(app, "POST", "/v1/topics", { name }),
          400,
          "INVALID_TOPIC_EXCEPTION",
        );
      }
      await createTopic(app, "x".repeat(249));
      await createTopic(app, "a.b_c-D9");
      const list = await expectOk<{ topics: unknown[] }>(await app.request("/v1/topics"));
      assertEquals(list.topics.length, 2);
    },
  },
  {
    name: "`POST /v1/topics` rejects bad partitions, replication factors, configs and bodies",
    fn: async ({ app }) => {
      for (const partitions of [0, -1, 1.5]) {
        await expectError(
          await send(app, "POST", "/v1/topics", { name: "t", partitions }),
          400,
          "INVALID_PARTITIONS",
        );
      }
      await expectError(
        await send(app, "POST", "/v1/topics", { name: "t", replicationFactor: 0 }),
        400,
        "INVALID_REPLICATION_FACTOR",
      );
      for (
        const configs of [{ "no.such": 1 }, { "retention.ms": "soon" }, { "cleanup.policy": 1 }]
      ) {
        await expectError(
          await send(app, "POST", "/v1/topics", { name: "t", configs }),
          400,
          "INVALID_CONFIG",
        );
      }
      for (const body of [{ name: 5 }, { name: "t", partitions: "3" }, [], "t", null]) {
        await expectError(await send(app, "POST", "/v1/topics", body), 400, "INVALID_REQUEST");
      }
      const malformed = await app.request("/v1/topics", {
        method: "POST",
        headers: JSON_HEADERS,
        body: '{"name": "t"',
      });
      await expectError(malformed, 400, "INVALID_REQUEST");
      const wrongType = await app.request("/v1/topics", {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: '{"name":"t"}',
      });
      await expectError(wrongType, 400, "INVALID_REQUEST");
      const list = await expectOk<{ topics: unknown[] }>(await app.request("/v1/topics"));
      assertEquals(list.topics, [], "nothing was created");
    },
  },
  {
    name: "`GET /v1/topics/:topic` checks the name (400) and existence (404)",
    fn: async ({ app }) => {
      await expectError(await app.request("/v1/topics/nope"), 404, "UNKNOWN_TOPIC_OR_PARTITION");
      // ("%2E%2E" never reaches a route: URL parsing resolves it as "..".)
      for (const raw of ["..%2Fetc", "a%00b", "%C3%A9", "a%20b", "a%3Ab", "x".repeat(250)]) {
        await expectError(await app.request(`/v1/topics/${raw}`), 400, "INVALID_TOPIC_EXCEPTION");
      }
    },
  },
  {
    name: "`PATCH /v1/topics/:topic/configs` changes configs and validates them",
    fn: async ({ app }) => {
      await createTopic(app, "t");
      const after = await expectOk<{ configs: Record<string, unknown> }>(
        await send(app, "PATCH", "/v1/topics/t/configs", {
          configs: { "retention.ms": "1000", "max.message.bytes": 5000 },
        }),
      );
      assertEquals(after.configs["retention.ms"], 1000);
      assertEquals(after.configs["max.message.bytes"], 5000);
      await expectError(
        await send(app, "PATCH", "/v1/topics/t/configs", { configs: { "retention.ms": -5 } }),
        400,
        "INVALID_CONFIG",
      );
      await expectError(
        await send(app, "PATCH", "/v1/topics/t/configs", { configs: "x" }),
        400,
        "INVALID_REQUEST",
      );
      await expectError(
        await send(app, "PATCH", "/v1/topics/none/configs", { configs: {} }),
        404,
        "UNKNOWN_TOPIC_OR_PARTITION",
      );
    },
  },
  {
    name: "`DELETE /v1/topics/:topic` answers 204 and the topic is gone",
    fn: async ({ app }) => {
      await createTopic(app, "t", 2);
      await produce(app, "t", [{ value: 1 }]);
      const res = await app.request("/v1/topics/t", { method: "DELETE" });
      assertEquals(res.status, 204);
      assertEquals(await res.text(), "");
      await expectError(await app.request("/v1/topics/t"), 404, "UNKNOWN_TOPIC_OR_PARTITION");
      await expectError(
        await app.request("/v1/topics/t", { method: "DELETE" }),
        404,
        "UNKNOWN_TOPIC_OR_PARTITION",
      );
      await expectError(
        await app.request("/v1/topics/t/partitions/0/records"),
        404,
        "UNKNOWN_TOPIC_OR_PARTITION",
      );
    },
  },
  {
    name: "`POST .../records` returns offsets in input order and partitions like Kafka",
    fn: async ({ app }) => {
      await createTopic(app, "t", 4);
      const keys = ["alpha", "beta", "gamma", "delta", "alpha"];
      const offsets = await produce(app, "t", [
        ...keys.map((key, i) => ({ key, value: i })),
        { value: "explicit", partition: 3 },
        { value: "keyless-1" },
        { value: "keyless-2", key: null },
      ]);
      assertEquals(offsets.length, 8);
      keys.forEach((key, i) => {
        assertEquals(offsets[i]?.partition, partitionForKey(utf8.encode(key), 4), key);
      });
      assertEquals(offsets[5]?.partition, 3);
      assertEquals(offsets[6]?.partition, offsets[7]?.partition, "keyless records are sticky");
      // Offsets per partition are 0, 1, 2... in input order.
      const seen = new Map<number, number>();
      for (const { partition, offset } of offsets) {
        assertEquals(offset, seen.get(partition) ?? 0);
        seen.set(partition, offset + 1);
      }
      assertEquals(offsets[4]?.partition, offsets[0]?.partition, "same key, same partition");
      assertGreater(offsets[4]?.offset ?? -1, offsets[0]?.offset ?? 0);
      assertEquals(
        (await highWatermarks(app, "t")).reduce((a, b) => a + b, 0),
        8,
      );
    },
  },
  {
    name: "`POST .../records` stores JSON text, base64 bytes, headers and timestamps",
    fn: async ({ app }) => {
      await createTopic(app, "t");
      await produce(app, "t", [
        { key: "k", value: "a", headers: { trace: "x-1", empty: "" } },
        { keyBase64: "AP8=", valueBase64: "AAEC", timestamp: 42 },
        { value: { nested: [1, true, null, "ü"] } },
        { value: null },
      ]);
      const bin = await fetchJson(app, "t", 0, "offset=0&format=binary");
      assertEquals(bin.records.map((r) => r.valueBase64), [
        btoa('"a"'),
        "AAEC",
        btoa(JSON.stringify({ nested: [1, true, null, "ü"] }).replace("ü", "\u00c3\u00bc")),
        null,
      ]);
      assertEquals(bin.records.map((r) => r.keyBase64), [btoa("k"), "AP8=", null, null]);
      const json = await fetchJson(app, "t", 0, "offset=0");
      const [r0, r1, r2, r3] = json.records;
      assertEquals(r0?.key, "k");
      assertEquals(r0?.value, "a");
      assertEquals(r0?.headers, { trace: "x-1", empty: "" });
      assertEquals(r0?.timestamp, NOW, "broker time for records without timestamp");
      assertEquals(r1?.timestamp, 42);
      assertEquals(r1?.keyBase64, "AP8=", "a non-UTF-8 key is shown as base64");
      assertEquals(r1?.valueBase64, "AAEC", "non-JSON bytes are shown as base64");
      assertEquals(r2?.value, { nested: [1, true, null, "ü"] });
      assertEquals(r3?.value, null);
      const str = await fetchJson(app, "t", 0, "offset=0&format=string");
      assertEquals(str.records[0]?.value, '"a"');
      assertEquals(json.nextOffset, 4);
    },
  },
  {
    name: "`POST .../records` accepts deeply nested JSON values",
    fn: async ({ app }) => {
      await createTopic(app, "t");
      let value: unknown = "leaf";
      for (let i = 0; i < 500; i++) value = { d: [value] };
      await produce(app, "t", [{ value }]);
      const got = await fetchJson(app, "t", 0, "offset=0");
      assertEquals(got.records[0]?.value, value);
    },
  },
  {
    name: "`POST .../records` writes nothing when any record is bad (INVALID_RECORD)",
    fn: async ({ app }) => {
      await createTopic(app, "t", 2);
      const good = { key: "k", value: 1 };
      const badRecords: unknown[] = [
        { valueBase64: "not base64!" },
        { keyBase64: "%%%", value: 1 },
        { value: 1, partition: 2 },
        { value: 1, valueBase64: "AA==" },
        { key: "a", keyBase64: "AA==", value: 1 },
        { key: "no value" },
      ];
      for (const bad of badRecords) {
        await expectError(
          await send(app, "POST", "/v1/topics/t/records", { records: [good, good, bad] }),
          400,
          "INVALID_RECORD",
        );
      }
      assertEquals(await highWatermarks(app, "t"), [0, 0]);
    },
  },
  {
    name: "`POST .../records` rejects malformed bodies and acks with INVALID_REQUEST",
    fn: async ({ app }) => {
      await createTopic(app, "t");
      const bodies: unknown[] = [
        {},
        { records: [] },
        { records: {} },
        { records: [{ value: 1, headers: { a: 1 } }] },
        { records: [{ value: 1, partition: -1 }] },
        { records: [{ value: 1, partition: 0.5 }] },
        { records: [{ value: 1, timestamp: "now" }] },
        { records: [{ key: 5, value: 1 }] },
      ];
      for (const body of bodies) {
        await expectError(
          await send(app, "POST", "/v1/topics/t/records", body),
          400,
          "INVALID_REQUEST",
        );
      }
      for (const acks of ["2", "none", "", "ALL"]) {
        await expectError(
          await send(app, "POST", `/v1/topics/t/records?acks=${acks}`, { records: [{ value: 1 }] }),
          400,
          "INVALID_REQUEST",
        );
      }
      await expectError(
        await app.request("/v1/topics/t/records", {
          method: "POST",
          body: "[1,",
          headers: JSON_HEADERS,
        }),
        400,
        "INVALID_REQUEST",
      );
      await expectError(
        await send(app, "POST", "/v1/topics/none/records", { records: [{ value: 1 }] }),
        404,
        "UNKNOWN_TOPIC_OR_PARTITION",
      );
      assertEquals(await highWatermarks(app, "t"), [0]);
    },
  },
  {
    name: "`POST .../records` caps a request at 100,000 records",
    limit: 8 * 1024 * 1024,
    fn: async ({ app }) => {
      await createTopic(app, "t");
      const records = Array.from({ length: 100_001 }, () => ({ value: 1 }));
      await expectError(
        await send(app, "POST", "/v1/topics/t/records", { records }),
        400,
        "INVALID_REQUEST",
      );
      assertEquals(await highWatermarks(app, "t"), [0]);
    },
  },
  {
    name: "`POST .../records` honours acks: 0 → 202 {}, 1/all/-1 → 200",
    fn: async ({ app }) => {
      await createTopic(app, "t");
      for (const acks of ["1", "all", "-1"]) {
        assertEquals((await produce(app, "t", [{ value: acks }], `?acks=${acks}`)).length, 1);
      }
      const res = await send(app, "POST", "/v1/topics/t/records?acks=0", {
        records: [{ value: 0 }],
      });
      assertEquals(res.status, 202);
      assertEquals(await res.json(), {});
      await waitFor("the acks=0 record", async () => (await highWatermarks(app, "t"))[0] === 4);
    },
  },
  {
    name:
      "`POST .../records` splits batches to fit max.message.bytes and rejects a lone giant (413)",
    fn: async ({ app }) => {
      await createTopic(app, "t");
      await expectOk(
        await send(app, "PATCH", "/v1/topics/t/configs", { configs: { "max.message.bytes": 300 } }),
      );
      const small = Array.from(
        { length: 20 },
        (_, i) => ({ value: `record-${i}-padding-padding` }),
      );
      const offsets = await produce(app, "t", small);
      assertEquals(offsets.map((o) => o.offset), small.map((_, i) => i));
      await expectError(
        await send(app, "POST", "/v1/topics/t/records", {
          records: [{ value: "ok" }, { value: "x".repeat(1000) }],
        }),
        413,
        "RECORD_TOO_LARGE",
      );
      assertEquals(await highWatermarks(app, "t"), [20]);
    },
  },
  {
    name: "`POST .../batches` appends RecordBatch v2 and assigns offsets",
    fn: async ({ app }) => {
      await createTopic(app, "t", 2);
      const path = "/v1/topics/t/partitions/1/batches";
      assertEquals(await expectOk(await postBatch(app, path, batchOf(["a", "b", "c"]))), {
        baseOffset: 0,
        lastOffset: 2,
      });
      const two = new Uint8Array([...batchOf(["d"]), ...batchOf(["e", "f"])]);
      const second = await expectOk(await postBatch(app, path, two));
      assertEquals([second.baseOffset, second.lastOffset], [3, 5]);
      const withCharset = await postBatch(app, path, batchOf(["g"]), {
        "content-type": `${RECORD_BATCH_CONTENT_TYPE}; charset=binary`,
      });
      assertEquals((await expectOk(withCharset)).baseOffset, 6);
      const zero = await postBatch(app, `${path}?acks=0`, batchOf(["h"]));
      assertEquals(zero.status, 202);
      assertEquals(await zero.json(), {});
      await waitFor("the acks=0 batch", async () => (await highWatermarks(app, "t"))[1] === 8);
      const got = await fetchJson(app, "t", 1, "offset=0&format=string");
      assertEquals(got.records.map((r) => r.value), ["a", "b", "c", "d", "e", "f", "g", "h"]);
      assertEquals(got.records.map((r) => r.offset), [0, 1, 2, 3, 4, 5, 6, 7]);
    },
  },
  {
    name: "`POST .../batches` rejects content types, garbage and truncation; writes nothing",
    fn: async ({ app }) => {
      await createTopic(app, "t");
      const path = "/v1/topics/t/partitions/0/batches";
      const good = batchOf(["a", "b"]);
      await expectError(
        await postBatch(app, path, good, { "content-type": "application/octet-stream" }),
        400,
        "INVALID_REQUEST",
      );
      await expectError(
        await app.request(path, { method: "POST", body: good as Uint8Array<ArrayBuffer> }),
        400,
        "INVALID_REQUEST",
      );
      await expectError(
        await postBatch(app, path, JSON.stringify({ records: [] }), JSON_HEADERS),
        400,
        "INVALID_REQUEST",
      );
      const flipped = good.slice();
      flipped[flipped.length - 1]! ^= 0xff;
      const garbage = new Uint8Array(100).map((_, i) => (i * 37) & 0xff);
      const bodies: Uint8Array[] = [
        new Uint8Array(0),
        good.subarray(0, good.length - 3),
        good.subarray(0, 30),
        flipped,
        garbage,
        new Uint8Array([...good, ...flipped]),
        new Uint8Array([...good, 0, 0]),
      ];
      for (const body of bodies) {
        await expectError(await postBatch(app, path, body), 400, "INVALID_RECORD");
      }
      assertEquals(await highWatermarks(app, "t"), [0]);
      await expectError(
        await postBatch(app, "/v1/topics/t/partitions/1/batches", good),
        404,
        "UNKNOWN_TOPIC_OR_PARTITION",
      );
      await expectError(
        await postBatch(app, "/v1/topics/none/partitions/0/batches", good),
        404,
        "UNKNOWN_TOPIC_OR_PARTITION",
      );
      await expectError(await postBatch(app, `${path}?acks=2`, good), 400, "INVALID_REQUEST");
    },
  },
  {
    name: "`GET .../batches` returns raw batches with offset headers",
    fn: async ({ app }) => {
      await createTopic(app, "t");
      await postBatch(app, "/v1/topics/t/partitions/0/batches", batchOf(["a", "b"]));
      await postBatch(app, "/v1/topics/t/partitions/0/batches", batchOf(["c"]));
      const res = await app.request("/v1/topics/t/partitions/0/batches?offset=0", {
        headers: { accept: RECORD_BATCH_CONTENT_TYPE },
      });
      assertEquals(res.status, 200);
      assertEquals(res.headers.get("content-type"), RECORD_BATCH_CONTENT_TYPE);
      assertEquals(res.headers.get(BATCH_HEADERS.highWatermark), "3");
      assertEquals(res.headers.get(BATCH_HEADERS.logStartOffset), "0");
      assertEquals(res.headers.get(BATCH_HEADERS.nextOffset), "3");
      const bytes = new Uint8Array(await res.arrayBuffer());
      const offsets = [...iterateBatches(bytes)].flatMap(({ pos }) =>
        decodeRecords(bytes, pos).map((r) => r.offset)
      );
      assertEquals(offsets, [0, 1, 2]);
      const end = await app.request("/v1/topics/t/partitions/0/batches?offset=latest");
      assertEquals(end.status, 200);
      assertEquals((await end.arrayBuffer()).byteLength, 0);
      assertEquals(end.headers.get(BATCH_HEADERS.nextOffset), "3");
      await expectError(
        await app.request("/v1/topics/t/partitions/0/batches?offset=4"),
        416,
        "OFFSET_OUT_OF_RANGE",
      );
      await expectError(
        await app.request("/v1/topics/t/partitions/0/batches?maxBytes=0"),
        400,
        "INVALID_REQUEST",
      );
    },
  },
  {
    name: "`GET .../records` trims to the asked offset and to maxRecords",
    fn: async ({ app }) => {
      await createTopic(app, "t");
      await postBatch(app, "/v1/topics/t/partitions/0/batches", batchOf(["0", "1", "2", "3", "4"]));
      await postBatch(app, "/v1/topics/t/partitions/0/batches", batchOf(["5", "6"]));
      const from2 = await fetchJson(app, "t", 0, "offset=2");
      assertEquals(from2.records.map((r) => r.offset), [2, 3, 4, 5, 6]);
      assertEquals([from2.nextOffset, from2.highWatermark, from2.logStartOffset], [7, 7, 0]);
      const two = await fetchJson(app, "t", 0, "offset=3&maxRecords=2");
      assertEquals(two.records.map((r) => r.offset), [3, 4]);
      assertEquals(two.nextOffset, 5);
      const tiny = await fetchJson(app, "t", 0, "offset=0&maxBytes=1");
      assertGreater(tiny.records.length, 0, "at least one batch even over maxBytes");
      const earliest = await fetchJson(app, "t", 0, "offset=earliest&maxRecords=1");
      assertEquals(earliest.records.map((r) => r.offset), [0]);
      const byDefault = await fetchJson(app, "t", 0, "");
      assertEquals(byDefault.records.length, 7, "a missing offset means earliest");
      const latest = await fetchJson(app, "t", 0, "offset=latest");
      assertEquals([latest.records.length, latest.nextOffset], [0, 7]);
      const atEnd = await fetchJson(app, "t", 0, "offset=7");
      assertEquals([atEnd.records.length, atEnd.nextOffset], [0, 7]);
      await expectError(
        await app.request("/v1/topics/t/partitions/0/records?offset=8"),
        416,
        "OFFSET_OUT_OF_RANGE",
      );
    },
  },
  {
    name: "`GET .../records` rejects bad query values and partitions",
    fn: async ({ app }) => {
      await createTopic(app, "t");
      const queries = [
        "offset=-1",
        "offset=NaN",
        "offset=1e3",
        "offset=1.5",
        "offset=%201",
        "offset=0x10",
        "offset=",
        "offset=99999999999999999999",
        "maxRecords=0",
        "maxRecords=100001",
        "maxRecords=abc",
        "maxBytes=0",
        `maxBytes=${64 * 1024 * 1024 + 1}`,
        "waitMs=-1",
        "waitMs=30001",
        "waitMs=1.5",
        "format=xml",
      ];
      for (const q of queries) {
        await expectError(
          await app.request(`/v1/topics/t/partitions/0/records?${q}`),
          400,
          "INVALID_REQUEST",
        );
      }
      for (const p of ["-1", "01", "1.0", "abc", "99999999999", "%20"]) {
        await expectError(
          await app.request(`/v1/topics/t/partitions/${p}/records`),
          400,
          "INVALID_REQUEST",
        );
      }
      await expectError(
        await app.request("/v1/topics/t/partitions/7/records"),
        404,
        "UNKNOWN_TOPIC_OR_PARTITION",
      );
      await expectError(
        await app.request("/v1/topics/..%2Fx/partitions/0/records"),
        400,
        "INVALID_TOPIC_EXCEPTION",
      );
      const ok = await fetchJson(app, "t", 0, `maxRecords=100000&maxBytes=${64 * 1024 * 1024}`);
      assertEquals(ok.records, []);
    },
  },
  {
    name: "`GET .../records` long-poll wakes when a record is appended",
    fn: async ({ app, backend }) => {
      await createTopic(app, "t");
      await produce(app, "t", [{ value: "first" }]);
      const started = Date.now();
      const pending = app.request("/v1/topics/t/partitions/0/records?offset=1&waitMs=30000");
      if (backend.parkedFetches) {
        await waitFor("the fetch to park", () => backend.parkedFetches?.() === 1);
      }
      await produce(app, "t", [{ value: "second" }]);
      const got = FetchResponseSchema.parse(await expectOk(await pending));
      assertEquals(got.records.map((r) => r.value), ["second"]);
      assertLess(Date.now() - started, 20_000);
      if (backend.parkedFetches) assertEquals(backend.parkedFetches(), 0);
    },
  },
  {
    name: "`GET .../records` long-poll ends empty after waitMs",
    fn: async ({ app }) => {
      await createTopic(app, "t");
      const got = await fetchJson(app, "t", 0, "offset=0&waitMs=20");
      assertEquals([got.records.length, got.nextOffset], [0, 0]);
    },
  },
  {
    name: "`GET .../records` long-poll is released when the client aborts",
    fn: async ({ app, backend }) => {
      await createTopic(app, "t");
      const controller = new AbortController();
      const pending = app.request("/v1/topics/t/partitions/0/records?offset=0&waitMs=30000", {
        signal: controller.signal,
      });
      if (backend.parkedFetches) {
        await waitFor("the fetch to park", () => backend.parkedFetches?.() === 1);
      }
      controller.abort();
      const res = await pending;
      assertGreater(res.status, 399);
      await res.body?.cancel();
      if (backend.parkedFetches) assertEquals(backend.parkedFetches(), 0);
    },
  },
  {
    name: "`GET .../offsets` gives earliest, latest and the offset for a timestamp",
    fn: async ({ app }) => {
      await createTopic(app, "t");
      await produce(app, "t", [
        { value: 1, timestamp: 100 },
        { value: 2, timestamp: 200 },
        { value: 3, timestamp: 300 },
      ]);
      assertEquals(await expectOk(await app.request("/v1/topics/t/partitions/0/offsets")), {
        earliest: 0,
        latest: 3,
      });
      const at = async (ts: number) =>
        (await expectOk<{ offsetForTimestamp?: number | null }>(
          await app.request(`/v1/topics/t/partitions/0/offsets?timestamp=${ts}`),
        )).offsetForTimestamp;
      assertEquals(await at(0), 0);
      assertEquals(await at(150), 1);
      assertEquals(await at(300), 2);
      assertEquals(await at(301) ?? null, null);
      for (const ts of ["-1", "abc", "1.5"]) {
        await expectError(
          await app.request(`/v1/topics/t/partitions/0/offsets?timestamp=${ts}`),
          400,
          "INVALID_REQUEST",
        );
      }
      await expectError(
        await app.request("/v1/topics/t/partitions/3/offsets"),
        404,
        "UNKNOWN_TOPIC_OR_PARTITION",
      );
    },
  },
  {
    name: "`GET .../stream` sends one event per record and follows new ones",
    fn: async ({ app, backend }) => {
      await createTopic(app, "t");
      await produce(app, "t", [{ key: "a", value: { n: 1 } }, { value: "two" }]);
      const controller = new AbortController();
      const res = await app.request("/v1/topics/t/partitions/0/stream?offset=0", {
        signal: controller.signal,
      });
      assertEquals(res.status, 200);
      assertStringIncludes(res.headers.get("content-type") ?? "", "text/event-stream");
      const sse = new SseReader(res);
      try {
        const first = await sse.next();
        assertEquals(first.id, "0");
        assertEquals(JSON.parse(first.data).value, { n: 1 });
        assertEquals(JSON.parse(first.data).key, "a");
        assertEquals((await sse.next()).id, "1");
        await produce(app, "t", [{ value: "three" }]);
        const third = await sse.next();
        assertEquals([third.id, JSON.parse(third.data).value], ["2", "three"]);
      } finally {
        await sse.cancel();
        controller.abort();
      }
      if (backend.parkedFetches) {
        await waitFor("the stream to free its parked fetch", () => backend.parkedFetches?.() === 0);
      }
    },
  },
  {
    name: "`GET .../stream` resumes after Last-Event-ID",
    fn: async ({ app }) => {
      await createTopic(app, "t");
      await produce(app, "t", [{ value: 0 }, { value: 1 }, { value: 2 }, { value: 3 }]);
      const controller = new AbortController();
      const res = await app.request("/v1/topics/t/partitions/0/stream?offset=0", {
        headers: { "last-event-id": "1" },
        signal: controller.signal,
      });
      const sse = new SseReader(res);
      try {
        const e = await sse.next();
        assertEquals([e.id, JSON.parse(e.data).value], ["2", 2]);
        assertEquals((await sse.next()).id, "3");
      } finally {
        await sse.cancel();
        controller.abort();
      }
      await expectError(
        await app.request("/v1/topics/t/partitions/0/stream", {
          headers: { "last-event-id": "x" },
        }),
        400,
        "INVALID_REQUEST",
      );
    },
  },
  {
    name: "`GET .../stream` answers bad requests with plain HTTP errors",
    fn: async ({ app }) => {
      await createTopic(app, "t");
      await expectError(
        await app.request("/v1/topics/none/partitions/0/stream"),
        404,
        "UNKNOWN_TOPIC_OR_PARTITION",
      );
      await expectError(
        await app.request("/v1/topics/t/partitions/0/stream?offset=-1"),
        400,
        "INVALID_REQUEST",
      );
      await expectError(
        await app.request("/v1/topics/t/partitions/0/stream?offset=5"),
        416,
        "OFFSET_OUT_OF_RANGE",
      );
    },
  },
  {
    name: "`POST /v1/producers` allocates distinct producer ids",
    fn: async ({ app }) => {
      const a = await expectOk<{ producerId: number; producerEpoch: number }>(
        await app.request("/v1/producers", { method: "POST" }),
      );
      const b = await expectOk<{ producerId: number }>(
        await app.request("/v1/producers", { method: "POST" }),
      );
      assert(Number.isInteger(a.producerId) && Number.isInteger(a.producerEpoch));
      assert(a.producerId !== b.producerId);
    },
  },
  {
    name: "a streaming body over the limit is cut off with 413 before it is read whole",
    limit: 4096,
    fn: async ({ app }) => {
      await createTopic(app, "t");
      let pulled = 0;
      const chunk = new Uint8Array(1024).fill(0x20);
      const total = 1024 * 1024;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulled >= total) return controller.close();
          pulled += chunk.byteLength;
          controller.enqueue(chunk.slice());
        },
      });
      const res = await app.request("/v1/topics/t/partitions/0/batches", {
        method: "POST",
        headers: BATCH_CT,
        body,
      });
      await expectError(res, 413, "REQUEST_TOO_LARGE");
      assertLess(pulled, 64 * 1024, `read ${pulled} bytes of ${total}`);
      const declared = await app.request("/v1/topics/t/records", {
        method: "POST",
        headers: { ...JSON_HEADERS, "content-length": String(10_000_000) },
        body: new ReadableStream({
          pull: (c) => {
            c.enqueue(new Uint8Array(10));
          },
        }),
      });
      await expectError(declared, 413, "REQUEST_TOO_LARGE");
      const json = await send(app, "POST", "/v1/topics/t/records", {
        records: [{ value: "x".repeat(5000) }],
      });
      await expectError(json, 413, "REQUEST_TOO_LARGE");
      assertEquals(await highWatermarks(app, "t"), [0]);
    },
  },
  {
    name: "unknown routes are 404 NOT_FOUND and wrong methods 405, both with the error body",
    fn: async ({ app }) => {
      await expectError(await app.request("/v2/topics"), 404, "NOT_FOUND");
      await expectError(await app.request("/v1/topics/t/partitions/0"), 404, "NOT_FOUND");
      const put = await app.request("/v1/topics", { method: "PUT" });
      await expectError(put, 405, "INVALID_REQUEST");
      assertStringIncludes(put.headers.get("allow") ?? "", "POST");
      await expectError(
        await app.request("/v1/topics/t/partitions/0/stream", { method: "POST" }),
        405,
        "INVALID_REQUEST",
      );
    },
  },
  {
    name: "`GET /openapi.json` describes every route and `/docs` serves a page",
    fn: async ({ app }) => {
      const doc = await expectOk<{ openapi: string; paths: Record<string, object> }>(
        await app.request("/openapi.json"),
      );
      assertEquals(doc.openapi, "3.1.0");
      const expected: [string, string][] = [
        ["/healthz", "get"],
        ["/v1/cluster", "get"],
        ["/v1/topics", "get"],
        ["/v1/topics", "post"],
        ["/v1/topics/{topic}", "get"],
        ["/v1/topics/{topic}", "delete"],
        ["/v1/topics/{topic}/configs", "patch"],
        ["/v1/topics/{topic}/records", "post"],
        ["/v1/topics/{topic}/partitions/{p}/records", "get"],
        ["/v1/topics/{topic}/partitions/{p}/batches", "post"],
        ["/v1/topics/{topic}/partitions/{p}/batches", "get"],
        ["/v1/topics/{topic}/partitions/{p}/offsets", "get"],
        ["/v1/topics/{topic}/partitions/{p}/stream", "get"],
        ["/v1/producers", "post"],
      ];
      for (const [path, method] of expected) {
        assert(method in (doc.paths[path] ?? {}), `${method.toUpperCase()} ${path} is documented`);
      }
      const docs = await app.request("/docs");
      assertEquals(docs.status, 200);
      assertStringIncludes(await docs.text(), "/openapi.json");
      const metrics = await app.request("/metrics");
      assertEquals(metrics.status, 200);
      await metrics.body?.cancel();
    },
  },
];

/**
 * Registers the edge conformance suite as `Deno.test`s named
 * `"<name>: <case>"`, each with a fresh backend from `makeBackend` (disposed
 * at the end of the case) and `createApp(backend, { now, random })` with a
 * fixed clock.
 *
 * @param name Label of the implementation, e.g. `"memory"`.
 * @param makeBackend Builds a backend reporting the given `maxRequestBytes`.
 * @param options Cases to skip, each with a reason.
 *
 * @example Run against the in-memory backend
 * ```ts ignore
 * import { runEdgeConformance } from "./edge_conformance.ts";
 * import { MemoryBackend } from "../../tests/_helpers/memory_backend.ts";
 *
 * runEdgeConformance("memory", (o) => new MemoryBackend(o));
 * ```
 */
export function runEdgeConformance(
  name: string,
  makeBackend: Make,
  options: EdgeConformanceOptions = {},
): void {
  for (const c of cases) {
    const reason = options.skip?.[c.name];
    Deno.test({
      name: `${name}: ${c.name}${reason === undefined ? "" : ` (skipped: ${reason})`}`,
      ignore: reason !== undefined,
      fn: async () => {
        await using backend = await makeBackend({ maxRequestBytes: c.limit ?? DEFAULT_LIMIT });
        const app = createApp(backend, { now: () => NOW, random: () => 0.5 });
        await c.fn({ app, backend });
      },
    });
  }
}

/** Names of every case, for `skip` maps. */
export const EDGE_CONFORMANCE_CASES: readonly string[] = cases.map((c) => c.name);
