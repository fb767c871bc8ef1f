import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { insecureBindWarning, isLoopbackHost } from "./insecure_bind.ts";

Deno.test("`isLoopbackHost()` knows loopback names and addresses", () => {
  for (
    const h of [
      "127.0.0.1",
      "127.1.2.3",
      "localhost",
      "LOCALHOST",
      "::1",
      "[::1]",
      "::ffff:127.0.0.1",
    ]
  ) {
    assert(isLoopbackHost(h), h);
  }
  for (
    const h of [
      "0.0.0.0",
      "::",
      "10.0.0.1",
      "192.168.1.2",
      "example.com",
      "128.0.0.1",
      "localhost.example.com",
    ]
  ) {
    assert(!isLoopbackHost(h), h);
  }
});

Deno.test("`insecureBindWarning()` warns only for a non-loopback host without an auth file", () => {
  const warning = insecureBindWarning({ host: "0.0.0.0" });
  assertStringIncludes(warning!, "WARNING");
  assertStringIncludes(warning!, "--auth-file");
  assertStringIncludes(insecureBindWarning({ host: "::" })!, "without authentication");
  assertEquals(insecureBindWarning({ host: "0.0.0.0", authFile: "/etc/weir/auth.json" }), null);
  assertEquals(insecureBindWarning({ host: "127.0.0.1" }), null);
  assertEquals(insecureBindWarning({ host: "localhost", authFile: undefined }), null);
});
