/**
 * `deno task start` (broker/main.ts) as a child process: the loud warning
 * for a non-loopback `--host` without `--auth-file`, and a bad auth file
 * refusing the start. The non-loopback host is 192.0.2.1 (TEST-NET-1, never
 * assigned), so the broker prints its warning and then fails to bind:
 * nothing ever listens beyond loopback.
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "@std/assert";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { startBroker } from "weir/broker";
import { hashApiKey } from "../../broker/auth/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

const MAIN = new URL("../../broker/main.ts", import.meta.url).pathname;

async function runMain(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-no-legacy-abort",
      MAIN,
      "--port",
      "0",
      "--actor-host",
      "inline",
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("`deno task start` on a non-loopback host without `--auth-file` prints a loud warning", async () => {
  await using dir = await tempDir();
  const run = await runMain(["--host", "192.0.2.1", "--data-dir", dir.path]);
  assert(run.code !== 0, "binding TEST-NET-1 must fail");
  assertStringIncludes(
    run.stderr,
    '*** WARNING: Weir is listening on "192.0.2.1" without authentication',
  );
  assertStringIncludes(run.stderr, "--auth-file");
});

Deno.test("`deno task start` with `--auth-file` prints no warning, and a bad auth file stops the start", async () => {
  await using dir = await tempDir();
  const authFile = `${dir.path}/auth.json`;
  await Deno.writeTextFile(
    authFile,
    JSON.stringify({ principals: [{ name: "a", keySha256: hashApiKey("k") }] }),
  );
  const ok = await runMain([
    "--host",
    "192.0.2.1",
    "--data-dir",
    `${dir.path}/d1`,
    "--auth-file",
    authFile,
  ]);
  assertEquals(ok.stderr.includes("WARNING"), false, ok.stderr);
  await Deno.writeTextFile(
    authFile,
    JSON.stringify({ principals: [{ name: "a", keySha256: "not-a-hash", allow: [] }] }),
  );
  const bad = await runMain([
    "--host",
    "127.0.0.1",
    "--data-dir",
    `${dir.path}/d2`,
    "--auth-file",
    authFile,
  ]);
  assertEquals(bad.code, 2, bad.stderr);
  assertStringIncludes(bad.stderr, "INVALID_CONFIG");
  assertStringIncludes(bad.stderr, '"principals.0.keySha256"');
  assertEquals(bad.stdout.includes("Weir listening"), false);
});

Deno.test("`startBroker()` logs the insecure-bind warning through logtape", async () => {
  await using dir = await tempDir();
  const logged: LogRecord[] = [];
  await configure({
    sinks: { memory: (record) => logged.push(record) },
    loggers: [
      { category: ["weir", "broker"], sinks: ["memory"], lowestLevel: "warning" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });
  try {
    await assertRejects(() =>
      startBroker({ dataDir: dir.path, host: "192.0.2.1", port: 0, actorHost: "inline" })
    );
    const warning = logged.find((r) => r.level === "warning");
    assert(warning !== undefined, "no warning logged");
    assertStringIncludes(String(warning.properties.warning), "without authentication");
  } finally {
    await reset();
  }
});
