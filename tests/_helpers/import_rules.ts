/**
 * The import rules of DESIGN.md as code: which top-level component may import
 * which, and that other components are entered through their `mod.ts`.
 *
 * `client/` ← nothing of ours; `actors/runtime/` ← nothing of ours;
 * `actors/<kind>/` → `actors/runtime/`, `client/protocol/`; `broker/` →
 * `actors/`, `client/protocol/`; `tests/`, `bench/` → anything.
 *
 * @module
 */
import { dirname, join, normalize, relative } from "node:path";

/** One import found in a source file. */
export interface FoundImport {
  /** Repository-relative path of the importing file. */
  from: string;
  /** The specifier as written. */
  specifier: string;
}

/** A broken rule. */
export interface Violation extends FoundImport {
  /** Why it is not allowed. */
  reason: string;
}

const IMPORT_PATTERNS = [
  /\bfrom\s+["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  /\bimport\s+["']([^"']+)["']/g,
  /new\s+URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g,
];

/** Returns every static import, dynamic import and worker URL in a source text. */
export function findImports(from: string, source: string): FoundImport[] {
  const found: FoundImport[] = [];
  const text = source.replace(/^\s*\/\/.*$/gm, "").replace(/\/\*[\s\S]*?\*\//g, "");
  for (const pattern of IMPORT_PATTERNS) {
    for (const m of text.matchAll(pattern)) found.push({ from, specifier: m[1]! });
  }
  return found;
}

/** The component a repository-relative path belongs to, e.g. `actors/partition`. */
export function componentOf(path: string): string {
  const parts = path.split("/");
  if (parts[0] === "actors" && parts.length > 2) return `actors/${parts[1]}`;
  if (parts[0] === "client" && parts[1] === "protocol" && parts.length > 2) {
    return "client/protocol";
  }
  if (parts.length === 1) return "root";
  return parts[0]!;
}

/** Whether a file is test or benchmark code, which may import anything. */
export function isTestCode(path: string): boolean {
  return path.startsWith("tests/") || path.startsWith("bench/") || path.endsWith("_test.ts") ||
    path.endsWith("_bench.ts") || path.endsWith("_conformance.ts") ||
    /(^|\/)_test_[^/]*\.ts$/.test(path);
}

function allowedTargets(component: string): string[] | "any" | "any-but-client" {
  switch (component) {
    case "root":
      return ["client"];
    case "client":
      return ["client", "client/protocol"];
    case "client/protocol":
      return ["client/protocol"];
    case "actors/runtime":
      return ["actors/runtime"];
    case "broker":
      return "any-but-client";
    default:
      if (component.startsWith("actors/")) return [component, "actors/runtime", "client/protocol"];
      return "any";
  }
}

/** npm packages each component may use directly. */
const ALLOWED_PACKAGES: Record<string, readonly string[]> = {
  "root": [],
  "client": ["zod"],
  "client/protocol": ["zod", "fzstd"],
  "actors/runtime": ["@logtape/logtape"],
};

/**
 * Checks one import against the rules.
 *
 * @returns A violation, or null when the import is allowed.
 */
export function checkImport(imp: FoundImport): Violation | null {
  if (isTestCode(imp.from)) return null;
  const from = componentOf(imp.from);
  const spec = imp.specifier;
  if (spec.startsWith("node:") || spec.startsWith("data:")) {
    if (from === "client" || from === "client/protocol" || from === "root") {
      return { ...imp, reason: `${from} must run in browsers: no "${spec}"` };
    }
    return null;
  }
  if (!spec.startsWith(".") && !spec.startsWith("/")) {
    const pkgs = ALLOWED_PACKAGES[from];
    if (pkgs === undefined) return null; // actors/<kind>, broker: any pinned npm package
    if (from.startsWith("actors/") && from !== "actors/runtime") return null;
    const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
    if (pkgs.includes(pkg)) return null;
    return { ...imp, reason: `${from} may not import the package "${spec}"` };
  }
  const target = normalize(join(dirname(imp.from), spec)).replaceAll("\\", "/");
  if (target.startsWith("..")) return { ...imp, reason: "import leaves the repository" };
  const to = componentOf(target);
  if (to === from) return null;
  const allowed = allowedTargets(from);
  if (allowed === "any-but-client") {
    if (to === "client") {
      return { ...imp, reason: "broker/ may use client/protocol/ but not the SDK" };
    }
    if (to === "tests" || to === "bench") {
      return { ...imp, reason: `broker/ may not import ${to}/` };
    }
  } else if (allowed !== "any" && !allowed.includes(to)) {
    return { ...imp, reason: `${from} may not import ${to}` };
  }
  // Another component is entered through its mod.ts (worker entry files are loaded by URL);
  // client/protocol/codec.ts is the zod-free part of client/protocol/mod.ts, for Workers.
  const base = target.split("/").pop()!;
  const codecBarrel = to === "client/protocol" && base === "codec.ts";
  const workerBarrel = to === "actors/runtime" && base === "worker.ts";
  if (base !== "mod.ts" && !base.endsWith("_worker.ts") && !codecBarrel && !workerBarrel) {
    return { ...imp, reason: `import ${to} through its mod.ts, not ${relative(to, target)}` };
  }
  return null;
}
