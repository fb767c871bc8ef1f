import { assert, assertEquals, assertMatch, assertThrows } from "@std/assert";
import { getLogger, reset } from "@logtape/logtape";
import { WeirError } from "../client/protocol/mod.ts";
import { optionsFromArgs, resolveConfig } from "./config.ts";
import { configureLogging, resolveLogFormat } from "./logging.ts";

Deno.test("`resolveLogFormat()` picks text on a terminal and JSON otherwise for auto", () => {
  assertEquals(resolveLogFormat("auto", true), "text");
  assertEquals(resolveLogFormat("auto", false), "json");
  assertEquals(resolveLogFormat("json", true), "json");
  assertEquals(resolveLogFormat("text", false), "text");
});

Deno.test("`configureLogging()` writes JSON lines with category, level and properties", async () => {
  const lines: string[] = [];
  try {
    await configureLogging({ level: "info", format: "json", write: (l) => lines.push(l) });
    const log = getLogger(["weir", "runtime"]);
    log.debug("Dropped {n}", { n: 1 });
    log.warn("Actor {kind}/{id} restarted", { kind: "partition", id: "orders-0" });
    getLogger(["other"]).error("Not ours");
  } finally {
    await reset();
  }
  assertEquals(lines.length, 1, lines.join(""));
  assert(lines[0]!.endsWith("\n"));
  const record = JSON.parse(lines[0]!);
  assertEquals(record.level, "WARN");
  assertEquals(record.logger, "weir.runtime");
  assertEquals(record.message, 'Actor "partition"/"orders-0" restarted');
  assertEquals(record.properties, { kind: "partition", id: "orders-0" });
});

Deno.test("`configureLogging()` writes one plain text line per record when not a terminal", async () => {
  const lines: string[] = [];
  try {
    await configureLogging({
      level: "debug",
      format: "text",
      isTerminal: false,
      write: (l) => lines.push(l),
    });
    getLogger(["weir", "broker"]).debug("Started {topics} topics", { topics: 2 });
  } finally {
    await reset();
  }
  assertEquals(lines.length, 1);
  assertMatch(lines[0]!, /DBG.*weir·broker.*Started 2 topics\n$/);
  assert(!lines[0]!.includes("\x1b["), "no colour codes");
});

Deno.test("`--log-format` and WEIR_LOG_FORMAT reach the config; a bad value is rejected", () => {
  const fromFlag = optionsFromArgs(["--log-format", "json"], { WEIR_LOG_FORMAT: "text" });
  assert(fromFlag !== "help");
  assertEquals(resolveConfig(fromFlag).logFormat, "json");
  const fromEnv = optionsFromArgs([], { WEIR_LOG_FORMAT: "text" });
  assert(fromEnv !== "help");
  assertEquals(resolveConfig(fromEnv).logFormat, "text");
  assertEquals(resolveConfig({}).logFormat, "auto");
  assertThrows(() => resolveConfig({ logFormat: "xml" as "json" }), WeirError, "logFormat");
});
