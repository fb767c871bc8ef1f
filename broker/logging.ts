/**
 * {@linkcode configureLogging}: the broker's logtape setup, done once by
 * `broker/main.ts` (library code only calls `getLogger(["weir", ...])`).
 *
 * - `text`: one human-readable line per record (ANSI colours on a terminal).
 * - `json`: JSON Lines (`@timestamp`, `level`, `message`, `logger`,
 *   `properties`), for log shippers.
 * - `auto` (default): `text` on a terminal, `json` otherwise.
 *
 * Categories are `["weir", <area>, ...]` (`broker`, `http`, `runtime`, `log`,
 * `group`); records about an actor carry its kind and id in their properties
 * (`actor`, or `kind` and `id`). Levels: `debug`, `info`, `warning`, `error`.
 *
 * @module
 */
import {
  configure,
  getAnsiColorFormatter,
  getConsoleSink,
  getJsonLinesFormatter,
  getTextFormatter,
  type LogRecord,
  type Sink,
  type TextFormatter,
} from "@logtape/logtape";

/** How log lines look; `auto` picks `text` on a terminal and `json` otherwise. */
export type LogFormat = "text" | "json" | "auto";

/** Lowest level logged. */
export type LogLevelName = "debug" | "info" | "warning" | "error";

/** Options of {@linkcode configureLogging}. */
export interface LoggingOptions {
  /** Lowest level logged under `["weir"]`. Default `info`. */
  level?: LogLevelName;
  /** Line format. Default `auto`. */
  format?: LogFormat;
  /** Whether the output is a terminal (for `auto` and colours). Default: stderr is a terminal. */
  isTerminal?: boolean;
  /** Where formatted lines go (each ends with a newline). Default: the console. */
  write?: (line: string) => void;
}

/**
 * The concrete format for `format` on this output.
 *
 * @param format The requested format.
 * @param isTerminal Whether the output is a terminal.
 * @returns `text` or `json`.
 */
export function resolveLogFormat(format: LogFormat, isTerminal: boolean): "text" | "json" {
  if (format === "auto") return isTerminal ? "text" : "json";
  return format;
}

/**
 * The formatter of a resolved format.
 *
 * @param format `text` or `json`.
 * @param isTerminal Whether to colour text lines.
 * @returns A logtape text formatter (each line ends with a newline).
 */
export function logFormatter(format: "text" | "json", isTerminal: boolean): TextFormatter {
  if (format === "json") return getJsonLinesFormatter();
  return isTerminal ? getAnsiColorFormatter() : getTextFormatter();
}

/**
 * Configures logtape for the broker process (replacing any earlier setup).
 *
 * @param options Level, format, terminal detection and an optional writer.
 * @returns Resolves once configured.
 *
 * @example JSON lines into a buffer
 * ```ts
 * import { configureLogging } from "./logging.ts";
 * import { getLogger, reset } from "@logtape/logtape";
 * import { assertEquals } from "@std/assert";
 *
 * const lines: string[] = [];
 * await configureLogging({ format: "json", write: (line) => lines.push(line) });
 * getLogger(["weir", "example"]).info("Started {n} partitions", { n: 4 });
 * getLogger(["weir", "example"]).debug("Not shown at info");
 * await reset();
 * assertEquals(lines.length, 1);
 * assertEquals(JSON.parse(lines[0]!).properties, { n: 4 });
 * ```
 */
export async function configureLogging(options: LoggingOptions = {}): Promise<void> {
  const isTerminal = options.isTerminal ?? Deno.stderr.isTerminal();
  const format = resolveLogFormat(options.format ?? "auto", isTerminal);
  const formatter = logFormatter(format, isTerminal && options.write === undefined);
  const write = options.write;
  const sink: Sink = write === undefined
    ? getConsoleSink({ formatter })
    : (record: LogRecord) => write(String(formatter(record)));
  await configure({
    reset: true,
    sinks: { out: sink },
    loggers: [
      { category: ["weir"], lowestLevel: options.level ?? "info", sinks: ["out"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["out"] },
    ],
  });
}
