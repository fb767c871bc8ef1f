/**
 * TLS on the Kafka port: with `tlsCert`/`tlsKey` the Kafka listener speaks
 * TLS with the edge's certificate. A throwaway CA and server certificate are
 * made with `openssl` at test time; the real `kcat` (librdkafka) reads
 * metadata, produces and consumes with `security.protocol=ssl` (and
 * `SASL_SSL` with an auth file). A plaintext client, a client that does not
 * trust the CA, and a client that never starts the handshake each lose only
 * their own connection: the listener keeps serving.
 */
import { assert, assertEquals, assertNotEquals, assertThrows } from "@std/assert";
import { type Broker, startBroker } from "weir/broker";
import { hashApiKey } from "../../broker/auth/mod.ts";
import { createKafkaApiRegistry, KafkaListener } from "../../broker/kafka/mod.ts";
import { MemoryBackend } from "../_helpers/memory_backend.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { waitFor } from "../_helpers/wait_for.ts";
import { kcat, type KcatResult } from "./_kcat.ts";
import { KafkaTestClient } from "./_kafka_client.ts";
import { apiVersionsBody, readApiVersions } from "./_requests.ts";
import { makeTestCertificates, type TestCertificates } from "./_tls_certs.ts";

const APP_KEY = "weir_kafka_tls_app_0123456789abcdef";

interface TlsBroker {
  broker: Broker;
  certs: TestCertificates;
  bootstrap: string;
}

async function withTlsBroker(
  options: { auth?: boolean },
  fn: (ctx: TlsBroker) => Promise<void>,
): Promise<void> {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  let authFile: string | undefined;
  if (options.auth === true) {
    authFile = `${dir.path}/auth.json`;
    await Deno.writeTextFile(
      authFile,
      JSON.stringify({
        principals: [{
          name: "app",
          keySha256: hashApiKey(APP_KEY),
          allow: [{ resource: "topic:secure*", operations: ["produce", "consume"] }],
        }],
      }),
    );
  }
  await using broker = await startBroker({
    dataDir: `${dir.path}/data`,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
    tlsCert: certs.cert,
    tlsKey: certs.key,
    ...(authFile === undefined ? {} : { authFile }),
  });
  const a = broker.kafkaAddress!;
  await fn({ broker, certs, bootstrap: `${a.host}:${a.port}` });
}

function ssl(ca: string): string[] {
  return ["-X", "security.protocol=ssl", "-X", `ssl.ca.location=${ca}`];
}

function saslSsl(ca: string, user: string, password: string): string[] {
  return [
    "-X",
    "security.protocol=SASL_SSL",
    "-X",
    `ssl.ca.location=${ca}`,
    "-X",
    "sasl.mechanisms=PLAIN",
    "-X",
    `sasl.username=${user}`,
    "-X",
    `sasl.password=${password}`,
  ];
}

function ok(run: KcatResult, what: string): KcatResult {
  assertEquals(run.code, 0, `${what} failed: ${run.stderr}`);
  return run;
}

function payloads(stdout: string): { key: string | null; payload: string | null }[] {
  return stdout.split("\n").filter((l) => l.trim() !== "").map((l) => {
    const r = JSON.parse(l);
    return { key: r.key, payload: r.payload };
  });
}

/** kcat -L over TLS, as the check that the listener still serves. */
async function metadataOverTls(ctx: TlsBroker): Promise<{ brokers: unknown; topics: unknown[] }> {
  const run = ok(await kcat(ctx.bootstrap, ["-L", "-J", ...ssl(ctx.certs.ca)]), "kcat -L (ssl)");
  return JSON.parse(run.stdout);
}

Deno.test("kcat with `security.protocol=ssl` reads metadata, produces and consumes over the TLS Kafka port", async () => {
  await withTlsBroker({}, async (ctx) => {
    await ctx.broker.node.createTopic({ name: "secure", partitions: 2 });
    const meta = await metadataOverTls(ctx) as {
      brokers: unknown;
      topics: { topic: string; partitions: unknown[] }[];
    };
    assertEquals(meta.brokers, [{ id: 1, name: ctx.bootstrap }]);
    const topic = meta.topics.find((t) => t.topic === "secure");
    assertEquals(topic?.partitions.length, 2);

    ok(
      await kcat(ctx.bootstrap, ["-P", "-t", "secure", "-p", "1", "-K:", ...ssl(ctx.certs.ca)], {
        stdin: "k1:over-tls-1\nk2:over-tls-2\nk3:over-tls-3\n",
      }),
      "kcat -P (ssl)",
    );
    const consumed = ok(
      await kcat(ctx.bootstrap, [
        "-C",
        "-t",
        "secure",
        "-p",
        "1",
        "-e",
        "-J",
        "-o",
        "beginning",
        ...ssl(ctx.certs.ca),
      ]),
      "kcat -C (ssl)",
    );
    assertEquals(payloads(consumed.stdout), [
      { key: "k1", payload: "over-tls-1" },
      { key: "k2", payload: "over-tls-2" },
      { key: "k3", payload: "over-tls-3" },
    ]);
    // The records really are in the log (read back through the node, not the wire).
    const offsets = await ctx.broker.node.listOffsets("secure", 1);
    assertEquals(offsets.latest, 3);
  });
});

