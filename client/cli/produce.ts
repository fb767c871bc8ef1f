/**
 * `produce <topic>`: one record per stdin line.
 *
 * @module
 */
import type { AcksOption, ProducerRecord, RecordMetadata } from "../mod.ts";
import type { ParsedArgs } from "./_args.ts";
import type { CliContext, Command } from "./_context.ts";
import { readLines } from "./_lines.ts";
import { startProgress } from "./_progress.ts";
import { UsageError } from "./_usage_error.ts";
import { onePositional } from "./topics.ts";

/** Records in flight before the reader waits for the oldest acknowledgement. */
const WINDOW = 10_000;

/** How a stdin line becomes a record. */
export interface LineOptions {
  /** Always send the value as a string. */
  raw: boolean;
  /** Splits key and value at its first occurrence. */
  keySeparator: string | undefined;
  /** Fixed partition. */
  partition: number | undefined;
  /** Headers added to every record. */
  headers: Record<string, string> | undefined;
}

/**
 * Turns one input line into a record: the value is the line's JSON value when
 * it parses as JSON (unless `raw`), else the line as a string; with a key
 * separator the text before its first occurrence is the key (no separator in
 * the line: a null key).
 *
 * @param line One line without its ending.
 * @param options How to split and parse.
 * @returns The record to send.
 *
 * @example Key and JSON value
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { lineToRecord } from "./produce.ts";
 *
 * const options = { raw: false, keySeparator: ":", partition: undefined, headers: undefined };
 * assertEquals(lineToRecord('k1:{"n":1}', options), { key: "k1", value: { n: 1 } });
 * ```
 */
export function lineToRecord(line: string, options: LineOptions): ProducerRecord<string, unknown> {
  let key: string | null = null;
  let text = line;
  if (options.keySeparator !== undefined) {
    const at = line.indexOf(options.keySeparator);
    if (at !== -1) {
      key = line.slice(0, at);
      text = line.slice(at + options.keySeparator.length);
    }
  }
  let value: unknown = text;
  if (!options.raw) {
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
  }
  const record: ProducerRecord<string, unknown> = { value };
  if (key !== null) record.key = key;
  if (options.partition !== undefined) record.partition = options.partition;
  if (options.headers !== undefined) record.headers = options.headers;
  return record;
}

function parseAcks(raw: string | undefined): AcksOption {
  if (raw === undefined || raw === "all" || raw === "-1") return "all";
  if (raw === "0") return 0;
  if (raw === "1") return 1;
  throw new UsageError(`Cannot use --acks ${JSON.stringify(raw)}: expected 0, 1, all or -1`);
}

function parseHeaders(entries: readonly string[]): Record<string, string> | undefined {
  if (entries.length === 0) return undefined;
  const headers: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    if (eq <= 0) {
      throw new UsageError(`Cannot use --header ${JSON.stringify(entry)}: expected key=value`);
    }
    headers[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return headers;
}

function lineOptions(args: ParsedArgs): LineOptions {
  const keySeparator = args.string("key-separator");
  if (keySeparator === "") {
    throw new UsageError(`Cannot use --key-separator "": it must not be empty`);
  }
  return {
    raw: args.bool("raw"),
    keySeparator,
    partition: args.int("partition", { min: 0 }),
    headers: parseHeaders(args.strings("header")),
  };
}

async function produce(args: ParsedArgs, ctx: CliContext): Promise<void> {
  const topic = onePositional(args, "produce", "topic");
  const options = lineOptions(args);
  const acks = parseAcks(args.string("acks"));
  const weir = await ctx.weir();
  await using producer = weir.producer({ acks, lingerMs: 5 });
  const inFlight: Promise<RecordMetadata>[] = [];
  let sent = 0;
  let acked = 0;
  const settle = async (): Promise<void> => {
    const meta = await inFlight.shift()!;
    acked++;
    if (ctx.json) {
      await ctx.jsonLine({ topic: meta.topic, partition: meta.partition, offset: meta.offset });
    }
  };
  using _progress = startProgress(ctx.io, () => `produced ${acked}/${sent} records`);
  try {
    for await (const line of readLines(ctx.io.stdin())) {
      if (line === "") continue;
      const sending = producer.send(topic, lineToRecord(line, options));
      sending.catch(() => {});
      inFlight.push(sending);
      sent++;
      if (inFlight.length >= WINDOW) await settle();
    }
    while (inFlight.length > 0) await settle();
  } finally {
    // Nothing left unobserved on failure: the first error is what the user sees.
    await Promise.allSettled(inFlight);
  }
  if (!ctx.json) {
    await ctx.io.out(`Produced ${acked} record(s) to "${topic}"\n`);
  }
}

/** The `produce` command. */
export const PRODUCE_COMMAND: Command = {
  name: "produce",
  usage: "<topic> [--key-separator s] [--raw] [--partition n] [--acks 0|1|all] [--header k=v]...",
  summary: "Send each stdin line as a record",
  details:
    "A line is sent as a JSON value when it parses as JSON, else as a string (--raw: always\n" +
    "a string). Empty lines are skipped. With --json, prints { topic, partition, offset } per\n" +
    "record in input order.\n" +
    "Example: printf 'k1:{\"n\":1}\\nk2:hello\\n' | weir produce orders --key-separator :\n",
  flags: {
    "key-separator": {
      type: "string",
      valueName: "s",
      description: "Split each line into key and value at the first s",
    },
    raw: { type: "boolean", description: "Send every value as a string, never parse JSON" },
    partition: { type: "string", valueName: "n", description: "Send to this partition" },
    acks: {
      type: "string",
      valueName: "0|1|all",
      description: "Acknowledgements to wait for (default all)",
    },
    header: {
      type: "string",
      valueName: "k=v",
      multiple: true,
      description: "A header added to every record",
    },
  },
  run: produce,
};
