/**
 * Fuzz over every HTTP route of the edge, against a real BrokerNode (inline
 * actors, real logs in a temp dir) through `createApp(node).request()`, and a
 * smaller run over a real socket.
 *
 * Properties, for every case:
 * - never a 5xx; every error is `{ error: { code, message } }` with a code
 *   from `ERROR_CODES` whose status is the one answered;
 * - a rejected request writes nothing (log end offsets unchanged);
 * - afterwards no actor was restarted, a normal produce and fetch work, and
 *   memory stayed bounded.
 *
 * `WEIR_FUZZ_SEED=<n>` replays a run; `WEIR_FUZZ_CASES=<n>` sets the case
 * count (`deno task soak` runs many more). The seed is printed on failure.
 *
 * @module
 */
import { assert, assertEquals } from "@std/assert";
import { resolveConfig } from "../../broker/config.ts";
import { createApp } from "../../broker/http/mod.ts";
import { BrokerNode } from "../../broker/node.ts";
import { ERROR_CODES, isErrorCode } from "../../client/protocol/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { countFromEnv, Prng, seedFromEnv } from "./_prng.ts";
import { type FuzzFixture, type FuzzRequest, fuzzRequest } from "./_requests.ts";

const SEED = seedFromEnv("WEIR_FUZZ_SEED");
const CASES = countFromEnv("WEIR_FUZZ_CASES", 2000);
const SOCKET_CASES = Math.max(50, Math.floor(CASES / 10));

const SANE_TOPIC = "fz-sane";
const FIXTURE: FuzzFixture = { topics: ["fz", "fzc"], group: "fzg", members: [] };

async function startFixtureNode(
  dataDir: string,
  actorHost: "inline" | "worker" = "inline",
): Promise<BrokerNode> {
  const node = await BrokerNode.start(
    resolveConfig({ dataDir, port: 0, actorHost, maxRequestBytes: 256 * 1024 }),
  );
  await node.createTopic({ name: "fz", partitions: 2 });
  await node.createTopic({ name: "fzc", partitions: 2, configs: { "cleanup.policy": "compact" } });
  // Not given to the fuzzer (it may legally shrink max.message.bytes of the others).
  await node.createTopic({ name: SANE_TOPIC, partitions: 1 });
  return node;
}

async function logEnds(node: BrokerNode): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const t of FIXTURE.topics) {
    out[t] = (await node.describeTopic(t)).partitions.map((p) => p.highWatermark);
  }
  return out;
}

function toRequestInit(req: FuzzRequest, signal?: AbortSignal): RequestInit {
  return {
    method: req.method,
    headers: req.headers,
    ...(req.body ? { body: req.body as Uint8Array<ArrayBuffer> } : {}),
    ...(signal ? { signal } : {}),
  };
}

