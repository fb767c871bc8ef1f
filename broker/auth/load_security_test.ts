import {
  assert,
  assertEquals,
  assertRejects,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { optionsFromArgs, resolveConfig, USAGE } from "../config.ts";
import { WeirError } from "../../client/protocol/mod.ts";
import { loadSecurity } from "./load_security.ts";
import { hashApiKey } from "./key_hash.ts";
import { tempDir } from "../../tests/_helpers/temp_dir.ts";

Deno.test("`loadSecurity()` loads the auth file and quota rates", async () => {
  await using dir = await tempDir();
  const authFile = `${dir.path}/auth.json`;
  await Deno.writeTextFile(
    authFile,
    JSON.stringify({ principals: [{ name: "a", keySha256: hashApiKey("k") }] }),
  );
  const loaded = await loadSecurity({ host: "0.0.0.0", authFile, quotaRequests: 5 });
  assertEquals(loaded.auth?.authenticate("k")?.name, "a");
  assertEquals(loaded.warning, null);
  assertEquals(loaded.quotas, { requestsPerSec: 5 });
  assertEquals(loaded.tls, undefined);
});

Deno.test("`loadSecurity()` refuses half a TLS pair, a non-PEM file and a missing file", async () => {
  await using dir = await tempDir();
  const pem = `${dir.path}/cert.pem`;
  await Deno.writeTextFile(pem, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  const junk = `${dir.path}/junk.pem`;
  await Deno.writeTextFile(junk, "not a pem");
  const cases: [Parameters<typeof loadSecurity>[0], string][] = [
    [{ host: "127.0.0.1", tlsCert: pem }, '"tlsKey"'],
    [{ host: "127.0.0.1", tlsKey: pem }, '"tlsCert"'],
    [{ host: "127.0.0.1", tlsCert: pem, tlsKey: junk }, "not a PEM"],
    [{ host: "127.0.0.1", tlsCert: `${dir.path}/nope.pem`, tlsKey: pem }, "cannot be read"],
    [{ host: "127.0.0.1", authFile: `${dir.path}/nope.json` }, "nope.json"],
  ];
  for (const [settings, text] of cases) {
    const e = await assertRejects(() => loadSecurity(settings), WeirError);
    assertEquals(e.code, "INVALID_CONFIG");
    assertStringIncludes(e.message, text);
  }
});

Deno.test("`loadSecurity()` returns the warning for a public host without auth", async () => {
  const loaded = await loadSecurity({ host: "0.0.0.0" });
  assert(loaded.warning !== null && loaded.warning.includes("WARNING"));
});

Deno.test("`optionsFromArgs()` reads the security flags and `WEIR_*` env into the config", () => {
  const options = optionsFromArgs([
    "--auth-file",
    "/etc/weir/auth.json",
    "--tls-cert",
    "c.pem",
    "--tls-key",
    "k.pem",
    "--quota-produce-bytes",
    "1048576",
    "--quota-fetch-bytes",
    "2097152",
    "--quota-requests",
    "50",
    "--nats-user",
    "weir",
    "--nats-ca",
    "ca.pem",
  ], { WEIR_NATS_PASS: "from-env", WEIR_NATS_TOKEN: "tok" });
  assert(options !== "help");
  const config = resolveConfig(options);
  assertEquals(
    [
      config.authFile,
      config.tlsCert,
      config.tlsKey,
      config.natsUser,
      config.natsPass,
      config.natsToken,
      config.natsCa,
    ],
    ["/etc/weir/auth.json", "c.pem", "k.pem", "weir", "from-env", "tok", "ca.pem"],
  );
  assertEquals(
    [config.quotaProduceBytes, config.quotaFetchBytes, config.quotaRequests],
    [1048576, 2097152, 50],
  );
  assertStringIncludes(USAGE, "--auth-file");
  assertStringIncludes(USAGE, "--nats-token");
});

Deno.test("`resolveConfig()` refuses a quota that is not positive, naming it", () => {
  for (const quotaRequests of [0, -1, "x"]) {
    const e = assertThrows(() => resolveConfig({ quotaRequests } as never), WeirError);
    assertEquals(e.code, "INVALID_CONFIG");
    assertStringIncludes(e.message, '"quotaRequests"');
  }
});
