import { assertEquals } from "@std/assert";
import { relative } from "node:path";
import { checkImport, findImports, type Violation } from "./_helpers/import_rules.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const SKIP_DIRS = new Set(["node_modules", ".git", "data", "artifacts", "docs", ".ci"]);

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith(".")) yield* sourceFiles(path);
    } else if (entry.isFile && /\.(ts|tsx)$/.test(entry.name)) {
      yield path;
    }
  }
}

Deno.test("imports point one way and enter components through mod.ts", async () => {
  const violations: Violation[] = [];
  for await (const file of sourceFiles(ROOT.replace(/\/$/, ""))) {
    const rel = relative(ROOT, file).replaceAll("\\", "/");
    for (const imp of findImports(rel, await Deno.readTextFile(file))) {
      const v = checkImport(imp);
      if (v) violations.push(v);
    }
  }
  assertEquals(violations, []);
});

Deno.test("checkImport() flags imports that point the wrong way", () => {
  const bad = [
    { from: "client/producer.ts", specifier: "../broker/mod.ts" },
    { from: "client/protocol/errors.ts", specifier: "../producer.ts" },
    { from: "actors/runtime/system.ts", specifier: "../../client/protocol/mod.ts" },
    { from: "actors/partition/partition_actor.ts", specifier: "../../broker/mod.ts" },
    { from: "actors/partition/partition_actor.ts", specifier: "../runtime/system.ts" },
    { from: "broker/node.ts", specifier: "../client/producer.ts" },
    { from: "broker/node.ts", specifier: "../tests/_helpers/assert.ts" },
    { from: "client/http.ts", specifier: "node:fs" },
    { from: "client/http.ts", specifier: "hono" },
    { from: "mod.ts", specifier: "./broker/mod.ts" },
  ];
  for (const imp of bad) {
    assertEquals(
      checkImport(imp) !== null,
      true,
      `${imp.from} -> ${imp.specifier} should be flagged`,
    );
  }
});

Deno.test("checkImport() allows imports that follow the rules", () => {
  const good = [
    { from: "client/producer.ts", specifier: "./protocol/mod.ts" },
    { from: "client/protocol/record_batch.ts", specifier: "./crc32c.ts" },
    { from: "actors/partition/partition_actor.ts", specifier: "../runtime/mod.ts" },
    { from: "actors/partition/partition_actor.ts", specifier: "../../client/protocol/mod.ts" },
    { from: "actors/partition/log/log.ts", specifier: "./segment.ts" },
    { from: "broker/node.ts", specifier: "../actors/partition/mod.ts" },
    { from: "broker/node.ts", specifier: "../actors/partition/partition_worker.ts" },
    { from: "broker/http/app.ts", specifier: "../../client/protocol/mod.ts" },
    { from: "tests/e2e/x_test.ts", specifier: "../../broker/node.ts" },
    { from: "client/http_test.ts", specifier: "../broker/http/app.ts" },
    { from: "mod.ts", specifier: "./client/mod.ts" },
  ];
  for (const imp of good) assertEquals(checkImport(imp), null, `${imp.from} -> ${imp.specifier}`);
});
