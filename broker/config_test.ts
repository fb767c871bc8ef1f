import { assertEquals, assertThrows } from "@std/assert";
import { WeirError } from "../client/protocol/mod.ts";
import { optionsFromArgs, resolveConfig } from "./config.ts";

Deno.test("resolveConfig() fills the documented defaults", () => {
  const config = resolveConfig({});
  assertEquals(config.dataDir, "./data");
  assertEquals(config.host, "127.0.0.1");
  assertEquals(config.port, 9021);
  assertEquals(config.maxRequestBytes, 8 * 1024 * 1024);
  assertEquals(config.autoCreateTopics, false);
});

Deno.test("optionsFromArgs() reads flags over WEIR_* env vars", () => {
  const options = optionsFromArgs(["--port", "0", "--data-dir", "/tmp/x", "--auto-create-topics"], {
    WEIR_PORT: "7000",
    WEIR_NODE_ID: "3",
  });
  assertEquals(options !== "help" && resolveConfig(options).port, 0);
  const config = resolveConfig(options as Exclude<typeof options, "help">);
  assertEquals([config.dataDir, config.nodeId, config.autoCreateTopics], ["/tmp/x", 3, true]);
  assertEquals(optionsFromArgs(["--help"]), "help");
});

Deno.test("optionsFromArgs() and resolveConfig() refuse bad settings with INVALID_CONFIG", () => {
  assertEquals(assertThrows(() => optionsFromArgs(["--bogus"]), WeirError).code, "INVALID_CONFIG");
  assertEquals(
    assertThrows(() => resolveConfig({ port: 70000 }), WeirError).code,
    "INVALID_CONFIG",
  );
  assertEquals(
    assertThrows(() => resolveConfig({ port: "abc" }), WeirError).code,
    "INVALID_CONFIG",
  );
});
