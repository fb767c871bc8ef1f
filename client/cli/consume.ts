/**
 * `consume <topic>`: print records of chosen partitions or as a group member,
 * up to the end offsets seen at start (or forever with `--follow`).
 *
 * @module
 */
import {
  type Consumer,
  OffsetsResponseSchema,
  type TopicDescription,
  type TypedTopic,
  type Weir,
  WeirError,
} from "../mod.ts";
import { type ParsedArgs, parseIntArg } from "./_args.ts";
import type { CliContext, Command } from "./_context.ts";
import { startProgress } from "./_progress.ts";
import { type CliRecord, compileFormat, decodeValue } from "./_record_format.ts";
import { UsageError } from "./_usage_error.ts";
import { onePositional } from "./topics.ts";

/** Where reading starts: `earliest`, `latest`, an offset or `@<timestamp-ms>`. */
export type FromSpec = "earliest" | "latest" | number | { timestamp: number };

/** How often the end-of-data check runs while the consumer waits. */
const CHECK_MS = 50;

/**
 * Parses `--from earliest|latest|<offset>|@<timestamp-ms>`.
 *
 * @param raw The option value.
 * @returns The start position.
 * @throws {UsageError} When it is none of these.
 */
export function parseFrom(raw: string): FromSpec {
  if (raw === "earliest" || raw === "latest") return raw;
  if (raw.startsWith("@")) return { timestamp: parseIntArg("--from", raw.slice(1), { min: 0 }) };
  if (/^\d+$/.test(raw)) return parseIntArg("--from", raw, { min: 0 });
  throw new UsageError(
    `Cannot use --from ${
      JSON.stringify(raw)
    }: expected earliest, latest, an offset or @<timestamp-ms>`,
  );
}

type BytesTopic = TypedTopic<string, Uint8Array | null>;

interface Plan {
  /** Partitions read, with the end offset seen at start. */
  ends: Map<number, number>;
  /** The log start offset of each partition at start. */
  starts: Map<number, number>;
}

async function startOffset(
  ctx: CliContext,
  topic: string,
  p: { partition: number; logStartOffset: number; highWatermark: number },
  from: FromSpec,
): Promise<number> {
  if (from === "earliest") return p.logStartOffset;
  if (from === "latest") return p.highWatermark;
  if (typeof from === "number") return from;
  const found = await ctx.http().json(
    `/v1/topics/${encodeURIComponent(topic)}/partitions/${p.partition}/offsets`,
    OffsetsResponseSchema,
    { query: { timestamp: from.timestamp } },
  );
  return found.offsetForTimestamp ?? found.latest;
}

function choosePartitions(description: TopicDescription, wanted: readonly number[]): Plan {
  const ends = new Map<number, number>();
  const starts = new Map<number, number>();
  for (const p of description.partitions) {
    if (wanted.length > 0 && !wanted.includes(p.partition)) continue;
    ends.set(p.partition, p.highWatermark);
    starts.set(p.partition, p.logStartOffset);
  }
  const missing = wanted.find((p) => !ends.has(p));
  if (missing !== undefined) {
    throw new WeirError(
      "UNKNOWN_TOPIC_OR_PARTITION",
      `Cannot consume "${description.name}": it has no partition ${missing}`,
    );
  }
  return { ends, starts };
}

interface Options {
  topic: string;
  group: string | undefined;
  partitions: number[];
  from: FromSpec;
  count: number | undefined;
  follow: boolean;
  render: (record: CliRecord) => string;
}

function readOptions(args: ParsedArgs): Options {
  const topic = onePositional(args, "consume", "topic");
  const group = args.string("group");
  const partitions = args.strings("partition").map((p) =>
    parseIntArg("--partition", p, { min: 0 })
  );
  const from = parseFrom(args.string("from") ?? "earliest");
  if (group !== undefined && partitions.length > 0) {
    throw new UsageError(`Cannot run "consume": --group and --partition exclude each other`);
  }
  if (group !== undefined && typeof from !== "string") {
    throw new UsageError(
      `Cannot run "consume": with --group, --from is earliest or latest (where to start without a committed offset)`,
    );
  }
  const format = args.string("format");
  if (format !== undefined && args.bool("json")) {
    throw new UsageError(`Cannot run "consume": --format and --json exclude each other`);
  }
  return {
    topic,
    group,
    partitions,
    from,
    count: args.int("count", { min: 1 }),
    follow: args.bool("follow"),
    render: compileFormat(format ?? "%s\\n"),
  };
}

async function consume(args: ParsedArgs, ctx: CliContext): Promise<void> {
  const options = readOptions(args);
  const weir = await ctx.weir();
  const description = await weir.admin.describeTopic(options.topic);
  const plan = choosePartitions(description, options.partitions);
  const topic: BytesTopic = weir.topic(options.topic, { value: "bytes" });
  const consumer = options.group === undefined
    ? await assigned(ctx, weir, topic, plan, options)
    : weir.consumer({
      topics: [topic],
      groupId: options.group,
      autoOffsetReset: options.from === "latest" ? "latest" : "earliest",
      onError: (e) => void ctx.io.err(`warning: ${e.code}: ${e.message}\n`).catch(() => {}),
    });
  if (consumer === undefined) return;
  await drain(ctx, consumer, plan, options);
}

