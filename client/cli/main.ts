/**
 * The Weir command-line client: `deno task cli [--url URL] <command>`.
 * Built on the SDK only; kept out of `client/mod.ts` so the SDK stays
 * browser-clean.
 *
 * Exit codes: 0 success, 1 an API or server error (`CODE: message` on
 * stderr), 2 a usage error.
 *
 * @module
 */
import { toWeirError, WeirError } from "../mod.ts";
import { type FlagSpecs, formatFlags, parseArgs } from "./_args.ts";
import { CliContext, type CliIo, type Command } from "./_context.ts";
import { UsageError } from "./_usage_error.ts";
import { AUTH_COMMANDS } from "./auth.ts";
import { CLUSTER_COMMAND } from "./cluster.ts";
import { CONSUME_COMMAND } from "./consume.ts";
import { GROUPS_COMMANDS } from "./groups.ts";
import { PRODUCE_COMMAND } from "./produce.ts";
import { TOPICS_COMMANDS } from "./topics.ts";

/** Exit code of a successful run. */
export const EXIT_OK = 0;
/** Exit code when the broker or the SDK reports an error. */
export const EXIT_API_ERROR = 1;
/** Exit code for a bad command line. */
export const EXIT_USAGE = 2;

const PROG = "weir";
const DEFAULT_URL = "http://127.0.0.1:9021";

const COMMANDS: readonly Command[] = [
  ...TOPICS_COMMANDS,
  PRODUCE_COMMAND,
  CONSUME_COMMAND,
  ...GROUPS_COMMANDS,
  CLUSTER_COMMAND,
  ...AUTH_COMMANDS,
];

const GLOBAL_FLAGS: FlagSpecs = {
  url: {
    type: "string",
    valueName: "url",
    description: `Broker URL (default $WEIR_URL or ${DEFAULT_URL})`,
  },
  "api-key": { type: "string", valueName: "key", description: "API key (default $WEIR_API_KEY)" },
  json: { type: "boolean", description: "Print one JSON object per line instead of tables" },
  help: { type: "boolean", short: "h", description: "Show help" },
};

const EXIT_CODES = "Exit codes:\n" +
  "  0  success\n" +
  "  1  the broker or the API refused or failed; stderr has CODE: message\n" +
  "  2  usage error (unknown command or option, missing or bad value)\n";

/** Settings read from the environment. */
export interface CliEnv {
  /** `$WEIR_URL`. */
  url?: string | undefined;
  /** `$WEIR_API_KEY`. */
  apiKey?: string | undefined;
}

function topHelp(): string {
  const rows = COMMANDS.map((c) => [c.name, c.summary] as const);
  const width = Math.max(...rows.map(([n]) => n.length));
  return `${PROG}: command-line client for a Weir broker\n\n` +
    `Usage: deno task cli [--url URL] [--json] <command> [options]\n\n` +
    `Commands:\n${rows.map(([n, s]) => `  ${n.padEnd(width)}  ${s}\n`).join("")}\n` +
    `Global options:\n${formatFlags(GLOBAL_FLAGS)}\n` +
    `Run "${PROG} <command> --help" for the options of a command.\n\n${EXIT_CODES}`;
}

