import { assertEquals, assertRejects, assertStringIncludes, assertThrows } from "@std/assert";
import { WeirError } from "../../client/protocol/mod.ts";
import { parseAuthFile, readAuthFile } from "./auth_file.ts";
import { tempDir } from "../../tests/_helpers/temp_dir.ts";

const HASH = "ab".repeat(32);

function principal(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "app",
    keySha256: HASH,
    allow: [{ resource: "topic:x", operations: ["produce"] }],
    ...over,
  };
}

function invalid(json: unknown): WeirError {
  const text = typeof json === "string" ? json : JSON.stringify(json);
  const e = assertThrows(() => parseAuthFile(text, { source: "auth.json" }), WeirError);
  assertEquals(e.code, "INVALID_CONFIG");
  assertStringIncludes(e.message, "Cannot load auth.json");
  return e;
}

Deno.test("`parseAuthFile()` accepts the API.md example and defaults `allow` to none", () => {
  const file = parseAuthFile(JSON.stringify({
    principals: [
      {
        name: "app",
        keySha256: HASH,
        allow: [
          { resource: "topic:orders*", operations: ["produce", "consume"] },
          { resource: "group:billing", operations: ["consume"] },
        ],
      },
      { name: "bare", keySha256: "cd".repeat(32) },
    ],
  }));
  assertEquals(file.principals.length, 2);
  assertEquals(file.principals[1]!.allow, []);
});

Deno.test("`parseAuthFile()` names the bad field without echoing its value", () => {
  const cases: [unknown, string][] = [
    [{}, '"principals"'],
    [{ principals: {} }, '"principals"'],
    [{ principals: [principal({ keySha256: "secret-not-a-hash" })] }, '"principals.0.keySha256"'],
    [{ principals: [principal({ name: "" })] }, '"principals.0.name"'],
    [
      { principals: [principal({ allow: [{ resource: "topics:x", operations: ["produce"] }] })] },
      '"principals.0.allow.0.resource"',
    ],
    [
      { principals: [principal({ allow: [{ resource: "topic:x", operations: ["write"] }] })] },
      '"principals.0.allow.0.operations.0"',
    ],
    [
      { principals: [principal({ allow: [{ resource: "topic:x", operations: [] }] })] },
      '"principals.0.allow.0.operations"',
    ],
    [{ principals: [principal({ alow: [] })] }, '"principals.0"'],
    [{ principals: [], extra: 1 }, "(root)"],
    [
      { principals: [principal(), principal({ keySha256: "cd".repeat(32) })] },
      '"principals.1.name"',
    ],
    [
      { principals: [principal(), principal({ name: "b", keySha256: HASH.toUpperCase() })] },
      '"principals.1.keySha256"',
    ],
  ];
  for (const [json, field] of cases) {
    const e = invalid(json);
    assertStringIncludes(e.message, field, JSON.stringify(json));
    assertEquals(e.message.includes("secret-not-a-hash"), false);
  }
});

Deno.test("`parseAuthFile()` rejects text that is not JSON", () => {
  assertStringIncludes(invalid("{ principals: [").message, "not valid JSON");
});

Deno.test("`readAuthFile()` reads a file and names a missing one", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/auth.json`;
  await Deno.writeTextFile(path, JSON.stringify({ principals: [principal()] }));
  assertEquals((await readAuthFile(path)).principals[0]!.name, "app");
  const e = await assertRejects(() => readAuthFile(`${dir.path}/missing.json`), WeirError);
  assertEquals(e.code, "INVALID_CONFIG");
  assertStringIncludes(e.message, "missing.json");
});
