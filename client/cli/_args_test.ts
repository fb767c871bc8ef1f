import { assertEquals, assertThrows } from "@std/assert";
import { type FlagSpecs, formatFlags, parseArgs, parseIntArg } from "./_args.ts";
import { UsageError } from "./_usage_error.ts";

const SPECS: FlagSpecs = {
  count: { type: "string", valueName: "n", description: "How many" },
  config: { type: "string", multiple: true, description: "A config" },
  follow: { type: "boolean", short: "f", description: "Follow" },
};

Deno.test("`parseArgs()` reads --name value, --name=value, short booleans and positionals", () => {
  const args = parseArgs(
    ["t", "--count", "3", "-f", "--config=a=1", "--config", "b=2", "u"],
    SPECS,
  );
  assertEquals(args.positionals, ["t", "u"]);
  assertEquals(args.string("count"), "3");
  assertEquals(args.int("count", { min: 1 }), 3);
  assertEquals(args.bool("follow"), true);
  assertEquals(args.strings("config"), ["a=1", "b=2"]);
  assertEquals(args.string("missing"), undefined);
});

Deno.test("`parseArgs()` treats everything after -- as positional, and - alone too", () => {
  const args = parseArgs(["--", "--count", "-f"], SPECS);
  assertEquals(args.positionals, ["--count", "-f"]);
  assertEquals(parseArgs(["-"], SPECS).positionals, ["-"]);
});

Deno.test("`parseArgs()` takes a value that starts with a dash", () => {
  assertEquals(parseArgs(["--count", "-1"], SPECS).string("count"), "-1");
});

Deno.test("`parseArgs()` rejects unknown options, missing values and misuse with UsageError", () => {
  assertThrows(() => parseArgs(["--bogus"], SPECS), UsageError, 'unknown option "--bogus"');
  assertThrows(() => parseArgs(["-x"], SPECS), UsageError, "unknown option");
  assertThrows(() => parseArgs(["--count"], SPECS), UsageError, "--count needs a value (<n>)");
  assertThrows(() => parseArgs(["--follow=yes"], SPECS), UsageError, "takes no value");
  assertThrows(
    () => parseArgs(["--count", "1", "--count", "2"], SPECS),
    UsageError,
    "more than once",
  );
});

Deno.test("`parseIntArg()` accepts integers in range and rejects the rest", () => {
  assertEquals(parseIntArg("--n", "0", { min: 0 }), 0);
  assertEquals(parseIntArg("--n", "-2", { min: -5, max: 5 }), -2);
  for (const bad of ["", "1.5", "1e3", "x", "0x10", "9007199254740993", "-1"]) {
    assertThrows(() => parseIntArg("--n", bad, { min: 0 }), UsageError, "expected an integer");
  }
  assertThrows(() => parseIntArg("--n", "6", { min: 0, max: 5 }), UsageError, "0..5");
});

Deno.test("`formatFlags()` aligns option help and marks repeatable options", () => {
  assertEquals(
    formatFlags(SPECS),
    "      --count <n>       How many\n" +
      "      --config <value>  A config (repeatable)\n" +
      "  -f, --follow          Follow\n",
  );
});
