/**
 * A group consumer in its own process, for the kill -9 test: reads group
 * `Deno.args[1]` on topic `Deno.args[2]` from the broker at `Deno.args[0]`
 * with autoCommit, and writes `partition:offset` per record to stdout (before
 * the loop asks for the next record, so a committed record was printed).
 * A handler that takes 5 ms per record keeps it mid-stream when killed.
 *
 * @module
 */
import { connect } from "weir";

const [url, groupId, topic] = Deno.args as [string, string, string];
const out = new TextEncoder();
await using weir = await connect({ url });
await using consumer = weir.consumer({
  groupId,
  topics: [topic],
  autoOffsetReset: "earliest",
  autoCommitIntervalMs: 50,
  sessionTimeoutMs: 1_000,
});
Deno.stdout.writeSync(out.encode("ready\n"));
for await (const record of consumer) {
  Deno.stdout.writeSync(out.encode(`${record.partition}:${record.offset}\n`));
  await new Promise((resolve) => setTimeout(resolve, 5));
}
