/**
 * `groups list|describe|reset-offsets`.
 *
 * @module
 */
import { type OffsetCommit, WeirError } from "../mod.ts";
import { parseIntArg } from "./_args.ts";
import type { Command } from "./_context.ts";
import { formatTable } from "./_table.ts";
import { UsageError } from "./_usage_error.ts";
import { onePositional } from "./topics.ts";

const list: Command = {
  name: "groups list",
  usage: "",
  summary: "List consumer groups",
  flags: {},
  async run(args, ctx) {
    if (args.positionals.length > 0) {
      throw new UsageError(
        `Cannot run "groups list": unexpected argument ${JSON.stringify(args.positionals[0])}`,
      );
    }
    const groups = await (await ctx.weir()).admin.listGroups();
    groups.sort((a, b) => a.groupId.localeCompare(b.groupId));
    if (ctx.json) {
      for (const g of groups) await ctx.jsonLine(g);
      return;
    }
    await ctx.io.out(
      formatTable(
        ["GROUP", "STATE", "MEMBERS"],
        groups.map((g) => [g.groupId, g.state, g.members]),
      ),
    );
  },
};

const describe: Command = {
  name: "groups describe",
  usage: "<group>",
  summary: "Show a group's state, members, assignment, committed offsets and lag",
  flags: {},
  async run(args, ctx) {
    const groupId = onePositional(args, "groups describe", "group");
    const group = await (await ctx.weir()).admin.describeGroup(groupId);
    if (ctx.json) return await ctx.jsonLine(group);
    const members = group.members.map((m) => [
      m.memberId,
      m.instanceId ?? "-",
      m.memberEpoch,
      m.assignment.map((a) => `${a.topic}:${a.partitions.join(",")}`).join(" ") || "-",
    ]);
    const lag = group.offsets.reduce((n, o) => n + o.lag, 0);
    await ctx.io.out(
      `Group: ${group.groupId}  State: ${group.state}  Epoch: ${group.epoch}  Members: ${group.members.length}  Lag: ${lag}\n` +
        (members.length === 0
          ? ""
          : "\n" + formatTable(["MEMBER", "INSTANCE", "EPOCH", "ASSIGNMENT"], members)) +
        (group.offsets.length === 0 ? "" : "\n" + formatTable(
          ["TOPIC", "PARTITION", "COMMITTED", "END", "LAG"],
          group.offsets.map((o) => [o.topic, o.partition, o.committed, o.highWatermark, o.lag]),
        )),
    );
  },
};

/** Parses `--to earliest|latest|<offset>`. */
function parseTo(raw: string | undefined): "earliest" | "latest" | number {
  if (raw === undefined) {
    throw new UsageError(
      `Cannot run "groups reset-offsets": missing --to earliest|latest|<offset>`,
    );
  }
  if (raw === "earliest" || raw === "latest") return raw;
  return parseIntArg("--to", raw, { min: 0 });
}

const resetOffsets: Command = {
  name: "groups reset-offsets",
  usage: "<group> --topic t --to earliest|latest|<offset> [--partition n]... [--execute]",
  summary: "Move a group's committed offsets (a dry run unless --execute)",
  details: "Without --execute, prints the plan and changes nothing. The group must have no\n" +
    "active members for the broker to accept the change.\n",
  flags: {
    topic: { type: "string", valueName: "topic", description: "The topic whose offsets move" },
    to: { type: "string", valueName: "earliest|latest|offset", description: "The new position" },
    partition: {
      type: "string",
      valueName: "n",
      multiple: true,
      description: "Only this partition (default: all)",
    },
    execute: { type: "boolean", description: "Apply the change (default: dry run)" },
  },
  async run(args, ctx) {
    const groupId = onePositional(args, "groups reset-offsets", "group");
    const topicName = args.string("topic");
    if (topicName === undefined) {
      throw new UsageError(`Cannot run "groups reset-offsets": missing --topic <topic>`);
    }
    const to = parseTo(args.string("to"));
    const partitions = args.strings("partition").map((p) =>
      parseIntArg("--partition", p, { min: 0 })
    );
    const weir = await ctx.weir();
    const execute = args.bool("execute");
    let plan: OffsetCommit[];
    if (execute) {
      plan = await weir.admin.resetGroupOffsets({
        groupId,
        topic: topicName,
        to,
        ...(partitions.length === 0 ? {} : { partitions }),
      });
    } else {
      const topic = await weir.admin.describeTopic(topicName);
      const known = new Set(topic.partitions.map((p) => p.partition));
      const missing = partitions.find((p) => !known.has(p));
      if (missing !== undefined) {
        throw new WeirError(
          "UNKNOWN_TOPIC_OR_PARTITION",
          `Cannot reset offsets of group "${groupId}": "${topicName}" has no partition ${missing}`,
        );
      }
      plan = topic.partitions
        .filter((p) => partitions.length === 0 || partitions.includes(p.partition))
        .map((p) => ({
          topic: topicName,
          partition: p.partition,
          offset: to === "earliest" ? p.logStartOffset : to === "latest" ? p.highWatermark : to,
        }));
    }
    const current = new Map<number, number>();
    if (!execute) {
      const group = await weir.admin.describeGroup(groupId).catch((e: unknown) => {
        if (e instanceof WeirError && e.code === "GROUP_ID_NOT_FOUND") return undefined;
        throw e;
      });
      for (const o of group?.offsets ?? []) {
        if (o.topic === topicName) current.set(o.partition, o.committed);
      }
    }
    if (ctx.json) {
      for (const o of plan) {
        await ctx.jsonLine({
          groupId,
          topic: o.topic,
          partition: o.partition,
          ...(execute ? {} : { current: current.get(o.partition) ?? null }),
          offset: o.offset,
          executed: execute,
        });
      }
    } else {
      await ctx.io.out(formatTable(
        execute
          ? ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"]
          : ["GROUP", "TOPIC", "PARTITION", "CURRENT", "NEW-OFFSET"],
        plan.map((o) =>
          execute
            ? [groupId, o.topic, o.partition, o.offset]
            : [groupId, o.topic, o.partition, current.get(o.partition) ?? "-", o.offset]
        ),
      ));
    }
    if (!execute) {
      await ctx.io.err("Dry run: nothing changed (add --execute to apply)\n");
    }
  },
};

/** The `groups` commands. */
export const GROUPS_COMMANDS: readonly Command[] = [list, describe, resetOffsets];
