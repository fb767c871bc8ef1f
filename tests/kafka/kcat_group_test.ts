/**
 * librdkafka's balanced consumer group (`kcat -G`) against Weir's Kafka
 * listener: it joins (through MEMBER_ID_REQUIRED), is elected leader,
 * assigns with `range`, reads every record and commits, and HTTP shows the
 * group's offsets with no lag.
 */
import { assert, assertEquals } from "@std/assert";
import { startBroker } from "weir/broker";
import { tempDir } from "../_helpers/temp_dir.ts";
import { kcat } from "./_kcat.ts";

Deno.test("kcat -G reads every record once and commits its offsets", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({ dataDir: dir.path, port: 0, kafkaPort: 0 });
  const post = async (path: string, body: unknown): Promise<unknown> => {
    const res = await fetch(`${broker.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    assert(res.ok, JSON.stringify(json));
    return json;
  };
  await post("/v1/topics", { name: "t", partitions: 4 });
  const values = Array.from({ length: 20 }, (_, i) => `v${i}`);
  await post("/v1/topics/t/records", { records: values.map((v) => ({ key: v, value: v })) });
  const a = broker.kafkaAddress!;
  const run = await kcat(`${a.host}:${a.port}`, [
    "-G",
    "kg",
    "-X",
    "session.timeout.ms=6000",
    "-X",
    "heartbeat.interval.ms=300",
    "-X",
    "auto.offset.reset=earliest",
    "-X",
    "enable.auto.commit=true",
    "-X",
    "auto.commit.interval.ms=100",
    "-c",
    String(values.length),
    "-f",
    "%s\\n",
    "t",
  ], { timeoutMs: 30_000 });
  assertEquals(run.code, 0, run.stderr);
  const read = run.stdout.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  assertEquals(read.sort(), [...values].sort());
  const res = await fetch(`${broker.url}/v1/groups/kg`);
  const group = await res.json() as { offsets: { committed: number; lag: number }[] };
  assertEquals(group.offsets.reduce((n, o) => n + o.committed, 0), values.length);
  assert(group.offsets.every((o) => o.lag === 0), JSON.stringify(group));
});
