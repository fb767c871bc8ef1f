/**
 * `topics list|create|describe|delete|alter`.
 *
 * @module
 */
import type { ConfigInput, CreateTopicOptions, TopicDescription } from "../mod.ts";
import type { ParsedArgs } from "./_args.ts";
import type { CliContext, Command } from "./_context.ts";
import { formatTable } from "./_table.ts";
import { UsageError } from "./_usage_error.ts";

/**
 * Parses repeated `--config key=value` options; values that look like
 * numbers or booleans are sent as such, the rest as strings.
 *
 * @throws {UsageError} On an entry without `=`.
 */
export function parseConfigs(entries: readonly string[]): Record<string, ConfigInput> {
  const configs: Record<string, ConfigInput> = {};
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    if (eq <= 0) {
      throw new UsageError(
        `Cannot use --config ${JSON.stringify(entry)}: expected key=value, e.g. retention.ms=60000`,
      );
    }
    const raw = entry.slice(eq + 1);
    configs[entry.slice(0, eq)] = /^-?\d+$/.test(raw) && Number.isSafeInteger(Number(raw))
      ? Number(raw)
      : raw === "true" || raw === "false"
      ? raw === "true"
      : raw;
  }
  return configs;
}

/** The single `<name>` positional of a command. */
export function onePositional(args: ParsedArgs, command: string, what: string): string {
  const [first, ...rest] = args.positionals;
  if (first === undefined || first === "") {
    throw new UsageError(`Cannot run "${command}": missing <${what}>`);
  }
  if (rest.length > 0) {
    throw new UsageError(
      `Cannot run "${command}": unexpected argument ${JSON.stringify(rest[0])}`,
    );
  }
  return first;
}

async function printDescription(ctx: CliContext, topic: TopicDescription): Promise<void> {
  if (ctx.json) return await ctx.jsonLine(topic);
  const configs = Object.entries(topic.configs).sort(([a], [b]) => a.localeCompare(b));
  await ctx.io.out(
    `Topic: ${topic.name}  Partitions: ${topic.partitions.length}  ReplicationFactor: ${topic.replicationFactor}\n\n` +
      formatTable(
        ["PARTITION", "LEADER", "REPLICAS", "ISR", "START", "END", "RECORDS"],
        topic.partitions.map((p) => [
          p.partition,
          p.leader,
          p.replicas.join(","),
          p.isr.join(","),
          p.logStartOffset,
          p.highWatermark,
          p.highWatermark - p.logStartOffset,
        ]),
      ) +
      (configs.length === 0 ? "" : "\n" + formatTable(["CONFIG", "VALUE"], configs)),
  );
}

const list: Command = {
  name: "topics list",
  usage: "",
  summary: "List topics",
  flags: {},
  async run(args, ctx) {
    if (args.positionals.length > 0) {
      throw new UsageError(
        `Cannot run "topics list": unexpected argument ${JSON.stringify(args.positionals[0])}`,
      );
    }
    const topics = await (await ctx.weir()).admin.listTopics();
    topics.sort((a, b) => a.name.localeCompare(b.name));
    if (ctx.json) {
      for (const t of topics) await ctx.jsonLine(t);
      return;
    }
    await ctx.io.out(
      formatTable(
        ["NAME", "PARTITIONS", "REPLICATION"],
        topics.map((t) => [t.name, t.partitions, t.replicationFactor]),
      ),
    );
  },
};

const create: Command = {
  name: "topics create",
  usage: "<name> [--partitions n] [--replication-factor n] [--config key=value]...",
  summary: "Create a topic",
  details: "Example: topics create orders --partitions 3 --config retention.ms=86400000\n",
  flags: {
    partitions: { type: "string", valueName: "n", description: "Number of partitions (default 1)" },
    "replication-factor": {
      type: "string",
      valueName: "n",
      description: "Replication factor (default 1)",
    },
    config: {
      type: "string",
      valueName: "key=value",
      multiple: true,
      description: "A topic config, e.g. retention.ms=60000",
    },
  },
  async run(args, ctx) {
    const name = onePositional(args, "topics create", "name");
    const topic: CreateTopicOptions = { name };
    const partitions = args.int("partitions", { min: 1 });
    if (partitions !== undefined) topic.partitions = partitions;
    const rf = args.int("replication-factor", { min: 1 });
    if (rf !== undefined) topic.replicationFactor = rf;
    const configs = parseConfigs(args.strings("config"));
    if (Object.keys(configs).length > 0) topic.configs = configs;
    const created = await (await ctx.weir()).admin.createTopic(topic);
    if (ctx.json) return await ctx.jsonLine(created);
    await ctx.io.out(
      `Created topic "${created.name}" with ${created.partitions.length} partition(s)\n`,
    );
  },
};

const describe: Command = {
  name: "topics describe",
  usage: "<name>",
  summary: "Show partitions, offsets and configs of a topic",
  flags: {},
  async run(args, ctx) {
    const name = onePositional(args, "topics describe", "name");
    await printDescription(ctx, await (await ctx.weir()).admin.describeTopic(name));
  },
};

const remove: Command = {
  name: "topics delete",
  usage: "<name>",
  summary: "Delete a topic and its data",
  flags: {},
  async run(args, ctx) {
    const name = onePositional(args, "topics delete", "name");
    await (await ctx.weir()).admin.deleteTopic(name);
    if (ctx.json) return await ctx.jsonLine({ deleted: name });
    await ctx.io.out(`Deleted topic "${name}"\n`);
  },
};

const alter: Command = {
  name: "topics alter",
  usage: "<name> --config key=value [--config key=value]...",
  summary: "Change topic configs",
  details: "Example: topics alter orders --config retention.ms=3600000\n",
  flags: {
    config: {
      type: "string",
      valueName: "key=value",
      multiple: true,
      description: "A topic config to set, e.g. retention.ms=60000",
    },
  },
  async run(args, ctx) {
    const name = onePositional(args, "topics alter", "name");
    const configs = parseConfigs(args.strings("config"));
    if (Object.keys(configs).length === 0) {
      throw new UsageError(`Cannot run "topics alter": give at least one --config key=value`);
    }
    await printDescription(ctx, await (await ctx.weir()).admin.alterTopicConfigs(name, configs));
  },
};

/** The `topics` commands. */
export const TOPICS_COMMANDS: readonly Command[] = [list, create, describe, remove, alter];
