/**
 * End-to-end HTTPS: a throwaway CA and server certificate made at test time
 * with `openssl` (Debian package `openssl`; the test fails when it is missing),
 * a broker started with `tlsCert`/`tlsKey`, and the SDK over `https://`
 * through a `fetch` that trusts that certificate.
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { connect, WeirError } from "weir";
import { startBroker } from "weir/broker";
import { hashApiKey } from "../../broker/auth/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

async function openssl(args: string[]): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("openssl", { args, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    throw new Error(
      "Cannot make a test certificate: `openssl` is not installed (apt-get install openssl)",
      { cause: e },
    );
  }
  if (!out.success) {
    throw new Error(`Cannot make a test certificate: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** A throwaway CA and a server certificate for localhost/127.0.0.1 signed by it. */
async function testCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const ca = `${dir}/ca.pem`;
  const cert = `${dir}/cert.pem`;
  const key = `${dir}/key.pem`;
  await openssl([
    "req",
    "-x509",
    ...ec,
    "-days",
    "1",
    "-subj",
    "/CN=weir-test-ca",
    "-keyout",
    `${dir}/ca.key`,
    "-out",
    ca,
  ]);
  await openssl([
    "req",
    ...ec,
    "-subj",
    "/CN=localhost",
    "-keyout",
    key,
    "-out",
    `${dir}/server.csr`,
  ]);
  await Deno.writeTextFile(
    `${dir}/server.ext`,
    "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    `${dir}/server.csr`,
    "-CA",
    ca,
    "-CAkey",
    `${dir}/ca.key`,
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    `${dir}/server.ext`,
    "-out",
    cert,
  ]);
  return { ca, cert, key };
}

Deno.test("the broker serves HTTPS with `tlsCert`/`tlsKey` and the SDK round-trips records over it", async () => {
  await using dir = await tempDir();
  const { ca, cert, key } = await testCertificates(dir.path);
  const authFile = `${dir.path}/auth.json`;
  const apiKey = "weir_tls_test_key_0123456789";
  await Deno.writeTextFile(
    authFile,
    JSON.stringify({
      principals: [{
        name: "app",
        keySha256: hashApiKey(apiKey),
        allow: [{ resource: "topic:*", operations: ["*"] }],
      }],
    }),
  );
  await using broker = await startBroker({
    dataDir: `${dir.path}/data`,
    port: 0,
    actorHost: "inline",
    tlsCert: cert,
    tlsKey: key,
    authFile,
  });
  assert(broker.url.startsWith("https://"), broker.url);
  using client = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(ca)] });
  const tlsFetch = (input: string | URL | Request, init?: RequestInit) =>
    fetch(input, { ...init, client });
  {
    await using weir = await connect({ url: broker.url, apiKey, fetch: tlsFetch });
    await weir.admin.createTopic({ name: "secure", partitions: 1 });
    {
      await using producer = weir.producer({ acks: "all", lingerMs: 1 });
      await producer.sendBatch("secure", [{ value: { n: 1 } }, { value: { n: 2 } }]);
    }
    await using consumer = weir.consumer({ topics: ["secure"] });
    consumer.assign([{ topic: "secure", partition: 0, offset: 0 }]);
    const values: unknown[] = [];
    for await (const record of consumer) {
      values.push(record.value);
      if (values.length === 2) break;
    }
    assertEquals(values, [{ n: 1 }, { n: 2 }]);
  }
  // Without the CA the certificate is not trusted; plain HTTP is not answered as HTTP.
  await using untrusted = await connect({
    url: broker.url,
    check: false,
    retry: { retries: 0 },
  });
  const err = await assertRejects(() => untrusted.admin.listTopics(), WeirError);
  assertEquals(err.code, "NETWORK_EXCEPTION");
  await using plain = await connect({
    url: broker.url.replace("https://", "http://"),
    check: false,
    retry: { retries: 0 },
  });
  const plainErr = await assertRejects(() => plain.admin.listTopics(), WeirError);
  assertEquals(plainErr.code, "NETWORK_EXCEPTION");
});
