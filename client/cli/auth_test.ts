import { assert, assertEquals, assertStringIncludes, assertThrows } from "@std/assert";
import type { CliIo } from "./_context.ts";
import { runCli } from "./main.ts";
import { parseAllow, sha256Hex } from "./auth.ts";
import { UsageError } from "./_usage_error.ts";
import { AuthStore, hashApiKey, parseAuthFile } from "../../broker/auth/mod.ts";
import { tempDir } from "../../tests/_helpers/temp_dir.ts";

function memoryIo(stdin = ""): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out: (text: string) => Promise.resolve(void (io.stdout += text)),
    err: (text: string) => Promise.resolve(void (io.stderr += text)),
    stdin: () => ReadableStream.from<Uint8Array>([new TextEncoder().encode(stdin)]),
    stderrIsTerminal: false,
    stdoutIsTerminal: false,
  };
  return io;
}

Deno.test("`auth add-principal` stores only the hash of a new key that the broker then accepts", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/auth.json`;
  const io = memoryIo();
  const code = await runCli([
    "auth",
    "add-principal",
    "--auth-file",
    path,
    "--name",
    "billing",
    "--allow",
    "topic:orders*=produce,consume",
    "--allow",
    "group:billing=consume",
  ], { io });
  assertEquals(code, 0, io.stderr);
  const key = io.stdout.trim().split("\n").at(-1)!;
  assert(/^weir_[A-Za-z0-9_-]{43}$/.test(key), "a 256-bit key");
  const text = await Deno.readTextFile(path);
  assertEquals(text.includes(key), false, "the key itself is stored");
  assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
  const file = parseAuthFile(text);
  assertEquals(file.principals[0]!.keySha256, hashApiKey(key));
  const store = new AuthStore(file);
  const principal = store.authenticate(key)!;
  assertEquals(principal.name, "billing");
  assert(store.authorize(principal, "topic:orders-1", "produce"));
  assert(store.authorize(principal, "group:billing", "consume"));

  const json = memoryIo();
  assertEquals(
    await runCli([
      "--json",
      "auth",
      "add-principal",
      "--auth-file",
      path,
      "--name",
      "ops",
      "--allow",
      "cluster=*",
    ], {
      io: json,
    }),
    0,
  );
  const added = JSON.parse(json.stdout);
  const both = new AuthStore(parseAuthFile(await Deno.readTextFile(path)));
  assertEquals(both.authenticate(added.apiKey)?.name, "ops");
  assertEquals(both.authenticate(key)?.name, "billing", "the first principal is kept");
});

Deno.test("`auth add-principal` refuses a duplicate name, a bad grant and a missing flag", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/auth.json`;
  assertEquals(
    await runCli(["auth", "add-principal", "--auth-file", path, "--name", "a"], { io: memoryIo() }),
    0,
  );
  const before = await Deno.readTextFile(path);
  const dup = memoryIo();
  assertEquals(
    await runCli(["auth", "add-principal", "--auth-file", path, "--name", "a"], { io: dup }),
    1,
  );
  assertStringIncludes(dup.stderr, "INVALID_CONFIG");
  const bad = memoryIo();
  assertEquals(
    await runCli([
      "auth",
      "add-principal",
      "--auth-file",
      path,
      "--name",
      "b",
      "--allow",
      "topics:x=produce",
    ], {
      io: bad,
    }),
    2,
  );
  assertEquals(await runCli(["auth", "add-principal", "--name", "c"], { io: memoryIo() }), 2);
  assertEquals(await Deno.readTextFile(path), before, "a refused command changes nothing");
  await Deno.writeTextFile(path, "{ not json");
  const broken = memoryIo();
  assertEquals(
    await runCli(["auth", "add-principal", "--auth-file", path, "--name", "d"], { io: broken }),
    1,
  );
  assertStringIncludes(broken.stderr, "not valid JSON");
});

Deno.test("`auth hash-key` hashes a key from the argument or stdin like the broker", async () => {
  const arg = memoryIo();
  assertEquals(await runCli(["auth", "hash-key", "s3cret"], { io: arg }), 0);
  assertEquals(arg.stdout, `${hashApiKey("s3cret")}\n`);
  const stdin = memoryIo("s3cret\n");
  assertEquals(await runCli(["auth", "hash-key"], { io: stdin }), 0);
  assertEquals(stdin.stdout, `${hashApiKey("s3cret")}\n`);
  assertEquals(await sha256Hex("é"), hashApiKey("é"));
  assertEquals(await runCli(["auth", "hash-key"], { io: memoryIo("") }), 2);
});

Deno.test("`parseAllow()` reads resource=ops and rejects the rest", () => {
  assertEquals(parseAllow("topic:a=b=produce,consume"), {
    resource: "topic:a=b",
    operations: ["produce", "consume"],
  });
  assertEquals(parseAllow("cluster=*"), { resource: "cluster", operations: ["*"] });
  for (
    const bad of [
      "topic:x",
      "=produce",
      "topic:x=",
      "topic:x=write",
      "cluster:x=admin",
      "group:=consume",
    ]
  ) {
    assertThrows(() => parseAllow(bad), UsageError, undefined, bad);
  }
});
