/**
 * `auth add-principal` and `auth hash-key`: manage the broker's auth file
 * (docs/security.md) without a running broker. A new API key is made from
 * 32 random bytes, printed once, and only its SHA-256 is written to the
 * file. The file is rewritten atomically (temp file, then rename) with mode
 * 0600.
 *
 * @module
 */
import { WeirError } from "../mod.ts";
import type { Command } from "./_context.ts";
import { UsageError } from "./_usage_error.ts";

const RESOURCE = /^(cluster|topic:.+|group:.+)$/;
const OPERATIONS = new Set(["produce", "consume", "admin", "*"]);

/** One `--allow resource=ops` grant. */
export interface AllowSpec {
  /** `cluster`, `topic:<glob>` or `group:<glob>`. */
  resource: string;
  /** Operations: `produce`, `consume`, `admin` or `*`. */
  operations: string[];
}

/**
 * Parses `--allow topic:orders*=produce,consume`.
 *
 * @param text The flag value.
 * @returns The grant.
 * @throws {UsageError} For a bad resource or operation.
 */
export function parseAllow(text: string): AllowSpec {
  const at = text.lastIndexOf("=");
  const resource = at < 0 ? "" : text.slice(0, at);
  const operations = at < 0 ? [] : text.slice(at + 1).split(",").map((s) => s.trim());
  if (!RESOURCE.test(resource)) {
    throw new UsageError(
      `Cannot parse --allow ${
        JSON.stringify(text)
      }: expected cluster=OPS, topic:<glob>=OPS or group:<glob>=OPS`,
    );
  }
  const bad = operations.find((op) => !OPERATIONS.has(op));
  if (operations.length === 0 || bad !== undefined) {
    throw new UsageError(
      `Cannot parse --allow ${
        JSON.stringify(text)
      }: operations are a comma list of produce, consume, admin or *`,
    );
  }
  return { resource, operations: [...new Set(operations)] };
}

/**
 * The lower-case hex SHA-256 of a key's UTF-8 bytes (the auth file's `keySha256`).
 *
 * @param key The API key.
 * @returns 64 hex digits.
 */
export async function sha256Hex(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A new random API key: `weir_` and 32 random bytes in base64url.
 *
 * @returns The key.
 */
export function newApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const b64 = btoa(String.fromCharCode(...bytes));
  return `weir_${b64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}`;
}

interface FileShape {
  principals: { name?: unknown; keySha256?: unknown; allow?: unknown }[];
  [k: string]: unknown;
}

async function readFile(path: string): Promise<FileShape> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { principals: [] };
    throw new WeirError(
      "INVALID_CONFIG",
      `Cannot read the auth file ${JSON.stringify(path)}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new WeirError(
      "INVALID_CONFIG",
      `Cannot read the auth file ${JSON.stringify(path)}: it is not valid JSON`,
      { cause },
    );
  }
  if (
    typeof data !== "object" || data === null ||
    !Array.isArray((data as { principals?: unknown }).principals)
  ) {
    throw new WeirError(
      "INVALID_CONFIG",
      `Cannot read the auth file ${JSON.stringify(path)}: field "principals" is not a list`,
    );
  }
  return data as FileShape;
}

async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID()}`;
  try {
    await Deno.writeTextFile(tmp, text, { mode: 0o600 });
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw new WeirError(
      "INVALID_CONFIG",
      `Cannot write the auth file ${JSON.stringify(path)}: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/** `auth add-principal`. */
export const AUTH_ADD_PRINCIPAL_COMMAND: Command = {
  name: "auth add-principal",
  usage: "--auth-file <path> --name <name> [--allow <resource>=<ops>]...",
  summary: "Add a principal with a new random API key to an auth file (key printed once)",
  details: "Examples:\n" +
    "  weir auth add-principal --auth-file auth.json --name billing \\\n" +
    "    --allow 'topic:orders*=produce,consume' --allow 'group:billing=consume'\n" +
    "  weir auth add-principal --auth-file auth.json --name ops --allow 'cluster=*'\n" +
    "The file is created when missing; the broker reads it at start (--auth-file).\n",
  flags: {
    "auth-file": { type: "string", valueName: "path", description: "Auth file to update" },
    name: { type: "string", valueName: "name", description: "Principal name (unique)" },
    allow: {
      type: "string",
      multiple: true,
      valueName: "resource=ops",
      description: "Grant, e.g. topic:orders*=produce,consume (repeatable)",
    },
  },
  async run(args, ctx) {
    if (args.positionals.length > 0) {
      throw new UsageError(
        `Cannot run "auth add-principal": unexpected argument ${
          JSON.stringify(args.positionals[0])
        }`,
      );
    }
    const path = args.string("auth-file");
    const name = args.string("name");
    if (path === undefined) {
      throw new UsageError('Cannot run "auth add-principal": --auth-file is required');
    }
    if (name === undefined || name === "" || name.length > 256) {
      throw new UsageError('Cannot run "auth add-principal": --name (1-256 chars) is required');
    }
    const allow = args.strings("allow").map(parseAllow);
    const file = await readFile(path);
    if (file.principals.some((p) => p.name === name)) {
      throw new WeirError(
        "INVALID_CONFIG",
        `Cannot add principal ${JSON.stringify(name)}: the auth file already has one by that name`,
      );
    }
    const key = newApiKey();
    file.principals.push({ name, keySha256: await sha256Hex(key), allow });
    await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
    if (ctx.json) return await ctx.jsonLine({ name, apiKey: key });
    await ctx.io.out(
      `Added principal ${JSON.stringify(name)} to ${path}.\n` +
        `API key (shown once; only its SHA-256 is stored):\n${key}\n`,
    );
  },
};

/** `auth hash-key`. */
export const AUTH_HASH_KEY_COMMAND: Command = {
  name: "auth hash-key",
  usage: "[<key>]",
  summary: "Print the SHA-256 (keySha256) of an API key given as argument or on stdin",
  details: "Reading the key from stdin keeps it out of the shell history:\n" +
    '  printf %s "$KEY" | weir auth hash-key\n',
  flags: {},
  async run(args, ctx) {
    if (args.positionals.length > 1) {
      throw new UsageError('Cannot run "auth hash-key": give at most one key');
    }
    let key = args.positionals[0];
    if (key === undefined) key = (await new Response(ctx.io.stdin()).text()).replace(/\r?\n$/, "");
    if (key === "") throw new UsageError('Cannot run "auth hash-key": the key is empty');
    const hash = await sha256Hex(key);
    if (ctx.json) return await ctx.jsonLine({ keySha256: hash });
    await ctx.io.out(`${hash}\n`);
  },
};

/** Both `auth` commands. */
export const AUTH_COMMANDS: readonly Command[] = [
  AUTH_ADD_PRINCIPAL_COMMAND,
  AUTH_HASH_KEY_COMMAND,
];
