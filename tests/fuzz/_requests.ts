/**
 * Random and structure-aware HTTP requests for the edge fuzz test: every
 * route of API.md with mutated path params, queries, content types and
 * bodies (deep JSON, wrong types, huge numbers, NUL/unicode/`..` names,
 * random, truncated and lying RecordBatch v2 bytes, gigantic varints).
 *
 * @module
 */
import { computeBatchCrc, encodeRecordBatch } from "../../client/protocol/mod.ts";
import type { Prng } from "./_prng.ts";

/** One generated request. */
export interface FuzzRequest {
  /** HTTP method. */
  method: string;
  /** Path and query, already encoded. */
  url: string;
  /** Headers. */
  headers: Record<string, string>;
  /** Body, if any. */
  body?: Uint8Array;
  /** Short description of how it was made (printed on failure). */
  kind: string;
}

/** Names the fuzz fixture provides. */
export interface FuzzFixture {
  /** Existing topics (2 partitions each). */
  topics: readonly string[];
  /** An existing group id. */
  group: string;
  /** Member ids that joined `group` (filled in as the run goes). */
  members: string[];
}

const enc = new TextEncoder();

const ROUTES: readonly { method: string; path: string }[] = [
  { method: "GET", path: "/healthz" },
  { method: "GET", path: "/readyz" },
  { method: "GET", path: "/v1/cluster" },
  { method: "GET", path: "/v1/topics" },
  { method: "POST", path: "/v1/topics" },
  { method: "GET", path: "/v1/topics/{topic}" },
  { method: "PATCH", path: "/v1/topics/{topic}/configs" },
  { method: "DELETE", path: "/v1/topics/{topic}" },
  { method: "POST", path: "/v1/topics/{topic}/records" },
  { method: "POST", path: "/v1/topics/{topic}/partitions/{p}/batches" },
  { method: "GET", path: "/v1/topics/{topic}/partitions/{p}/records" },
  { method: "GET", path: "/v1/topics/{topic}/partitions/{p}/batches" },
  { method: "GET", path: "/v1/topics/{topic}/partitions/{p}/offsets" },
  { method: "GET", path: "/v1/topics/{topic}/partitions/{p}/stream" },
  { method: "POST", path: "/v1/producers" },
  { method: "GET", path: "/v1/groups" },
  { method: "GET", path: "/v1/groups/{group}" },
  { method: "POST", path: "/v1/groups/{group}/members" },
  { method: "POST", path: "/v1/groups/{group}/members/{member}/heartbeat" },
  { method: "DELETE", path: "/v1/groups/{group}/members/{member}" },
  { method: "POST", path: "/v1/groups/{group}/offsets" },
  { method: "GET", path: "/v1/groups/{group}/offsets" },
  { method: "GET", path: "/metrics" },
  { method: "GET", path: "/ui" },
  { method: "GET", path: "/ui/topics/{topic}" },
  { method: "GET", path: "/ui/topics/{topic}/records" },
  { method: "POST", path: "/ui/topics" },
  { method: "POST", path: "/ui/topics/{topic}/records" },
];

/** Names that must never be accepted as topic or group names or escape the data dir. */
export const HOSTILE_NAMES: readonly string[] = [
  "",
  ".",
  "..",
  "../..",
  "../../etc/passwd",
  "a/b",
  "a\\b",
  "/abs",
  "a\0b",
  "\0",
  "é",
  "😀",
  "a b",
  " ",
  "a%2Fb",
  "CON",
  "x".repeat(250),
  "x".repeat(5000),
  "__consumer_offsets",
  "-1",
  "a\nb",
  "a\u202eb",
];

const NUMBERS: readonly string[] = [
  "0",
  "1",
  "-1",
  "-0",
  "1.5",
  "NaN",
  "Infinity",
  "-Infinity",
  "1e309",
  "-1e309",
  "1e3",
  "0x10",
  "9007199254740993",
  "99999999999999999999999999",
  "",
  " 1",
  "1 ",
  "abc",
  "٣",
  "1\0",
  "2147483648",
  "30001",
  "100001",
  "67108865",
];