function familyHelp(family: string): string {
  const members = COMMANDS.filter((c) => c.name.startsWith(`${family} `));
  const width = Math.max(...members.map((c) => c.name.length));
  return `Usage: ${PROG} ${family} <${members.map((c) => c.name.split(" ")[1]).join("|")}>\n\n` +
    members.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}\n`).join("") +
    `\nRun "${PROG} ${family} <command> --help" for its options.\n\n${EXIT_CODES}`;
}

function commandHelp(command: Command): string {
  const usage = `${PROG} ${command.name}${command.usage === "" ? "" : ` ${command.usage}`}`;
  const own = Object.keys(command.flags).length === 0
    ? ""
    : `Options:\n${formatFlags(command.flags)}\n`;
  return `Usage: ${usage}\n\n${command.summary}\n\n` +
    (command.details === undefined ? "" : `${command.details}\n`) +
    `${own}Global options:\n${formatFlags(GLOBAL_FLAGS)}\n${EXIT_CODES}`;
}

/** Splits leading global options from the command words and the rest. */
function splitCommand(
  argv: readonly string[],
): { leading: string[]; words: string[]; rest: string[] } {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length && argv[i]!.startsWith("-")) {
    const arg = argv[i]!;
    leading.push(arg);
    i++;
    const name = arg.startsWith("--") ? arg.slice(2) : "";
    if (!name.includes("=") && GLOBAL_FLAGS[name]?.type === "string" && i < argv.length) {
      leading.push(argv[i]!);
      i++;
    }
  }
  const words: string[] = [];
  const first = argv[i];
  if (first !== undefined) {
    words.push(first);
    i++;
    const second = argv[i];
    const family = COMMANDS.some((c) => c.name.startsWith(`${first} `));
    if (family && second !== undefined && !second.startsWith("-")) {
      words.push(second);
      i++;
    }
  }
  return { leading, words, rest: argv.slice(i) };
}

/**
 * Runs the CLI on `argv` and returns the exit code (it never exits itself).
 *
 * @param argv The arguments, e.g. `Deno.args`.
 * @param options Where to read and write, and settings from the environment.
 * @returns 0 on success, 1 on an API or server error, 2 on a usage error.
 *
 * @example Help exits with 0
 * ```ts
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 * import { runCli } from "./main.ts";
 *
 * let out = "";
 * const io = {
 *   out: (text: string) => Promise.resolve(void (out += text)),
 *   err: () => Promise.resolve(),
 *   stdin: () => ReadableStream.from<Uint8Array>([]),
 *   stderrIsTerminal: false,
 *   stdoutIsTerminal: false,
 * };
 * assertEquals(await runCli(["topics", "--help"], { io }), 0);
 * assertStringIncludes(out, "topics create");
 * ```
 */
export async function runCli(
  argv: readonly string[],
  options: { io: CliIo; env?: CliEnv },
): Promise<number> {
  const { io } = options;
  let hint = `Run "${PROG} --help" for usage.`;
  try {
    const { leading, words, rest } = splitCommand(argv);
    const name = words.join(" ");
    const command = COMMANDS.find((c) => c.name === name);
    if (command === undefined) {
      const globals = parseArgs(leading, GLOBAL_FLAGS);
      const family = words[0] !== undefined &&
        COMMANDS.some((c) => c.name.startsWith(`${words[0]} `));
      if (family && words.length === 1) {
        if (globals.bool("help") || parseArgs(rest, GLOBAL_FLAGS).bool("help")) {
          await io.out(familyHelp(words[0]!));
          return EXIT_OK;
        }
        hint = `Run "${PROG} ${words[0]} --help" for usage.`;
        throw new UsageError(`Cannot run "${name}": missing a subcommand`);
      }
      if (words.length === 0 || words[0] === "help") {
        if (globals.bool("help") || words[0] === "help") {
          await io.out(topHelp());
          return EXIT_OK;
        }
        throw new UsageError("Cannot run: missing a command");
      }
      throw new UsageError(`Cannot run "${name}": unknown command`);
    }
    hint = `Run "${PROG} ${command.name} --help" for usage.`;
    const args = parseArgs([...leading, ...rest], { ...GLOBAL_FLAGS, ...command.flags });
    if (args.bool("help")) {
      await io.out(commandHelp(command));
      return EXIT_OK;
    }
    const url = args.string("url") ?? options.env?.url ?? DEFAULT_URL;
    await using ctx = new CliContext(io, {
      url,
      apiKey: args.string("api-key") ?? options.env?.apiKey,
      json: args.bool("json"),
    });
    await command.run(args, ctx);
    return EXIT_OK;
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) return EXIT_OK;
    if (e instanceof UsageError) {
      await io.err(`Usage error: ${e.message}\n${hint}\n`).catch(() => {});
      return EXIT_USAGE;
    }
    const error = e instanceof WeirError ? e : toWeirError(e, "Cannot run the command");
    await io.err(`${error.code}: ${error.message}\n`).catch(() => {});
    return EXIT_API_ERROR;
  }
}

const utf8 = new TextEncoder();

async function writeAll(
  writer: { write(p: Uint8Array): Promise<number> },
  text: string,
): Promise<void> {
  let data = utf8.encode(text);
  while (data.length > 0) data = data.subarray(await writer.write(data));
}

function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

if (import.meta.main) {
  const io: CliIo = {
    out: (text) => writeAll(Deno.stdout, text),
    err: (text) => writeAll(Deno.stderr, text),
    stdin: () => Deno.stdin.readable,
    stderrIsTerminal: Deno.stderr.isTerminal(),
    stdoutIsTerminal: Deno.stdout.isTerminal(),
  };
  const env = { url: envVar("WEIR_URL"), apiKey: envVar("WEIR_API_KEY") };
  Deno.exit(await runCli(Deno.args, { io, env }));
}
