/**
 * SASL/PLAIN on the Kafka listener when `--auth-file` is on: kcat with the
 * principal's name and API key, refusals for a wrong key and for missing
 * rights, no request served before authentication, and the v0 handshake's
 * bare-token framing.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { type Broker, startBroker } from "weir/broker";
import { hashApiKey } from "../../broker/auth/mod.ts";
import { KafkaWriter } from "../../broker/kafka/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { kcat, type KcatResult } from "./_kcat.ts";
import { KafkaTestClient } from "./_kafka_client.ts";
import { apiVersionsBody, readApiVersions } from "./_requests.ts";

const KEYS = {
  admin: "weir_kafka_admin_0123456789abcdef",
  app: "weir_kafka_app___0123456789abcdef",
  reader: "weir_kafka_reader0123456789abcdef",
};

async function withAuthBroker(fn: (broker: Broker) => Promise<void>): Promise<void> {
  await using dir = await tempDir();
  const authFile = `${dir.path}/auth.json`;
  await Deno.writeTextFile(
    authFile,
    JSON.stringify({
      principals: [
        {
          name: "admin",
          keySha256: hashApiKey(KEYS.admin),
          allow: [{ resource: "cluster", operations: ["*"] }],
        },
        {
          name: "app",
          keySha256: hashApiKey(KEYS.app),
          allow: [{ resource: "topic:orders*", operations: ["produce", "consume"] }],
        },
        {
          name: "reader",
          keySha256: hashApiKey(KEYS.reader),
          allow: [{ resource: "topic:orders", operations: ["consume"] }],
        },
      ],
    }),
  );
  await using broker = await startBroker({
    dataDir: `${dir.path}/data`,
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
    authFile,
  });
  await fn(broker);
}

function sasl(user: string, password: string): string[] {
  return [
    "-X",
    "security.protocol=SASL_PLAINTEXT",
    "-X",
    "sasl.mechanisms=PLAIN",
    "-X",
    `sasl.username=${user}`,
    "-X",
    `sasl.password=${password}`,
  ];
}

function bootstrap(broker: Broker): string {
  return `${broker.kafkaAddress!.host}:${broker.kafkaAddress!.port}`;
}

function ok(run: KcatResult, what: string): KcatResult {
  assertEquals(run.code, 0, `${what} failed: ${run.stderr}`);
  return run;
}

Deno.test("kcat with SASL/PLAIN (name + API key) produces and consumes what it is allowed to", async () => {
  await withAuthBroker(async (broker) => {
    const b = bootstrap(broker);
    await broker.node.createTopic({ name: "orders", partitions: 1 });
    await broker.node.createTopic({ name: "secret", partitions: 1 });
    ok(
      await kcat(b, ["-P", "-t", "orders", "-K:", ...sasl("app", KEYS.app)], { stdin: "k:v\n" }),
      "produce as app",
    );
    const read = ok(
      await kcat(b, ["-C", "-t", "orders", "-e", "-J", ...sasl("reader", KEYS.reader)]),
      "consume as reader",
    );
    assertEquals(JSON.parse(read.stdout.trim()).payload, "v");
    // Metadata shows only the topics a principal may see.
    const meta = JSON.parse(ok(await kcat(b, ["-L", "-J", ...sasl("app", KEYS.app)]), "-L").stdout);
    assertEquals(meta.topics.map((t: { topic: string }) => t.topic), ["orders"]);
    const all = JSON.parse(
      ok(await kcat(b, ["-L", "-J", ...sasl("admin", KEYS.admin)]), "-L").stdout,
    );
    assertEquals(all.topics.map((t: { topic: string }) => t.topic).sort(), ["orders", "secret"]);
    // The reader may not produce: the partition answers TOPIC_AUTHORIZATION_FAILED.
    const denied = await kcat(b, ["-P", "-t", "orders", ...sasl("reader", KEYS.reader)], {
      stdin: "nope\n",
    });
    assert(denied.code !== 0, "produce without the right fails");
    assertStringIncludes(denied.stderr.toLowerCase(), "authoriz");
  });
});

Deno.test("kcat with a wrong API key or a wrong user name is refused", async () => {
  await withAuthBroker(async (broker) => {
    const b = bootstrap(broker);
    const tries = [["app", KEYS.reader], ["reader", KEYS.app], ["app", "x"]] as const;
    // kcat keeps retrying until its metadata timeout (-m), so the three run side by side.
    const runs = await Promise.all(
      tries.map(([user, key]) => kcat(b, ["-L", "-m", "3", ...sasl(user, key)])),
    );
    for (const [i, run] of runs.entries()) {
      assert(run.code !== 0, `${tries[i]![0]} with a wrong key is refused`);
      assertStringIncludes(run.stderr.toLowerCase(), "authentication");
    }
  });
});

Deno.test("no Kafka request but ApiVersions and SASL is served before authentication", async () => {
  await withAuthBroker(async (broker) => {
    await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
    const versions = readApiVersions(await client.request(18, 2, apiVersionsBody(2)), 2);
    assertEquals(versions.apis.get(17), [0, 1]);
    assertEquals(versions.apis.get(36), [0, 1]);
    await client.send(client.frame(3, 1, new KafkaWriter().int32(-1).finish()).bytes);
    assert(await client.closedByPeer(), "Metadata before SASL closes the connection");
  });
});

Deno.test("SaslHandshake v0 takes a bare PLAIN token and answers with an empty frame", async () => {
  await withAuthBroker(async (broker) => {
    const token = (user: string, key: string) =>
      new TextEncoder().encode(`\u0000${user}\u0000${key}`);
    {
      await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
      const hs = await client.request(17, 0, new KafkaWriter().string("PLAIN").finish());
      assertEquals(hs.int16(), 0);
      assertEquals(hs.array(false, (r) => r.string()), ["PLAIN"]);
      const t = token("app", KEYS.app);
      await client.send(new KafkaWriter().int32(t.byteLength).raw(t).finish());
      // The empty answer frame: size 0, read as 4 zero bytes.
      const empty = new Uint8Array(4);
      let got = 0;
      while (got < 4) {
        const n = await client.conn.read(empty.subarray(got));
        assert(n !== null, "answer to the token");
        got += n;
      }
      assertEquals([...empty], [0, 0, 0, 0]);
      // Authenticated: Metadata is served.
      const meta = await client.request(3, 1, new KafkaWriter().int32(-1).finish());
      assert(meta.remaining > 0);
    }
    {
      await using client = await KafkaTestClient.connect(broker.kafkaAddress!);
      const other = await client.request(17, 1, new KafkaWriter().string("SCRAM-SHA-256").finish());
      assertEquals(other.int16(), 33); // UNSUPPORTED_SASL_MECHANISM
      await client.request(17, 0, new KafkaWriter().string("PLAIN").finish());
      const t = token("app", KEYS.reader);
      await client.send(new KafkaWriter().int32(t.byteLength).raw(t).finish());
      assert(await client.closedByPeer(), "a wrong key closes the connection");
    }
  });
});
