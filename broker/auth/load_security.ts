/**
 * {@linkcode loadSecurity}: reads what `--auth-file`, `--tls-cert`,
 * `--tls-key` and the quota flags point at, once, before the broker starts,
 * so a bad file stops the start with `INVALID_CONFIG` naming it.
 *
 * @module
 */
import { WeirError } from "../../client/protocol/mod.ts";
import { readAuthFile } from "./auth_file.ts";
import { AuthStore } from "./auth_store.ts";
import { insecureBindWarning } from "./insecure_bind.ts";

/** The settings {@linkcode loadSecurity} reads (a subset of the broker config). */
export interface SecuritySettings {
  /** Interface the edge binds. */
  host: string;
  /** Auth file path. */
  authFile?: string | undefined;
  /** PEM certificate chain path. */
  tlsCert?: string | undefined;
  /** PEM private key path. */
  tlsKey?: string | undefined;
  /** Produce bytes/s per client. */
  quotaProduceBytes?: number | undefined;
  /** Fetch bytes/s per client. */
  quotaFetchBytes?: number | undefined;
  /** Requests/s per client. */
  quotaRequests?: number | undefined;
}

/** What the edge needs, loaded. */
export interface EdgeSecuritySettings {
  /** Principals and grants, when `authFile` is set. */
  auth?: AuthStore;
  /** PEM texts for `Deno.serve`, when TLS is on. */
  tls?: { cert: string; key: string };
  /** Quota rates (only those set). */
  quotas: {
    produceBytesPerSec?: number;
    fetchBytesPerSec?: number;
    requestsPerSec?: number;
  };
  /** The insecure-bind warning, or `null`. */
  warning: string | null;
}

async function readPem(path: string, setting: string): Promise<string> {
  try {
    const text = await Deno.readTextFile(path);
    if (!text.includes("-----BEGIN ")) {
      throw new WeirError(
        "INVALID_CONFIG",
        `Cannot start the broker: setting "${setting}" (${JSON.stringify(path)}) is not a PEM file`,
      );
    }
    return text;
  } catch (cause) {
    if (cause instanceof WeirError) throw cause;
    throw new WeirError(
      "INVALID_CONFIG",
      `Cannot start the broker: setting "${setting}" (${JSON.stringify(path)}) cannot be read: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
  }
}

/**
 * Loads the auth file and TLS files the settings name.
 *
 * @param settings The security part of the broker config.
 * @returns The auth store, TLS PEMs, quota rates and the warning.
 * @throws {WeirError} `INVALID_CONFIG` naming the bad setting or auth-file field.
 *
 * @example No auth, loopback: nothing to load, no warning
 * ```ts
 * import { loadSecurity } from "./load_security.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const loaded = await loadSecurity({ host: "127.0.0.1" });
 * assertEquals(loaded.auth, undefined);
 * assertEquals(loaded.warning, null);
 * ```
 */
export async function loadSecurity(settings: SecuritySettings): Promise<EdgeSecuritySettings> {
  const out: EdgeSecuritySettings = { quotas: {}, warning: insecureBindWarning(settings) };
  if (settings.authFile !== undefined) {
    out.auth = new AuthStore(await readAuthFile(settings.authFile));
  }
  if ((settings.tlsCert === undefined) !== (settings.tlsKey === undefined)) {
    const missing = settings.tlsCert === undefined ? "tlsCert" : "tlsKey";
    throw new WeirError(
      "INVALID_CONFIG",
      `Cannot start the broker: setting "${missing}" is missing (TLS needs both --tls-cert and --tls-key)`,
    );
  }
  if (settings.tlsCert !== undefined && settings.tlsKey !== undefined) {
    out.tls = {
      cert: await readPem(settings.tlsCert, "tlsCert"),
      key: await readPem(settings.tlsKey, "tlsKey"),
    };
  }
  if (settings.quotaProduceBytes !== undefined) {
    out.quotas.produceBytesPerSec = settings.quotaProduceBytes;
  }
  if (settings.quotaFetchBytes !== undefined) {
    out.quotas.fetchBytesPerSec = settings.quotaFetchBytes;
  }
  if (settings.quotaRequests !== undefined) out.quotas.requestsPerSec = settings.quotaRequests;
  return out;
}