/** Checks one answer; returns a failure text or null. */
async function checkResponse(req: FuzzRequest, res: Response): Promise<string | null> {
  const isStream = req.url.includes("/stream") && res.status === 200;
  if (isStream || req.url.startsWith("/ui") || res.status < 400 || req.method === "HEAD") {
    await res.body?.cancel();
    return res.status >= 500 ? `status ${res.status}` : null;
  }
  const text = await res.text();
  if (res.status >= 500) return `status ${res.status}: ${text.slice(0, 300)}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `status ${res.status} with a non-JSON body: ${text.slice(0, 200)}`;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  if (typeof error?.code !== "string" || typeof error.message !== "string") {
    return `status ${res.status} without { error: { code, message } }: ${text.slice(0, 200)}`;
  }
  if (!isErrorCode(error.code)) return `unknown code ${error.code}`;
  if (ERROR_CODES[error.code].status !== res.status && res.status !== 405) {
    return `code ${error.code} answered with status ${res.status}`;
  }
  return null;
}

function describe(req: FuzzRequest): string {
  const body = req.body
    ? ` body(${req.body.length})=${new TextDecoder().decode(req.body.subarray(0, 160))}`
    : "";
  return `${req.kind} ${req.url.slice(0, 200)} ${JSON.stringify(req.headers)}${body}`;
}

async function sanityRoundTrip(
  call: (path: string, init?: RequestInit) => Promise<Response>,
): Promise<void> {
  const produced = await call(`/v1/topics/${SANE_TOPIC}/records`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ records: [{ value: { sane: true } }] }),
  });
  assertEquals(produced.status, 200, await produced.clone().text());
  const { offsets } = await produced.json() as { offsets: { offset: number }[] };
  const offset = offsets[0]!.offset;
  const fetched = await call(
    `/v1/topics/${SANE_TOPIC}/partitions/0/records?offset=${offset}&maxRecords=1`,
  );
  assertEquals(fetched.status, 200);
  const { records } = await fetched.json() as { records: { value: unknown }[] };
  assertEquals(records[0]?.value, { sane: true });
}

async function runCases(
  node: BrokerNode,
  call: (req: FuzzRequest) => Promise<Response>,
  count: number,
  seed: number,
): Promise<{ statuses: Record<number, number> }> {
  const r = new Prng(seed);
  const statuses: Record<number, number> = {};
  const slowest: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const req = fuzzRequest(r, FIXTURE);
    const before = await logEnds(node);
    let res: Response;
    const started = performance.now();
    try {
      res = await call(req);
    } catch (e) {
      throw new Error(
        `fuzz seed ${SEED}: case ${i} threw ${e instanceof Error ? e.stack : e}\n  ${
          describe(req)
        }`,
      );
    }
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    const kind = req.kind.split(":")[0]!;
    slowest[kind] = (slowest[kind] ?? 0) + performance.now() - started;
    if (
      res.status === 200 && req.method === "POST" && req.url.endsWith(`/${FIXTURE.group}/members`)
    ) {
      // Remember real members so heartbeats, commits and leaves reach the coordinator's logic.
      const { memberId } = await res.clone().json() as { memberId?: string };
      if (typeof memberId === "string" && FIXTURE.members.length < 20) {
        FIXTURE.members.push(memberId);
      }
    }
    const failure = await checkResponse(req, res);
    if (failure !== null) {
      throw new Error(`fuzz seed ${SEED}: case ${i}: ${failure}\n  ${describe(req)}`);
    }
    if (res.status >= 400) {
      const after = await logEnds(node);
      if (JSON.stringify(after) !== JSON.stringify(before)) {
        throw new Error(
          `fuzz seed ${SEED}: case ${i}: rejected with ${res.status} but log ends moved ${
            JSON.stringify(before)
          } -> ${JSON.stringify(after)}\n  ${describe(req)}`,
        );
      }
    }
  }
  if (Deno.env.get("WEIR_FUZZ_VERBOSE")) {
    const top = Object.entries(slowest).sort((a, b) => b[1] - a[1]).slice(0, 6)
      .map(([k, ms]) => `${k}: ${ms.toFixed(0)} ms`).join("; ");
    Deno.stderr.writeSync(new TextEncoder().encode(`slowest kinds: ${top}\n`));
  }
  return { statuses };
}

Deno.test("HTTP edge fuzz: every route answers bad input with a stable 4xx and writes nothing", async () => {
  await using dir = await tempDir("weir-fuzz-");
  await using node = await startFixtureNode(dir.path);
  const app = createApp(node);
  const restartsBefore = node.system.restartCounts();
  const rssBefore = Deno.memoryUsage().rss;
  const { statuses } = await runCases(
    node,
    async (req) => {
      const controller = new AbortController();
      const res = await app.request(req.url, toRequestInit(req, controller.signal));
      if (req.url.includes("/stream")) controller.abort();
      return res;
    },
    CASES,
    SEED,
  );
  if (Deno.env.get("WEIR_FUZZ_VERBOSE")) {
    Deno.stderr.writeSync(
      new TextEncoder().encode(`fuzz seed ${SEED}: ${CASES} cases ${JSON.stringify(statuses)}\n`),
    );
  }
  // Not only errors: some cases must get through, or the generator is broken.
  assert((statuses[200] ?? 0) > 0, `no 200 in ${JSON.stringify(statuses)} (seed ${SEED})`);
  assert((statuses[400] ?? 0) > CASES / 10, `too few 400s: ${JSON.stringify(statuses)}`);
  assertEquals(node.system.restartCounts(), restartsBefore, `seed ${SEED}`);
  await sanityRoundTrip((path, init) => Promise.resolve(app.request(path, init)));
  const grown = Deno.memoryUsage().rss - rssBefore;
  assert(grown < 512 * 1024 * 1024, `RSS grew by ${grown} bytes (seed ${SEED})`);
});

Deno.test("HTTP edge fuzz over a real socket: bad input never breaks the server", async () => {
  await using dir = await tempDir("weir-fuzz-");
  await using node = await startFixtureNode(dir.path);
  const app = createApp(node);
  const restartsBefore = node.system.restartCounts();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    app.fetch,
  );
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    await runCases(
      node,
      async (req) => {
        const controller = new AbortController();
        const url = base + (req.url.startsWith("/") ? req.url : "/" + req.url);
        const res = await fetch(url, toRequestInit(req, controller.signal));
        if (req.url.includes("/stream") && res.status === 200) {
          controller.abort();
          await res.body?.cancel().catch(() => {});
          return new Response(null, { status: 200 });
        }
        return res;
      },
      SOCKET_CASES,
      SEED ^ 0x5eed,
    );
    assertEquals(node.system.restartCounts(), restartsBefore, `seed ${SEED}`);
    await sanityRoundTrip((path, init) => fetch(base + path, init));
  } finally {
    await server.shutdown();
  }
});

Deno.test("HTTP edge fuzz with Worker-hosted actors: errors cross Workers, no actor restarts", async () => {
  await using dir = await tempDir("weir-fuzz-");
  await using node = await startFixtureNode(dir.path, "worker");
  const app = createApp(node);
  const restartsBefore = node.system.restartCounts();
  await runCases(
    node,
    async (req) => {
      const controller = new AbortController();
      const res = await app.request(req.url, toRequestInit(req, controller.signal));
      if (req.url.includes("/stream")) controller.abort();
      return res;
    },
    SOCKET_CASES,
    SEED ^ 0x0f0f,
  );
  assertEquals(node.system.restartCounts(), restartsBefore, `seed ${SEED}`);
  await sanityRoundTrip((path, init) => Promise.resolve(app.request(path, init)));
});
