/**
 * STYLE rule 7: actor logic never reads ambient time or randomness; the
 * context supplies them. Scans every source under `actors/` except the
 * runtime's own clock/ids/random implementations, Worker entry files, tests
 * and test helpers. Passes on an empty or partial tree.
 */
import { assertEquals } from "@std/assert";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Global calls (not methods such as `ctx.clock.setTimeout(`), by name. */
const FORBIDDEN: ReadonlyArray<readonly [string, RegExp]> = [
  ["Date.now(", /(?:^|[^\w$.]|globalThis\.)Date\.now\(/],
  ["setTimeout(", /(?:^|[^\w$.]|(?:globalThis|self|window)\.)setTimeout\(/],
  ["setInterval(", /(?:^|[^\w$.]|(?:globalThis|self|window)\.)setInterval\(/],
  ["Math.random(", /(?:^|[^\w$.]|globalThis\.)Math\.random\(/],
  ["crypto.randomUUID(", /(?:^|[^\w$.]|globalThis\.)crypto\.randomUUID\(/],
];

const EXEMPT = new Set([
  "runtime/clock.ts",
  "runtime/ids.ts",
  "runtime/random.ts",
  "runtime/_scoped_clock.ts",
  "partition/log/log_clock.ts",
]);

function isExempt(path: string): boolean {
  const name = path.split("/").pop() ?? "";
  return EXEMPT.has(path) || name.endsWith("_test.ts") || name.endsWith("_worker.ts") ||
    name.endsWith("_conformance.ts") || name.startsWith("_test_") || name.endsWith("_bench.ts");
}

/** Returns `"line: call"` for each forbidden call outside comments. */
function findAmbientCalls(source: string): string[] {
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "))
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const hits: string[] = [];
  code.split("\n").forEach((line, i) => {
    for (const [call, pattern] of FORBIDDEN) {
      if (pattern.test(line)) hits.push(`${i + 1}: ${call}`);
    }
  });
  return hits;
}

async function* sources(dir: string): AsyncGenerator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* sources(path);
    else if (entry.isFile && entry.name.endsWith(".ts")) yield path;
  }
}

Deno.test("findAmbientCalls() flags ambient time and randomness outside comments", () => {
  const sample = [
    "// Date.now() in a comment is fine",
    "/* setTimeout( in a block comment */",
    "const t = Date.now();",
    "const r = Math.random() + crypto.randomUUID().length;",
    "const url = 'http://x'; setTimeout(() => {}, 1);",
    "globalThis.setTimeout(f, 1); this.clock.setTimeout(f, 1);",
  ].join("\n");
  assertEquals(findAmbientCalls(sample), [
    "3: Date.now(",
    "4: Math.random(",
    "4: crypto.randomUUID(",
    "5: setTimeout(",
    "6: setTimeout(",
  ]);
  assertEquals(findAmbientCalls("ctx.clock.setTimeout(fn, 5); ctx.clock.now();"), []);
});

Deno.test("actor logic under actors/ uses no ambient time or randomness", async () => {
  const root = fileURLToPath(new URL("../", import.meta.url));
  const offenders: string[] = [];
  for await (const path of sources(root)) {
    const rel = relative(root, path).replaceAll("\\", "/");
    if (isExempt(rel)) continue;
    for (const hit of findAmbientCalls(await Deno.readTextFile(path))) {
      offenders.push(`${rel}:${hit}`);
    }
  }
  assertEquals(offenders, [], "use ctx.clock, ctx.ids and ctx.random instead (STYLE rule 7)");
});
