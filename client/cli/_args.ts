/**
 * A small command-line argument parser for the CLI (no dependencies, so
 * `client/` stays free of npm and `node:` imports).
 *
 * Accepted forms: `--name value`, `--name=value`, `-x value` (a declared short
 * alias), boolean `--flag`, repeated flags for `multiple` options, and `--`
 * after which everything is positional. Anything else starting with `-` is a
 * usage error.
 *
 * @module
 */
import { UsageError } from "./_usage_error.ts";

/** One option a command accepts. */
export interface FlagSpec {
  /** `string` takes a value, `boolean` does not. */
  type: "string" | "boolean";
  /** One-letter alias, e.g. `h` for `--help`. */
  short?: string;
  /** May be given more than once (values are kept in order). */
  multiple?: boolean;
  /** Name of the value in help, e.g. `n`. */
  valueName?: string;
  /** One line of help. */
  description: string;
}

/** Options by long name (without `--`). */
export type FlagSpecs = Record<string, FlagSpec>;

/** The result of {@linkcode parseArgs}. */
export class ParsedArgs {
  /** Arguments that are not options, in order. */
  readonly positionals: readonly string[];
  readonly #values: ReadonlyMap<string, readonly string[]>;
  readonly #booleans: ReadonlySet<string>;

  /**
   * Wraps parsed values.
   *
   * @param positionals Non-option arguments.
   * @param values String option values by name.
   * @param booleans Boolean options that were given.
   */
  constructor(
    positionals: readonly string[],
    values: ReadonlyMap<string, readonly string[]>,
    booleans: ReadonlySet<string>,
  ) {
    this.positionals = positionals;
    this.#values = values;
    this.#booleans = booleans;
  }

  /** Whether boolean option `name` was given. */
  bool(name: string): boolean {
    return this.#booleans.has(name);
  }

  /** The last value of string option `name`, if given. */
  string(name: string): string | undefined {
    const values = this.#values.get(name);
    return values?.[values.length - 1];
  }

  /** Every value of a `multiple` option, in order. */
  strings(name: string): readonly string[] {
    return this.#values.get(name) ?? [];
  }

  /**
   * The value of option `name` as an integer in `[min, max]`.
   *
   * @throws {UsageError} When it is not such an integer.
   */
  int(name: string, range: { min: number; max?: number }): number | undefined {
    const raw = this.string(name);
    return raw === undefined ? undefined : parseIntArg(`--${name}`, raw, range);
  }
}

/**
 * Parses `raw` as a decimal integer in `[min, max]`.
 *
 * @throws {UsageError} When it is not one.
 */
export function parseIntArg(
  what: string,
  raw: string,
  range: { min: number; max?: number },
): number {
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const n = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > max) {
    throw new UsageError(
      `Cannot use ${what} ${JSON.stringify(raw)}: expected an integer ${range.min}..${max}`,
    );
  }
  return n;
}

/**
 * Parses command-line arguments against a set of options.
 *
 * @param argv The arguments after the command words.
 * @param specs The options allowed here.
 * @returns Positionals and option values.
 * @throws {UsageError} On an unknown option, a missing value, a value given to
 *   a boolean, or a repeated single-valued option.
 *
 * @example Options and positionals
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { parseArgs } from "./_args.ts";
 *
 * const args = parseArgs(["orders", "--count=2", "--json"], {
 *   count: { type: "string", description: "How many" },
 *   json: { type: "boolean", description: "JSON lines" },
 * });
 * assertEquals(args.positionals, ["orders"]);
 * assertEquals(args.int("count", { min: 0 }), 2);
 * assertEquals(args.bool("json"), true);
 * ```
 */
export function parseArgs(argv: readonly string[], specs: FlagSpecs): ParsedArgs {
  const positionals: string[] = [];
  const values = new Map<string, string[]>();
  const booleans = new Set<string>();
  const byShort = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.short !== undefined) byShort.set(spec.short, name);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
    } else if (arg.length === 2) {
      name = byShort.get(arg.slice(1));
    }
    const spec = name === undefined ? undefined : specs[name];
    if (name === undefined || spec === undefined) {
      throw new UsageError(`Cannot parse the arguments: unknown option ${JSON.stringify(arg)}`);
    }
    if (spec.type === "boolean") {
      if (inline !== undefined) {
        throw new UsageError(`Cannot parse the arguments: --${name} takes no value`);
      }
      booleans.add(name);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) {
        throw new UsageError(
          `Cannot parse the arguments: --${name} needs a value (<${spec.valueName ?? "value"}>)`,
        );
      }
      value = argv[++i]!;
    }
    const list = values.get(name) ?? [];
    if (list.length > 0 && spec.multiple !== true) {
      throw new UsageError(`Cannot parse the arguments: --${name} is given more than once`);
    }
    list.push(value);
    values.set(name, list);
  }
  return new ParsedArgs(positionals, values, booleans);
}

/**
 * Renders the options of a command as aligned help lines.
 *
 * @param specs The options.
 * @returns One line per option, each ending in a newline.
 */
export function formatFlags(specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const short = spec.short === undefined ? "    " : `-${spec.short}, `;
    const value = spec.type === "string" ? ` <${spec.valueName ?? "value"}>` : "";
    const many = spec.multiple === true ? " (repeatable)" : "";
    return [`  ${short}--${name}${value}`, `${spec.description}${many}`] as const;
  });
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${left.padEnd(width)}  ${right}\n`).join("");
}