/** A consumer on explicit partitions, or undefined when nothing is left to read. */
async function assigned(
  ctx: CliContext,
  weir: Weir,
  topic: BytesTopic,
  plan: Plan,
  options: Options,
): Promise<Consumer<BytesTopic> | undefined> {
  const assignments = [];
  for (const [partition, end] of plan.ends) {
    const offset = await startOffset(ctx, options.topic, {
      partition,
      logStartOffset: plan.starts.get(partition)!,
      highWatermark: end,
    }, options.from);
    if (!options.follow && offset >= end) {
      plan.ends.delete(partition);
      continue;
    }
    assignments.push({ topic, partition, offset });
  }
  if (assignments.length === 0) return undefined;
  const consumer = weir.consumer({ topics: [topic], autoOffsetReset: "earliest" });
  consumer.assign(assignments);
  return consumer;
}

async function drain(
  ctx: CliContext,
  consumer: Consumer<BytesTopic>,
  plan: Plan,
  options: Options,
): Promise<void> {
  const { topic: name, count, follow } = options;
  const group = options.group !== undefined;
  let printed = 0;
  let finished = false;
  let waiting = false;
  /** Whether partition `p` has nothing left below its end offset. */
  const atEnd = (partition: number): boolean => {
    const end = plan.ends.get(partition) ?? 0;
    const position = consumer.position({ topic: name, partition });
    if (position !== undefined) return position >= end;
    // Unpositioned group partitions start at the reset policy.
    return !group ? false : options.from === "latest" || (plan.starts.get(partition) ?? 0) >= end;
  };
  const allRead = (): boolean => {
    if (follow) return false;
    const assignment = consumer.assignment();
    if (group) {
      const done = assignment.filter((tp) => atEnd(tp.partition));
      if (done.length > 0) consumer.pause(done);
      return assignment.length > 0 && done.length === assignment.length;
    }
    return assignment.every((tp) => atEnd(tp.partition));
  };
  const check = setInterval(() => {
    if (waiting && (finished || allRead())) void consumer.close();
  }, CHECK_MS);
  const stop = (): void => {
    finished = true;
  };
  const signals = addSigint(stop);
  using _progress = startProgress(
    { ...ctx.io, stderrIsTerminal: ctx.io.stderrIsTerminal && !ctx.io.stdoutIsTerminal },
    () => `consumed ${printed} records`,
  );
  const next = new Map<number, number>();
  const records = consumer[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (finished) {
        // The last record is not marked processed until the loop asks again: commit it here.
        if (group) await commitPrinted(consumer, name, next);
        break;
      }
      waiting = true;
      const step = await records.next();
      waiting = false;
      if (step.done) break;
      const r = step.value;
      const end = plan.ends.get(r.partition);
      if (!follow && (end === undefined || r.offset >= end)) {
        consumer.pause([{ topic: name, partition: r.partition }]);
        continue;
      }
      const record: CliRecord = {
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key,
        value: decodeValue(r.value),
        headers: r.headers,
      };
      await (ctx.json ? ctx.jsonLine(record) : ctx.io.out(options.render(record)));
      printed++;
      next.set(r.partition, r.offset + 1);
      if (count !== undefined && printed >= count) finished = true;
      if (!follow && end !== undefined && r.offset + 1 >= end) {
        consumer.pause([{ topic: name, partition: r.partition }]);
      }
    }
  } finally {
    clearInterval(check);
    signals();
    await records.return(undefined);
    await consumer.close();
  }
}

/** Commits the offsets after the printed records of partitions still assigned. */
async function commitPrinted(
  consumer: Consumer<BytesTopic>,
  topic: string,
  next: ReadonlyMap<number, number>,
): Promise<void> {
  const owned = new Set(consumer.assignment().map((tp) => tp.partition));
  const offsets = [...next].filter(([p]) => owned.has(p)).map(([partition, offset]) => ({
    topic,
    partition,
    offset,
  }));
  if (offsets.length > 0) await consumer.commit(offsets);
}

/** Stops on Ctrl-C; returns the function that removes the listener. */
function addSigint(stop: () => void): () => void {
  try {
    Deno.addSignalListener("SIGINT", stop);
    return () => Deno.removeSignalListener("SIGINT", stop);
  } catch {
    return () => {};
  }
}

/** The `consume` command. */
export const CONSUME_COMMAND: Command = {
  name: "consume",
  usage: "<topic> [--group g | --partition n...] [--from spec] [--count n] [--follow] [--format f]",
  summary: "Print records of a topic",
  details: "Reads up to the end offsets seen at start, then exits; --follow keeps waiting for\n" +
    "new records (Ctrl-C stops). With --group, partitions come from the group, reading starts\n" +
    "at its committed offsets (--from earliest|latest when there is none) and progress is\n" +
    "committed. Values are printed as JSON when they are JSON, else as text.\n" +
    "Format fields (kcat -f): %t topic, %p partition, %o offset, %k key, %s value,\n" +
    "%T timestamp ms, %h headers, %K key length, %S value length, %% percent; escapes \\n \\t.\n" +
    "Default format: '%s\\n'. --json prints { topic, partition, offset, timestamp, key, value,\n" +
    "headers } per line.\n" +
    "Example: weir consume orders --from @1700000000000 --count 10 --format '%p:%o %k %s\\n'\n",
  flags: {
    group: { type: "string", valueName: "g", description: "Consume as a member of group g" },
    partition: {
      type: "string",
      valueName: "n",
      multiple: true,
      description: "Only this partition (default: all; not with --group)",
    },
    from: {
      type: "string",
      valueName: "earliest|latest|offset|@ts",
      description: "Where to start (default earliest)",
    },
    count: { type: "string", valueName: "n", description: "Stop after n records" },
    follow: { type: "boolean", short: "f", description: "Keep waiting for new records" },
    format: { type: "string", valueName: "fmt", description: "kcat-style output format" },
  },
  run: consume,
};
