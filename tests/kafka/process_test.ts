/**
 * The real broker process (`broker/main.ts`) with `--kafka-port 0`: it prints
 * the Kafka listener line, serves kcat, and records acknowledged over Kafka
 * with acks=all survive a SIGKILL and restart.
 */
import { assertEquals, assertMatch } from "@std/assert";
import { type BrokerProcess, startBrokerProcess } from "../_helpers/broker_process.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { kcat, type KcatResult } from "./_kcat.ts";

async function kafkaLine(broker: BrokerProcess): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const m = broker.output().match(/^Kafka listener on (\S+:\d+)$/m);
    if (m) return m[1]!;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`Broker did not print "Kafka listener on" within 30 s:\n${broker.output()}`);
}

function ok(run: KcatResult, what: string): KcatResult {
  assertEquals(run.code, 0, `${what} failed: ${run.stderr}`);
  return run;
}

Deno.test("`--kafka-port 0` prints the Kafka listener, and acks=all records survive kill -9", async () => {
  await using dir = await tempDir();
  const args = ["--kafka-port", "0", "--actor-host", "inline"];
  {
    await using broker = await startBrokerProcess({ dataDir: dir.path, args });
    const bootstrap = await kafkaLine(broker);
    assertMatch(bootstrap, /^127\.0\.0\.1:\d+$/);
    const res = await fetch(`${broker.url}/v1/topics`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "durable", partitions: 1 }),
    });
    assertEquals(res.status, 201, await res.text());
    const input = Array.from({ length: 50 }, (_, i) => `k${i}:v${i}`).join("\n") + "\n";
    ok(
      await kcat(bootstrap, ["-P", "-t", "durable", "-K:", "-X", "acks=all"], { stdin: input }),
      "kcat -P acks=all",
    );
    const status = await broker.kill();
    assertEquals(status.signal, "SIGKILL");
  }
  {
    await using broker = await startBrokerProcess({ dataDir: dir.path, args });
    const bootstrap = await kafkaLine(broker);
    const run = ok(
      await kcat(bootstrap, ["-C", "-t", "durable", "-e", "-J", "-o", "beginning"]),
      "kcat -C after restart",
    );
    const got = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(got.length, 50);
    assertEquals(
      got.map((r) => [r.offset, r.key, r.payload]),
      Array.from({ length: 50 }, (_, i) => [i, `k${i}`, `v${i}`]),
    );
    const stopped = await broker.stop();
    assertEquals(stopped.code, 0);
  }
});