Deno.test("a plaintext client on the TLS Kafka port fails cleanly and the listener keeps serving", async () => {
  await withTlsBroker({}, async (ctx) => {
    const address = ctx.broker.kafkaAddress!;
    // A raw Kafka request in clear text is not a TLS ClientHello: the broker closes that
    // connection and never answers it as Kafka.
    {
      await using raw = await KafkaTestClient.connect(address);
      const { bytes } = raw.frame(18, 0, apiVersionsBody(0));
      await raw.send(bytes);
      assert(await raw.closedByPeer(), "the broker should close a plaintext connection");
    }
    // kcat in plaintext gives up with an error instead of hanging or getting answers.
    const plain = await kcat(ctx.bootstrap, ["-L", "-J", "-m", "3"]);
    assertNotEquals(plain.code, 0, `plaintext kcat should fail: ${plain.stdout}`);
    // A TLS client that does not trust the CA is refused by its own verification.
    const untrusted = await kcat(ctx.bootstrap, [
      "-L",
      "-J",
      "-m",
      "3",
      "-X",
      "security.protocol=ssl",
    ]);
    assertNotEquals(untrusted.code, 0, `kcat without the CA should fail: ${untrusted.stdout}`);
    // The listener is unaffected: TLS clients still get served.
    const meta = await metadataOverTls(ctx);
    assertEquals(meta.brokers, [{ id: 1, name: ctx.bootstrap }]);
    await using tls = await KafkaTestClient.connectTls(address, {
      caCerts: [await Deno.readTextFile(ctx.certs.ca)],
    });
    const r = await tls.request(18, 3, apiVersionsBody(3), { flexible: true });
    assertEquals(readApiVersions(r, 3).errorCode, 0);
  });
});

Deno.test("kcat with `security.protocol=SASL_SSL` authenticates over TLS; a wrong key is refused", async () => {
  await withTlsBroker({ auth: true }, async (ctx) => {
    await ctx.broker.node.createTopic({ name: "secure-orders", partitions: 1 });
    const creds = saslSsl(ctx.certs.ca, "app", APP_KEY);
    ok(
      await kcat(ctx.bootstrap, ["-P", "-t", "secure-orders", "-K:", ...creds], {
        stdin: "a:one\nb:two\n",
      }),
      "kcat -P (SASL_SSL)",
    );
    const consumed = ok(
      await kcat(ctx.bootstrap, [
        "-C",
        "-t",
        "secure-orders",
        "-e",
        "-J",
        "-o",
        "beginning",
        ...creds,
      ]),
      "kcat -C (SASL_SSL)",
    );
    assertEquals(payloads(consumed.stdout), [
      { key: "a", payload: "one" },
      { key: "b", payload: "two" },
    ]);
    const wrong = await kcat(ctx.bootstrap, [
      "-L",
      "-J",
      "-m",
      "3",
      ...saslSsl(ctx.certs.ca, "app", "weir_not_the_key_0123456789abcdef"),
    ]);
    assertNotEquals(wrong.code, 0, `a wrong key should fail: ${wrong.stdout}`);
    // TLS without SASL on a SASL_SSL port: the handshake succeeds, Metadata before
    // authentication closes the connection.
    const noSasl = await kcat(ctx.bootstrap, ["-L", "-J", "-m", "3", ...ssl(ctx.certs.ca)]);
    assertNotEquals(noSasl.code, 0, `TLS without SASL should fail: ${noSasl.stdout}`);
  });
});

Deno.test("`KafkaListener.listen()` with `tls` drops a connection that never starts the handshake after `idleTimeoutMs`", async () => {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  await using backend = new MemoryBackend();
  await using listener = KafkaListener.listen({
    backend,
    apis: createKafkaApiRegistry().apis,
    tls: {
      cert: await Deno.readTextFile(certs.cert),
      key: await Deno.readTextFile(certs.key),
    },
    idleTimeoutMs: 200,
  });
  assert(listener.tls);
  // Connects over TCP and sends nothing: the handshake never starts, the idle timer drops the
  // connection. (Deno finishes a TLS handshake before it shuts a socket down, so the peer itself
  // sees the close only when it sends or closes; the listener no longer holds the connection.)
  {
    await using silent = await KafkaTestClient.connect(listener.address);
    await waitFor("the silent connection to be accepted", () => listener.connectionCount === 1);
    await waitFor("the silent connection to be dropped", () => listener.connectionCount === 0);
    assert(silent.conn.remoteAddr.transport === "tcp");
  }
  // A proper TLS client is served on the same listener.
  await using tls = await KafkaTestClient.connectTls(listener.address, {
    caCerts: [await Deno.readTextFile(certs.ca)],
  });
  const r = await tls.request(18, 0, apiVersionsBody(0));
  assertEquals(readApiVersions(r, 0).errorCode, 0);
});

Deno.test("`KafkaListener.listen()` rejects a `tls` key that is not a key", async () => {
  await using dir = await tempDir();
  const certs = await makeTestCertificates(dir.path);
  await using backend = new MemoryBackend();
  const cert = await Deno.readTextFile(certs.cert);
  let listener: KafkaListener | null = null;
  try {
    assertThrows(() => {
      listener = KafkaListener.listen({
        backend,
        apis: createKafkaApiRegistry().apis,
        tls: { cert, key: cert },
      });
    });
  } finally {
    await (listener as KafkaListener | null)?.close();
  }
});
