/**
 * Throwaway TLS material for Kafka-over-TLS tests, made at test time with the
 * real `openssl` (Debian package `openssl`; `.ci/run` installs it, and a
 * missing binary fails the test loudly): a CA, and a server certificate for
 * `localhost` / `127.0.0.1` signed by that CA (rustls refuses a self-signed CA
 * certificate as the server's own).
 *
 * @module
 */

/** Paths of the PEM files {@linkcode makeTestCertificates} wrote. */
export interface TestCertificates {
  /** The CA certificate (what clients trust: `ssl.ca.location`). */
  ca: string;
  /** The server certificate (`--tls-cert`). */
  cert: string;
  /** The server's private key (`--tls-key`). */
  key: string;
}

async function runOpenssl(args: readonly string[]): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("openssl", {
      args: [...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (cause) {
    throw new Error(
      "Cannot make a test certificate: `openssl` is not installed (apt-get install -y openssl)",
      { cause },
    );
  }
  if (!out.success) {
    throw new Error(
      `Cannot make a test certificate: openssl ${args[0]} failed: ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
}

/**
 * Writes a P-256 CA and a server certificate signed by it into `dir`, valid for one day.
 *
 * @param dir An existing directory (a test's temp dir).
 * @returns The paths of the CA certificate, the server certificate and its key.
 * @throws {Error} when `openssl` is missing or fails.
 */
export async function makeTestCertificates(dir: string): Promise<TestCertificates> {
  const p256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const files = {
    ca: `${dir}/kafka-ca.pem`,
    caKey: `${dir}/kafka-ca.key`,
    csr: `${dir}/kafka-server.csr`,
    ext: `${dir}/kafka-server.ext`,
    cert: `${dir}/kafka-server.pem`,
    key: `${dir}/kafka-server.key`,
  };
  // deno-fmt-ignore
  await runOpenssl([
    "req", "-x509", ...p256, "-days", "1", "-subj", "/CN=weir-kafka-test-ca",
    "-keyout", files.caKey, "-out", files.ca,
  ]);
  // deno-fmt-ignore
  await runOpenssl([
    "req", ...p256, "-subj", "/CN=localhost", "-keyout", files.key, "-out", files.csr,
  ]);
  await Deno.writeTextFile(
    files.ext,
    [
      "basicConstraints=CA:FALSE",
      "keyUsage=digitalSignature",
      "extendedKeyUsage=serverAuth",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "",
    ].join("\n"),
  );
  // deno-fmt-ignore
  await runOpenssl([
    "x509", "-req", "-in", files.csr, "-CA", files.ca, "-CAkey", files.caKey,
    "-CAcreateserial", "-days", "1", "-extfile", files.ext, "-out", files.cert,
  ]);
  return { ca: files.ca, cert: files.cert, key: files.key };
}