const FORMATS = ["json", "string", "binary", "JSON", "xml", "", "\0"];

/** A small value for a query or body field: mostly numbers, sometimes other JSON. */
function jsonScalar(r: Prng): unknown {
  return r.pick<unknown>([
    0,
    1,
    -1,
    1.5,
    2 ** 31,
    2 ** 53 + 2,
    -(2 ** 63),
    1e308,
    Number.MAX_VALUE,
    "1",
    "",
    "x".repeat(r.int(0, 300)),
    "\0",
    "😀",
    null,
    true,
    false,
    [],
    {},
    [1, 2],
    { a: 1 },
  ]);
}

function randomJson(r: Prng, depth = 0): unknown {
  if (depth > 4 || r.chance(0.5)) return jsonScalar(r);
  if (r.chance(0.5)) {
    return Array.from({ length: r.int(0, 4) }, () => randomJson(r, depth + 1));
  }
  const o: Record<string, unknown> = {};
  for (let i = r.int(0, 4); i > 0; i--) {
    const key = r.pick([
      "records",
      "name",
      "value",
      "key",
      "partitions",
      "topics",
      "offsets",
      "x",
      "__proto__",
      "constructor",
    ]);
    // defineProperty so `__proto__` becomes an own key that JSON.stringify sends.
    Object.defineProperty(o, key, {
      value: randomJson(r, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return o;
}

/** Deep JSON nesting: `[[[...]]]` or `{"a":{"a":...}}`, `levels` deep (not valid by construction for every route). */
export function deepJson(levels: number, objects: boolean): string {
  return objects
    ? '{"a":'.repeat(levels) + "1" + "}".repeat(levels)
    : "[".repeat(levels) + "]".repeat(levels);
}

function name(r: Prng, fixture: readonly string[]): string {
  if (r.chance(0.6)) return r.pick(fixture);
  if (r.chance(0.5)) return r.pick(HOSTILE_NAMES);
  return "fz-" + r.int(0, 30);
}

function encodeSegment(s: string, r: Prng): string {
  // Mostly encoded; sometimes raw so `..` and `/` reach the router as they are.
  return r.chance(0.8) ? encodeURIComponent(s) : s;
}

function query(r: Prng): string {
  const keys = [
    "offset",
    "maxRecords",
    "maxBytes",
    "waitMs",
    "format",
    "timestamp",
    "acks",
    "topic",
  ];
  const parts: string[] = [];
  for (const k of keys) {
    if (!r.chance(0.4)) continue;
    let v: string;
    if (k === "format") v = r.pick(FORMATS);
    else if (k === "acks") v = r.pick(["0", "1", "all", "-1", "2", "", "ALL"]);
    else if (k === "waitMs") {
      v = r.pick(["0", "1", "-1", "30001", "1e309", "NaN", "abc", "99999999"]);
    } else if (k === "offset") v = r.pick([...NUMBERS, "earliest", "latest", "EARLIEST"]);
    else v = r.pick(NUMBERS);
    parts.push(`${k}=${encodeURIComponent(v)}`);
    if (r.chance(0.05)) parts.push(`${k}=${encodeURIComponent(r.pick(NUMBERS))}`);
  }
  return parts.length ? "?" + parts.join("&") : "";
}

/** A valid small batch to start mutations from. */
function baseBatch(r: Prng): Uint8Array {
  const n = r.int(1, 5);
  return encodeRecordBatch(
    Array.from({ length: n }, (_, i) => ({
      key: r.chance(0.7) ? enc.encode("k" + i) : null,
      value: enc.encode(JSON.stringify({ i })),
    })),
    { now: 1_700_000_000_000 },
  );
}

function fixCrc(b: Uint8Array): Uint8Array {
  if (b.length >= 61) new DataView(b.buffer, b.byteOffset).setUint32(17, computeBatchCrc(b, 0));
  return b;
}

/** A RecordBatch v2 that is wrong in one structure-aware way (CRC usually fixed up so checks go deeper). */
export function hostileBatch(r: Prng): { bytes: Uint8Array; how: string } {
  const b = baseBatch(r);
  const v = new DataView(b.buffer);
  const how = r.pick([
    "random",
    "truncated",
    "length-lie",
    "count-lie",
    "delta-lie",
    "magic",
    "crc",
    "codec",
    "compressed-garbage",
    "giant-varint",
    "record-length-lie",
    "trailing",
    "two-batches-second-bad",
    "negative-count",
  ]);
  switch (how) {
    case "random":
      return { bytes: r.bytes(r.int(0, 200)), how };
    case "truncated":
      return { bytes: b.slice(0, r.int(0, b.length - 1)), how };
    case "length-lie":
      v.setInt32(8, r.pick([0, 1, 48, 49, b.length, b.length * 2, 0x7fffffff, -1, -0x80000000]));
      return { bytes: b, how };
    case "count-lie":
      v.setInt32(57, r.pick([0, 2, 1000, 0x7fffffff, 100_001]));
      return { bytes: fixCrc(b), how };
    case "delta-lie":
      v.setInt32(23, r.pick([-1, 0x7fffffff, 1000]));
      return { bytes: fixCrc(b), how };
    case "magic":
      v.setInt8(16, r.pick([0, 1, 3, -1]));
      return { bytes: b, how };
    case "crc":
      v.setUint32(17, r.int(0, 0xffffffff));
      return { bytes: b, how };
    case "codec":
      v.setInt16(21, r.pick([5, 6, 7, 0x7fff, -1]));
      return { bytes: fixCrc(b), how };
    case "compressed-garbage": {
      v.setInt16(21, r.int(1, 4));
      for (let i = 61; i < b.length; i++) b[i] = r.int(0, 255);
      return { bytes: fixCrc(b), how };
    }
    case "giant-varint": {
      const at = r.int(61, b.length - 1);
      for (let i = at; i < Math.min(b.length, at + 10); i++) b[i] = 0xff;
      return { bytes: fixCrc(b), how };
    }
    case "record-length-lie":
      b[61] = r.pick([0x00, 0x01, 0x7f, 0xfe]);
      return { bytes: fixCrc(b), how };
    case "trailing": {
      const out = new Uint8Array(b.length + r.int(1, 20));
      out.set(b);
      return { bytes: out, how };
    }
    case "two-batches-second-bad": {
      const c = baseBatch(r);
      c[c.length - 1]! ^= 0xff;
      const out = new Uint8Array(b.length + c.length);
      out.set(b);
      out.set(c, b.length);
      return { bytes: out, how };
    }
    default: // negative-count
      v.setInt32(57, -5);
      return { bytes: fixCrc(b), how };
  }
}

function recordsBody(r: Prng): unknown {
  const record = (): unknown => {
    const rec: Record<string, unknown> = {};
    if (r.chance(0.7)) rec.value = r.chance(0.5) ? randomJson(r) : { ok: 1 };
    if (r.chance(0.4)) rec.key = r.chance(0.7) ? "k" : jsonScalar(r);
    if (r.chance(0.2)) rec.partition = jsonScalar(r);
    if (r.chance(0.2)) rec.timestamp = jsonScalar(r);
    if (r.chance(0.2)) rec.headers = r.chance(0.5) ? { h: "v" } : jsonScalar(r);
    if (r.chance(0.1)) rec.valueBase64 = r.pick(["AAAA", "!!!", "", "====", 5]);
    if (r.chance(0.1)) rec.keyBase64 = r.pick(["AAAA", "!!!", "", 5]);
    return rec;
  };
  if (r.chance(0.1)) return { records: jsonScalar(r) };
  return { records: Array.from({ length: r.int(0, 4) }, record) };
}

function topicBody(r: Prng): unknown {
  const body: Record<string, unknown> = {};
  if (r.chance(0.9)) body.name = r.chance(0.5) ? r.pick(HOSTILE_NAMES) : jsonScalar(r);
  if (r.chance(0.5)) body.partitions = r.pick<unknown>([0, -1, 1001, 1e9, 1.5, "2", null, 2 ** 53]);
  if (r.chance(0.3)) body.replicationFactor = jsonScalar(r);
  if (r.chance(0.4)) body.configs = configsBody(r);
  return body;
}

function configsBody(r: Prng): unknown {
  if (r.chance(0.1)) return jsonScalar(r);
  const keys = [
    "retention.ms",
    "retention.bytes",
    "cleanup.policy",
    "segment.bytes",
    "max.message.bytes",
    "min.insync.replicas",
    "unknown.key",
    "__proto__",
  ];
  const c: Record<string, unknown> = {};
  for (let i = r.int(1, 3); i > 0; i--) {
    Object.defineProperty(c, r.pick(keys), {
      enumerable: true,
      writable: true,
      configurable: true,
      value: r.pick<unknown>([
        -1,
        0,
        1,
        "compact",
        "delete",
        "bogus",
        "86400000",
        "1e309",
        1e309,
        2 ** 63,
        null,
        {},
        [],
      ]),
    });
  }
  return c;
}

function groupBody(r: Prng, route: string, fixture: FuzzFixture): unknown {
  const topics = fixture.topics;
  if (route.endsWith("/members")) {
    return {
      topics: r.chance(0.8)
        ? [r.pick(topics), ...(r.chance(0.2) ? [r.pick(HOSTILE_NAMES)] : [])]
        : jsonScalar(r),
      ...(r.chance(0.3)
        ? { sessionTimeoutMs: r.pick<unknown>([0, 999, 1000, 300001, -1, 1.5, "x", 2 ** 60]) }
        : {}),
      ...(r.chance(0.2) ? { instanceId: jsonScalar(r) } : {}),
      ...(r.chance(0.2) ? { rebalanceTimeoutMs: jsonScalar(r) } : {}),
    };
  }
  if (route.endsWith("/heartbeat")) {
    return {
      memberEpoch: jsonScalar(r),
      ownedPartitions: r.chance(0.7)
        ? [{ topic: r.pick(topics), partitions: [jsonScalar(r)] }]
        : jsonScalar(r),
    };
  }
  return {
    ...(r.chance(0.3)
      ? {
        memberId: fixture.members.length > 0 && r.chance(0.7)
          ? r.pick(fixture.members)
          : jsonScalar(r),
      }
      : {}),
    ...(r.chance(0.3) ? { memberEpoch: jsonScalar(r) } : {}),
    offsets: r.chance(0.8)
      ? [{
        topic: r.chance(0.7) ? r.pick(topics) : r.pick(HOSTILE_NAMES),
        partition: r.pick<unknown>([0, 1, -1, 99, 1.5, "0"]),
        offset: r.pick<unknown>([0, 1, -1, 2 ** 53, 1e309, "1", null]),
        ...(r.chance(0.2) ? { metadata: r.chance(0.5) ? "x".repeat(r.int(0, 10_000)) : 5 } : {}),
      }]
      : jsonScalar(r),
  };
}

function structuredBody(r: Prng, method: string, path: string, fixture: FuzzFixture): unknown {
  if (path === "/v1/topics" || path === "/ui/topics") return topicBody(r);
  if (path.endsWith("/configs")) return { configs: configsBody(r) };
  if (path.endsWith("/records")) return recordsBody(r);
  if (path.includes("/groups/")) return groupBody(r, path, fixture);
  return method === "GET" ? undefined : randomJson(r);
}

/**
 * Makes one request. Long waits are avoided on purpose: a valid `waitMs`
 * is at most a few ms so thousands of cases run in seconds.
 *
 * @param r The seeded PRNG.
 * @param fixture Names that exist.
 * @returns The request.
 */
export function fuzzRequest(r: Prng, fixture: FuzzFixture): FuzzRequest {
  const route = r.pick(ROUTES);
  let method = route.method;
  if (r.chance(0.05)) method = r.pick(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);
  const topic = name(r, fixture.topics);
  let path = route.path
    .replace("{topic}", encodeSegment(topic, r))
    .replace("{p}", r.chance(0.7) ? r.pick(["0", "1"]) : encodeURIComponent(r.pick(NUMBERS)))
    .replace("{group}", encodeSegment(r.chance(0.6) ? fixture.group : r.pick(HOSTILE_NAMES), r))
    .replace(
      "{member}",
      encodeSegment(
        fixture.members.length > 0 && r.chance(0.6)
          ? r.pick(fixture.members)
          : r.chance(0.5)
          ? "m-" + r.int(0, 3)
          : r.pick(HOSTILE_NAMES),
        r,
      ),
    );
  if (
    method === "DELETE" && route.path === "/v1/topics/{topic}" && fixture.topics.includes(topic)
  ) {
    path = "/v1/topics/fz-deletable"; // fixture topics stay
  }
  let q = query(r);
  // Keep valid long-polls short so the run stays fast.
  q = q.replace(
    /waitMs=(\d+)/,
    (_m, d: string) => (Number(d) <= 30_000 ? "waitMs=1" : `waitMs=${d}`),
  );
  const headers: Record<string, string> = {};
  let body: Uint8Array | undefined;
  let kind = `${method} ${route.path}`;
  if (method !== "GET" && method !== "HEAD") {
    const shape = r.pick([
      "structured",
      "structured",
      "structured",
      "random-json",
      "deep",
      "bytes",
      "batch",
      "none",
    ]);
    kind += ` body=${shape}`;
    const isBatchRoute = route.path.endsWith("/batches");
    if (shape === "batch" || (isBatchRoute && r.chance(0.7))) {
      const h = hostileBatch(r);
      body = h.bytes;
      kind += `:${h.how}`;
      headers["content-type"] = r.chance(0.85)
        ? "application/vnd.kafka.record-batch"
        : r.pick(["application/json", "text/plain", ""]);
    } else if (shape === "deep") {
      body = enc.encode(deepJson(r.pick([100, 10_000, 100_000]), r.chance(0.5)));
      headers["content-type"] = "application/json";
    } else if (shape === "bytes") {
      body = r.bytes(r.int(0, 300));
      headers["content-type"] = r.pick([
        "application/json",
        "application/octet-stream",
        "text/plain; charset=utf-8",
      ]);
    } else if (shape !== "none") {
      const value = shape === "random-json"
        ? randomJson(r)
        : structuredBody(r, method, route.path, fixture);
      let text = JSON.stringify(value) ?? "null";
      if (r.chance(0.1)) text = text.slice(0, r.int(0, text.length)); // truncated JSON
      body = enc.encode(text);
      headers["content-type"] = r.chance(0.9)
        ? r.pick(["application/json", "application/json; charset=utf-8"])
        : r.pick([
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data",
          "application/vnd.kafka.record-batch",
          "",
          "application/json; charset=latin1",
        ]);
    }
    if (headers["content-type"] === "") delete headers["content-type"];
  }
  if (route.path.endsWith("/batches") && method === "GET" && r.chance(0.5)) {
    headers.accept = r.pick([
      "application/vnd.kafka.record-batch",
      "application/json",
      "*/*",
      "text/html",
    ]);
  }
  return { method, url: path + q, headers, ...(body ? { body } : {}), kind };
}
