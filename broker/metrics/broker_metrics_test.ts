import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { createApp } from "../http/mod.ts";
import { resolveConfig } from "../config.ts";
import { BrokerNode } from "../node.ts";
import { BrokerMetrics } from "./broker_metrics.ts";
import type { MetricsSnapshot } from "./metrics_source.ts";
import { parsePrometheusText, type PromText, sampleValue } from "./_prometheus_text.ts";
import { tempDir } from "../../tests/_helpers/temp_dir.ts";

const JSON_HEADERS = { "content-type": "application/json" };

async function scrape(app: { request: (path: string) => Response | Promise<Response> }) {
  const res = await app.request("/metrics");
  assertEquals(res.status, 200);
  assertStringIncludes(res.headers.get("content-type") ?? "", "text/plain");
  return parsePrometheusText(await res.text());
}

function value(text: PromText, name: string, labels: Record<string, string> = {}): number {
  const v = sampleValue(text, name, labels);
  if (v === undefined) throw new Error(`no sample ${name} ${JSON.stringify(labels)}`);
  return v;
}

Deno.test("`GET /metrics` counts records and bytes per topic over a real BrokerNode", async (t) => {
  await using dir = await tempDir("weir-metrics-");
  await using node = await BrokerNode.start(
    resolveConfig({ dataDir: dir.path, actorHost: "inline" }),
  );
  const app = createApp(node, { metrics: new BrokerMetrics({ source: node }) });
  await node.createTopic({ name: "orders", partitions: 2 });

  await t.step("produce counts records and bytes in, from the batch headers", async () => {
    const records = [0, 0, 0, 1, 1].map((partition, i) => ({ value: { i }, partition }));
    const res = await app.request("/v1/topics/orders/records?acks=all", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ records }),
    });
    assertEquals(res.status, 200);
    const m = await scrape(app);
    assertEquals(m.types.get("weir_records_in_total"), "counter");
    assertEquals(value(m, "weir_records_in_total", { topic: "orders" }), 5);
    const size0 = value(m, "weir_partition_size_bytes", { topic: "orders", partition: "0" });
    const size1 = value(m, "weir_partition_size_bytes", { topic: "orders", partition: "1" });
    assert(size0 > 61 && size1 > 61, "each partition holds a batch");
    assertEquals(value(m, "weir_bytes_in_total", { topic: "orders" }), size0 + size1);
    assertEquals(value(m, "weir_partition_log_end_offset", { topic: "orders", partition: "0" }), 3);
    assertEquals(value(m, "weir_partition_log_end_offset", { topic: "orders", partition: "1" }), 2);
    assertEquals(value(m, "weir_produce_duration_seconds_count", { acks: "all" }), 2);
    assert(value(m, "weir_log_fsyncs_total") >= 2, "acks=all fsyncs each partition");
    assertEquals(sampleValue(m, "weir_records_out_total", { topic: "orders" }), undefined);
  });

  await t.step("fetch counts records and bytes out", async () => {
    const res = await app.request("/v1/topics/orders/partitions/0/records?offset=0");
    assertEquals(res.status, 200);
    assertEquals((await res.json()).records.length, 3);
    const m = await scrape(app);
    assertEquals(value(m, "weir_records_out_total", { topic: "orders" }), 3);
    assertEquals(
      value(m, "weir_bytes_out_total", { topic: "orders" }),
      value(m, "weir_partition_size_bytes", { topic: "orders", partition: "0" }),
    );
    assertEquals(value(m, "weir_fetch_duration_seconds_count"), 1);
  });

  await t.step("request durations are labelled by route pattern, not raw path", async () => {
    const m = await scrape(app);
    const routes = new Set(
      m.samples.filter((s) => s.name === "weir_request_duration_seconds_count")
        .map((s) => s.labels.route),
    );
    assert(routes.has("/v1/topics/:topic/records"), [...routes].join(", "));
    assert(routes.has("/v1/topics/:topic/partitions/:p/records"), [...routes].join(", "));
    assert(![...routes].some((r) => r?.includes("orders")), "no raw path in a label");
    assertEquals(
      value(m, "weir_request_duration_seconds_count", {
        method: "POST",
        route: "/v1/topics/:topic/records",
        status: "200",
      }),
      1,
    );
  });

  await t.step("rejected requests are counted by error code", async () => {
    assertEquals((await app.request("/v1/topics/nope")).status, 404);
    assertEquals((await app.request("/v1/topics/nope")).status, 404);
    const bad = await app.request("/v1/topics", {
      method: "POST",
      headers: JSON_HEADERS,
      body: "{not json",
    });
    assertEquals(bad.status, 400);
    assertEquals((await app.request("/no/such/route")).status, 404);
    const m = await scrape(app);
    assertEquals(
      value(m, "weir_rejected_requests_total", { code: "UNKNOWN_TOPIC_OR_PARTITION" }),
      2,
    );
    assertEquals(value(m, "weir_rejected_requests_total", { code: "INVALID_REQUEST" }), 1);
    assertEquals(value(m, "weir_rejected_requests_total", { code: "NOT_FOUND" }), 1);
    assertEquals(
      value(m, "weir_request_duration_seconds_count", {
        method: "GET",
        route: "unmatched",
        status: "404",
      }),
      1,
    );
  });

  await t.step("group lag of an active group, actors and restarts", async () => {
    const join = await app.request("/v1/groups/billing/members", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ topics: ["orders"] }),
    });
    assertEquals(join.status, 200);
    const { memberId, memberEpoch } = await join.json();
    const commit = await app.request("/v1/groups/billing/offsets", {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({
        memberId,
        memberEpoch,
        offsets: [{ topic: "orders", partition: 0, offset: 1 }],
      }),
    });
    assertEquals(commit.status, 200);
    const m = await scrape(app);
    assertEquals(
      value(m, "weir_group_lag", { group: "billing", topic: "orders", partition: "0" }),
      2,
    );
    assertEquals(value(m, "weir_actors", { kind: "partition", host: "inline" }) >= 2, true);
    assertEquals(value(m, "weir_actors", { kind: "group", host: "inline" }), 1);
    assertEquals(value(m, "weir_workers"), 0);
    assertEquals(value(m, "weir_actor_restarts_total", { kind: "partition" }), 0);
    await app.request(`/v1/groups/billing/members/${memberId}`, { method: "DELETE" });
  });
});

