import { assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import { type CliIo } from "./_context.ts";
import { parseFrom } from "./consume.ts";
import { parseConfigs } from "./topics.ts";
import { runCli } from "./main.ts";
import { UsageError } from "./_usage_error.ts";

function memoryIo(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out: (text: string) => Promise.resolve(void (io.stdout += text)),
    err: (text: string) => Promise.resolve(void (io.stderr += text)),
    stdin: () => ReadableStream.from<Uint8Array>([]),
    stderrIsTerminal: false,
    stdoutIsTerminal: false,
  };
  return io;
}

Deno.test("`runCli()` prints help on stdout with exit code 0 for every level", async () => {
  for (
    const [argv, expected] of [
      [["--help"], "Exit codes:"],
      [["help"], "groups reset-offsets"],
      [["groups", "-h"], "groups describe"],
      [["--url", "http://x:1", "topics", "create", "--help"], "--partitions <n>"],
      [["produce", "--help"], "--key-separator <s>"],
    ] as const
  ) {
    const io = memoryIo();
    assertEquals(await runCli(argv, { io }), 0, argv.join(" "));
    assertStringIncludes(io.stdout, expected);
    assertEquals(io.stderr, "");
  }
});

Deno.test("`runCli()` answers usage errors with exit code 2 and a hint, before any network", async () => {
  for (
    const [argv, expected] of [
      [[], "missing a command"],
      [["nope"], 'Cannot run "nope": unknown command'],
      [["topics"], "missing a subcommand"],
      [["topics", "create"], "missing <name>"],
      [["topics", "create", "a", "b"], 'unexpected argument "b"'],
      [["topics", "alter", "a"], "at least one --config"],
      [["--url"], "--url needs a value"],
      [["consume", "t", "--group", "g", "--partition", "0"], "exclude each other"],
      [["consume", "t", "--group", "g", "--from", "5"], "--from is earliest or latest"],
      [["consume", "t", "--json", "--format", "%s"], "exclude each other"],
      [["groups", "reset-offsets", "g", "--to", "earliest"], "missing --topic"],
      [["groups", "reset-offsets", "g", "--topic", "t", "--to", "-3"], "--to"],
      [["produce", "t", "--key-separator", ""], "must not be empty"],
      [["produce", "t", "--header", "novalue"], "expected key=value"],
    ] as const
  ) {
    const io = memoryIo();
    const url = "http://127.0.0.1:9";
    assertEquals(await runCli(argv, { io, env: { url } }), 2, argv.join(" "));
    assertStringIncludes(io.stderr, expected);
    assertStringIncludes(io.stderr, "--help");
    assertEquals(io.stdout, "");
  }
});

Deno.test("`runCli()` reports an unreachable broker as NETWORK_EXCEPTION with exit code 1", async () => {
  const io = memoryIo();
  assertEquals(
    await runCli(["topics", "list"], { io, env: { url: "http://127.0.0.1:9" } }),
    1,
  );
  assertStringIncludes(io.stderr, "NETWORK_EXCEPTION: ");
});

Deno.test("`parseFrom()` reads earliest, latest, offsets and @timestamps", () => {
  assertEquals(parseFrom("earliest"), "earliest");
  assertEquals(parseFrom("latest"), "latest");
  assertEquals(parseFrom("12"), 12);
  assertEquals(parseFrom("@1700000000000"), { timestamp: 1_700_000_000_000 });
  for (const bad of ["", "-1", "@", "@x", "end", "1.5"]) {
    assertThrows(() => parseFrom(bad), UsageError);
  }
});

Deno.test("`parseConfigs()` types numbers and booleans and rejects entries without =", () => {
  assertEquals(parseConfigs(["retention.ms=60000", "cleanup.policy=compact", "x=true", "y="]), {
    "retention.ms": 60000,
    "cleanup.policy": "compact",
    x: true,
    y: "",
  });
  assertThrows(() => parseConfigs(["retention.ms"]), UsageError, "expected key=value");
  assertThrows(() => parseConfigs(["=1"]), UsageError, "expected key=value");
});
