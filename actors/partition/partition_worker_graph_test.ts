import { assert, assertEquals } from "@std/assert";

// Every partition is a Worker with its own V8 isolate: what its entry module
// imports is paid per partition. zod and the HTTP schemas cost ≈ 7 MB each.
Deno.test("partition_worker.ts loads no zod, hono or HTTP schemas", async () => {
  const entry = new URL("./partition_worker.ts", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: { specifier: string }[];
  };
  const specifiers = graph.modules.map((m) => m.specifier);
  assert(specifiers.some((s) => s.endsWith("/client/protocol/record_batch.ts")));
  const heavy = specifiers.filter((s) =>
    /zod|hono|\/client\/protocol\/(mod|\w+_schemas)\.ts$/.test(s)
  );
  assertEquals(heavy, []);
});

// What a Worker imports statically is loaded in every partition Worker. An npm:
// or node: module starts Deno's Node compatibility layer (logtape and
// node:zlib together ≈ 4 MB per Worker); they may only be imported lazily.
Deno.test("partition_worker.ts imports no npm: or node: module statically", async () => {
  const entry = new URL("./partition_worker.ts", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  };
  const byUrl = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const external: string[] = [];
  const lazy: string[] = [];
  const walk = (url: string, from: string): void => {
    if (seen.has(url)) return;
    seen.add(url);
    if (!url.startsWith("file:")) {
      external.push(`${url} (from ${from.replace(/^.*\/main\//, "")})`);
      return;
    }
    for (const dep of byUrl.get(url)?.dependencies ?? []) {
      const target = dep.code?.specifier;
      if (target === undefined) continue;
      if (dep.isDynamic) lazy.push(target);
      else walk(target, url);
    }
  };
  walk(graph.roots[0]!, graph.roots[0]!);
  assert(seen.size > 20, `walked the graph (${seen.size} modules)`);
  assertEquals(external, []);
  // The offline repair tool is not part of a running partition (partition_actor.ts imports
  // log/log.ts, not log/mod.ts).
  assertEquals([...seen].filter((s) => s.endsWith("/log/repair.ts")), []);
  // The lazy ones are still there, loaded on first use.
  for (const wanted of ["node:zlib", "@logtape/logtape", "@node-rs/crc32"]) {
    assert(lazy.some((s) => s.includes(wanted)), `${wanted} is imported lazily`);
  }
});
