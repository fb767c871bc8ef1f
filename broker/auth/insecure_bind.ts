/**
 * The warning for a broker that listens beyond loopback with no auth.
 *
 * @module
 */

/**
 * Whether a host name or address only reaches this machine
 * (`localhost`, `127.0.0.0/8`, `::1`).
 *
 * @param host The `--host` value.
 * @returns True for a loopback host.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  if (/^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The warning to print when the broker listens on a non-loopback host
 * without `--auth-file`, or `null` when there is nothing to warn about.
 *
 * @param config The host and whether an auth file is set.
 * @returns The warning line, or `null`.
 *
 * @example Warn on 0.0.0.0 without auth
 * ```ts
 * import { insecureBindWarning } from "./insecure_bind.ts";
 * import { assertEquals, assertStringIncludes } from "@std/assert";
 *
 * assertStringIncludes(insecureBindWarning({ host: "0.0.0.0" })!, "WARNING");
 * assertEquals(insecureBindWarning({ host: "127.0.0.1" }), null);
 * assertEquals(insecureBindWarning({ host: "0.0.0.0", authFile: "auth.json" }), null);
 * ```
 */
export function insecureBindWarning(
  config: { host: string; authFile?: string | undefined },
): string | null {
  if (config.authFile !== undefined && config.authFile !== "") return null;
  if (isLoopbackHost(config.host)) return null;
  return `WARNING: Weir is listening on ${
    JSON.stringify(config.host)
  } without authentication: anyone who can reach this address can read, write and delete every topic. ` +
    "Start it with --auth-file <path> (see docs/security.md) or bind --host 127.0.0.1";
}
