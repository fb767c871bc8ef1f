/**
 * `cluster`: the cluster id, controller and brokers.
 *
 * @module
 */
import { ClusterInfoSchema } from "../mod.ts";
import type { Command } from "./_context.ts";
import { formatTable } from "./_table.ts";
import { UsageError } from "./_usage_error.ts";

/** The `cluster` command. */
export const CLUSTER_COMMAND: Command = {
  name: "cluster",
  usage: "",
  summary: "Show the cluster id, controller and brokers",
  flags: {},
  async run(args, ctx) {
    if (args.positionals.length > 0) {
      throw new UsageError(
        `Cannot run "cluster": unexpected argument ${JSON.stringify(args.positionals[0])}`,
      );
    }
    const info = await ctx.http().json("/v1/cluster", ClusterInfoSchema);
    if (ctx.json) return await ctx.jsonLine(info);
    await ctx.io.out(
      `Cluster: ${info.clusterId}  Controller: ${info.controller}\n\n` +
        formatTable(["ID", "HOST", "PORT"], info.brokers.map((b) => [b.id, b.host, b.port])),
    );
  },
};
