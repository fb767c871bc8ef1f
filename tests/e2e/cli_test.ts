/**
 * End-to-end: the CLI (`client/cli/main.ts`) run as a subprocess against a
 * real broker started in this process.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { startBroker } from "weir/broker";
import { tempDir } from "../_helpers/temp_dir.ts";

const MAIN = new URL("../../client/cli/main.ts", import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], options: { url?: string; stdin?: string } = {}): Promise<Run> {
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-env=WEIR_URL,WEIR_API_KEY",
      MAIN,
      ...(options.url === undefined ? [] : ["--url", options.url]),
      ...args,
    ],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
  const child = command.spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

function ok(run: Run, what: string): Run {
  assertEquals(run.code, 0, `${what} failed: ${run.stderr}`);
  return run;
}

Deno.test("cli rejects bad command lines with exit code 2 and no broker", async () => {
  const url = "http://127.0.0.1:9"; // nothing listens: a usage error must not need the broker
  const runs = await Promise.all([
    cli([]),
    cli(["topics"], { url }),
    cli(["topics", "frobnicate"], { url }),
    cli(["consume"], { url }),
    cli(["consume", "t", "--count", "x"], { url }),
    cli(["consume", "t", "--from", "yesterday"], { url }),
    cli(["consume", "t", "--format", "%q"], { url }),
    cli(["produce", "t", "--acks", "7"], { url }),
    cli(["topics", "list", "--bogus"], { url }),
    cli(["groups", "reset-offsets", "g", "--topic", "t"], { url }),
  ]);
  for (const run of runs) {
    assertEquals(run.code, 2, run.stderr);
    assertStringIncludes(run.stderr, "Usage error: Cannot ");
    assertEquals(run.stdout, "");
  }
  const help = await cli(["--help"]);
  assertEquals(help.code, 0);
  assertStringIncludes(help.stdout, "Exit codes:");
  const consumeHelp = await cli(["consume", "--help"]);
  assertEquals(consumeHelp.code, 0);
  assertStringIncludes(consumeHelp.stdout, "--format <fmt>");
  const down = await cli(["topics", "list"], { url });
  assertEquals(down.code, 1);
  assertMatch(down.stderr, /^NETWORK_EXCEPTION: /);
});

Deno.test("cli manages topics, produces from stdin, consumes and resets group offsets", async (t) => {
  await using dir = await tempDir();
  await using broker = await startBroker({ dataDir: dir.path, port: 0 });
  const url = broker.url;
  const run = (args: string[], stdin?: string) =>
    cli(args, stdin === undefined ? { url } : { url, stdin });

  await t.step("topics create, list, describe, alter", async () => {
    const created = ok(
      await run([
        "topics",
        "create",
        "orders",
        "--partitions",
        "2",
        "--config",
        "retention.ms=60000",
      ]),
      "create",
    );
    assertStringIncludes(created.stdout, `Created topic "orders" with 2 partition(s)`);
    const again = await run(["topics", "create", "orders"]);
    assertEquals(again.code, 1);
    assertMatch(again.stderr, /^TOPIC_ALREADY_EXISTS: Cannot /);
    const table = ok(await run(["topics", "list"]), "list").stdout;
    assertMatch(table, /^NAME\s+PARTITIONS\s+REPLICATION\norders\s+2\s+1\n$/);
    assertEquals(jsonLines(ok(await run(["topics", "list", "--json"]), "list").stdout), [
      { name: "orders", partitions: 2, replicationFactor: 1 },
    ]);
    const altered = ok(
      await run(["topics", "alter", "orders", "--config", "retention.ms=120000", "--json"]),
      "alter",
    );
    assertEquals(
      (jsonLines(altered.stdout)[0]!.configs as Record<string, unknown>)["retention.ms"],
      120000,
    );
    const described = ok(await run(["topics", "describe", "orders"]), "describe").stdout;
    assertStringIncludes(described, "Topic: orders  Partitions: 2");
    assertMatch(described, /retention\.ms\s+120000/);
    const missing = await run(["topics", "describe", "nope"]);
    assertEquals(missing.code, 1);
    assertMatch(missing.stderr, /^UNKNOWN_TOPIC_OR_PARTITION: Cannot /);
  });

  await t.step(
    "produce parses JSON lines, splits keys and keeps --raw values as strings",
    async () => {
      const json = ok(
        await run(
          ["produce", "orders", "--partition", "0", "--key-separator", ":", "--json"],
          'k1:{"n":1}\nk2:hello\n\nk3:[1,2]\n',
        ),
        "produce",
      );
      assertEquals(
        jsonLines(json.stdout),
        [0, 1, 2].map((offset) => ({
          topic: "orders",
          partition: 0,
          offset,
        })),
      );
      const raw = ok(
        await run(["produce", "orders", "--partition", "1", "--raw"], '{"n":2}\r\n42'),
        "produce --raw",
      );
      assertEquals(raw.stdout, `Produced 2 record(s) to "orders"\n`);
    },
  );

  await t.step("consume prints JSON lines up to the end and kcat-style formats", async () => {
    const p0 = jsonLines(
      ok(await run(["consume", "orders", "--partition", "0", "--json"]), "consume").stdout,
    );
    assertEquals(p0.map((r) => [r.topic, r.partition, r.offset, r.key, r.value]), [
      ["orders", 0, 0, "k1", { n: 1 }],
      ["orders", 0, 1, "k2", "hello"],
      ["orders", 0, 2, "k3", [1, 2]],
    ]);
    assert(typeof p0[0]!.timestamp === "number" && p0[0]!.timestamp > 0);
    assertEquals(p0[0]!.headers, {});
    const p1 = jsonLines(
      ok(await run(["consume", "orders", "--partition", "1", "--json"]), "consume").stdout,
    );
    assertEquals(p1.map((r) => [r.key, r.value]), [[null, '{"n":2}'], [null, "42"]]);
    const formatted = ok(
      await run([
        "consume",
        "orders",
        "--partition",
        "0",
        "--from",
        "1",
        "--count",
        "1",
        "--format",
        "%t %p %o %k %s\\n",
      ]),
      "consume --format",
    );
    assertEquals(formatted.stdout, "orders 0 1 k2 hello\n");
    const all = ok(await run(["consume", "orders", "--from", "@0", "--format", "%p:%o\\n"]), "@0");
    assertEquals(all.stdout.split("\n").filter((l) => l !== "").sort(), [
      "0:0",
      "0:1",
      "0:2",
      "1:0",
      "1:1",
    ]);
    const future = ok(
      await run(["consume", "orders", "--from", `@${Date.now() + 3_600_000}`]),
      "future",
    );
    assertEquals(future.stdout, "");
    const unknown = await run(["consume", "nope"]);
    assertEquals(unknown.code, 1);
    assertMatch(unknown.stderr, /^UNKNOWN_TOPIC_OR_PARTITION: /);
  });

  await t.step("consume --group commits what it printed; groups describe shows it", async () => {
    const two = jsonLines(
      ok(await run(["consume", "orders", "--group", "g1", "--count", "2", "--json"]), "group")
        .stdout,
    );
    assertEquals(two.length, 2);
    const committed = async (): Promise<Map<number, number>> => {
      const described = ok(await run(["groups", "describe", "g1", "--json"]), "describe");
      const offsets = jsonLines(described.stdout)[0]!.offsets as {
        partition: number;
        committed: number;
      }[];
      return new Map(offsets.map((o) => [o.partition, o.committed]));
    };
    const after = await committed();
    assertEquals([...after.values()].reduce((n, c) => n + c, 0), 2);
    // The rest of the group's records, then the end: it exits on its own.
    const rest = jsonLines(
      ok(await run(["consume", "orders", "--group", "g1", "--json"]), "group rest").stdout,
    );
    assertEquals(rest.length, 3);
    assertEquals(await committed(), new Map([[0, 3], [1, 2]]));
    const list = ok(await run(["groups", "list"]), "groups list").stdout;
    assertMatch(list, /g1\s+Empty\s+0/);
  });

  await t.step("groups reset-offsets is a dry run unless --execute", async () => {
    const dry = ok(
      await run(["groups", "reset-offsets", "g1", "--topic", "orders", "--to", "earliest"]),
      "dry run",
    );
    assertStringIncludes(dry.stderr, "Dry run");
    assertMatch(dry.stdout, /g1\s+orders\s+0\s+3\s+0\n/);
    const unchanged = ok(await run(["groups", "describe", "g1"]), "describe").stdout;
    assertMatch(unchanged, /orders\s+0\s+3\s+3\s+0/);
    ok(
      await run([
        "groups",
        "reset-offsets",
        "g1",
        "--topic",
        "orders",
        "--to",
        "earliest",
        "--execute",
      ]),
      "execute",
    );
    const reset = ok(await run(["groups", "describe", "g1", "--json"]), "describe").stdout;
    const offsets = jsonLines(reset)[0]!.offsets as { committed: number; lag: number }[];
    assertEquals(offsets.map((o) => [o.committed, o.lag]).sort(), [[0, 2], [0, 3]]);
    const missing = await run(["groups", "describe", "nope"]);
    assertEquals(missing.code, 1);
    assertMatch(missing.stderr, /^GROUP_ID_NOT_FOUND: /);
  });

  await t.step("consume --follow waits for records produced later", async () => {
    const following = run([
      "consume",
      "orders",
      "--partition",
      "0",
      "--from",
      "3",
      "--follow",
      "--count",
      "1",
      "--format",
      "%o %s\\n",
    ]);
    ok(await run(["produce", "orders", "--partition", "0"], "later\n"), "produce later");
    assertEquals(ok(await following, "follow").stdout, "3 later\n");
  });

  await t.step("cluster and topics delete", async () => {
    const cluster = jsonLines(ok(await run(["cluster", "--json"]), "cluster").stdout)[0]!;
    assertEquals((cluster.brokers as unknown[]).length, 1);
    ok(await run(["topics", "delete", "orders"]), "delete");
    assertEquals((await run(["topics", "describe", "orders"])).code, 1);
    const gone = await run(["produce", "orders"], "x\n");
    assertEquals(gone.code, 1);
    assertMatch(gone.stderr, /^UNKNOWN_TOPIC_OR_PARTITION: /);
  });
});
