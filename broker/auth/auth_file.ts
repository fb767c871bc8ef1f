/**
 * The auth file (`--auth-file`, API.md "Security"): principals with the
 * SHA-256 of their API key and their grants.
 *
 * ```json
 * { "principals": [ { "name": "app", "keySha256": "<64 hex digits>",
 *   "allow": [ { "resource": "topic:orders*", "operations": ["produce", "consume"] } ] } ] }
 * ```
 *
 * Objects are strict (an unknown field such as `"alow"` is an error, so a
 * typo never silently grants or denies), names and key hashes are unique.
 *
 * @module
 */
import { z } from "zod";
import { WeirError } from "../../client/protocol/mod.ts";

const GrantSchema = z.strictObject({
  resource: z.string().regex(
    /^(cluster|topic:.+|group:.+)$/,
    'must be "cluster", "topic:<glob>" or "group:<glob>"',
  ),
  operations: z.array(z.enum(["produce", "consume", "admin", "*"])).min(1),
});

const PrincipalSchema = z.strictObject({
  name: z.string().min(1).max(256),
  keySha256: z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex digits (a SHA-256)"),
  allow: z.array(GrantSchema).default([]),
});

/** Zod schema of the auth file. */
export const AuthFileSchema: z.ZodType<AuthFile, AuthFileInput> = z.strictObject({
  principals: z.array(PrincipalSchema),
}).superRefine((file, ctx) => {
  const names = new Set<string>();
  const hashes = new Set<string>();
  file.principals.forEach((p, i) => {
    if (names.has(p.name)) {
      ctx.addIssue({ code: "custom", path: ["principals", i, "name"], message: "is a duplicate" });
    }
    const hash = p.keySha256.toLowerCase();
    if (hashes.has(hash)) {
      ctx.addIssue({
        code: "custom",
        path: ["principals", i, "keySha256"],
        message: "is a duplicate",
      });
    }
    names.add(p.name);
    hashes.add(hash);
  });
});

/** One grant as written in the file. */
export interface AuthFileGrant {
  /** `cluster`, `topic:<glob>` or `group:<glob>`. */
  resource: string;
  /** Operations; `*` means all. */
  operations: ("produce" | "consume" | "admin" | "*")[];
}

/** One principal as written in the file. */
export interface AuthFilePrincipal {
  /** Unique name. */
  name: string;
  /** Hex SHA-256 of the API key. */
  keySha256: string;
  /** Grants (default none: the principal can authenticate but do nothing). */
  allow: AuthFileGrant[];
}

/** The parsed auth file. */
export interface AuthFile {
  /** Everyone who may connect. */
  principals: AuthFilePrincipal[];
}

/** The auth file as written (`allow` may be left out). */
export type AuthFileInput = {
  principals: (Omit<AuthFilePrincipal, "allow"> & { allow?: AuthFileGrant[] | undefined })[];
};

/** Options of {@linkcode parseAuthFile}. */
export interface ParseAuthFileOptions {
  /** Where the text came from, for messages (default `"auth file"`). */
  source?: string;
}

/**
 * Parses and validates the text of an auth file.
 *
 * @param text The file's JSON text.
 * @param options Where it came from, for messages.
 * @returns The validated file.
 * @throws {WeirError} `INVALID_CONFIG` naming the bad field (never echoing its value).
 *
 * @example Parse a one-principal file
 * ```ts
 * import { parseAuthFile } from "./auth_file.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const file = parseAuthFile(JSON.stringify({
 *   principals: [{ name: "app", keySha256: "a".repeat(64), allow: [{ resource: "cluster", operations: ["*"] }] }],
 * }));
 * assertEquals(file.principals[0]!.name, "app");
 * ```
 */
export function parseAuthFile(text: string, options: ParseAuthFileOptions = {}): AuthFile {
  const source = options.source ?? "auth file";
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new WeirError("INVALID_CONFIG", `Cannot load ${source}: it is not valid JSON`, {
      cause,
    });
  }
  const parsed = AuthFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length === 0 ? "(root)" : issue.path.join(".");
    throw new WeirError(
      "INVALID_CONFIG",
      `Cannot load ${source}: field "${field}" is invalid (${issue.message})`,
    );
  }
  return parsed.data;
}

/**
 * Reads and validates an auth file from disk.
 *
 * @param path The file.
 * @returns The validated file.
 * @throws {WeirError} `INVALID_CONFIG` when it cannot be read or is invalid.
 */
export async function readAuthFile(path: string): Promise<AuthFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (cause) {
    throw new WeirError(
      "INVALID_CONFIG",
      `Cannot load the auth file ${JSON.stringify(path)}: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
  }
  return parseAuthFile(text, { source: `the auth file ${JSON.stringify(path)}` });
}