function snapshot(over: Partial<MetricsSnapshot> = {}): MetricsSnapshot {
  return { partitions: [], groupLags: [], restarts: {}, hosts: {}, ...over };
}

Deno.test("`BrokerMetrics.render()` fills gauges afresh on each scrape from its source", async () => {
  const snaps: MetricsSnapshot[] = [
    snapshot({
      partitions: [
        { topic: "a", partition: 0, logEndOffset: 7, size: 100, fsyncs: 3, fsyncSeconds: 0.5 },
        { topic: "b", partition: 1, logEndOffset: 1, size: 10, fsyncs: 1, fsyncSeconds: 0.25 },
      ],
      groupLags: [{ group: "g", topic: "a", partition: 0, lag: 4 }],
      restarts: { partition: 2 },
      hosts: { partition: { worker: 2, inline: 0 }, registry: { worker: 1, inline: 0 } },
    }),
    snapshot({
      partitions: [
        { topic: "a", partition: 0, logEndOffset: 9, size: 120, fsyncs: 4, fsyncSeconds: 0.5 },
      ],
      hosts: { partition: { worker: 1, inline: 0 } },
      restarts: { partition: 2 },
    }),
  ];
  const metrics = new BrokerMetrics({
    source: { collectMetrics: () => Promise.resolve(snaps.shift()!) },
  });
  const first = parsePrometheusText(await metrics.render());
  assertEquals(value(first, "weir_partition_log_end_offset", { topic: "a", partition: "0" }), 7);
  assertEquals(value(first, "weir_group_lag", { group: "g", topic: "a", partition: "0" }), 4);
  assertEquals(value(first, "weir_log_fsyncs_total"), 4);
  assertEquals(value(first, "weir_log_fsync_seconds_total"), 0.75);
  assertEquals(value(first, "weir_workers"), 3);
  assertEquals(value(first, "weir_actor_restarts_total", { kind: "partition" }), 2);
  assertEquals(value(first, "weir_actor_restarts_total", { kind: "registry" }), 0);
  assertEquals(first.types.get("weir_actor_restarts_total"), "counter");

  const second = parsePrometheusText(await metrics.render());
  assertEquals(value(second, "weir_partition_log_end_offset", { topic: "a", partition: "0" }), 9);
  assertEquals(
    sampleValue(second, "weir_partition_log_end_offset", { topic: "b", partition: "1" }),
    undefined,
  );
  assertEquals(sampleValue(second, "weir_group_lag", { group: "g" }), undefined);
  assertEquals(value(second, "weir_workers"), 1);
});

Deno.test("`BrokerMetrics.render()` escapes label values and rejects a failing source", async () => {
  const metrics = new BrokerMetrics();
  metrics.produced('we"ird\\topic', { records: 1, bytes: 70, seconds: 0.001, acks: 0 });
  const text = parsePrometheusText(await metrics.render());
  assertEquals(value(text, "weir_records_in_total", { topic: 'we"ird\\topic' }), 1);
  assertEquals(value(text, "weir_produce_duration_seconds_count", { acks: "0" }), 1);

  const failing = new BrokerMetrics({
    source: { collectMetrics: () => Promise.reject(new Error("boom")) },
  });
  let caught: unknown;
  await failing.render().catch((e) => caught = e);
  assert(caught instanceof Error && caught.message === "boom");
});

Deno.test("`parsePrometheusText()` rejects a malformed line and a sample with no TYPE", () => {
  assertThrows(() => parsePrometheusText('# TYPE x counter\nx{a="1" 2\n'), Error, "line 2");
  assertThrows(() => parsePrometheusText("y 1\n"), Error, "no # TYPE");
});
