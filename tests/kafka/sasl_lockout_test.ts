/**
 * The failed-authentication limiter on the Kafka listener (SASL/PLAIN), with
 * the broker's defaults (10 failures per address): the 11th attempt from
 * 127.0.0.1 fails at the SaslHandshake already and the connection closes;
 * the lockout is shared with the HTTP edge (same auth store), and counted in
 * `weir_auth_failures_total{listener="kafka"}`.
 */
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { startBroker } from "weir/broker";
import { hashApiKey } from "../../broker/auth/mod.ts";
import { KafkaWriter } from "../../broker/kafka/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { rawGet } from "../_helpers/raw_http_get.ts";
import { KafkaTestClient } from "./_kafka_client.ts";

const ADMIN_KEY = "weir_kafka_admin_0123456789abcdef";
const SASL_HANDSHAKE = 17;
const SASL_AUTHENTICATE = 36;
const PLAIN = new KafkaWriter().string("PLAIN").finish();

function authenticateBody(user: string, key: string): Uint8Array {
  return new KafkaWriter().bytes(new TextEncoder().encode(`\u0000${user}\u0000${key}`)).finish();
}

Deno.test("SASL/PLAIN: after 10 wrong keys from one address the handshake fails and the connection closes", async () => {
  await using dir = await tempDir();
  const authFile = `${dir.path}/auth.json`;
  await Deno.writeTextFile(
    authFile,
    JSON.stringify({
      principals: [{
        name: "admin",
        keySha256: hashApiKey(ADMIN_KEY),
        allow: [{ resource: "cluster", operations: ["*"] }],
      }],
    }),
  );
  await using broker = await startBroker({
    dataDir: `${dir.path}/data`,
    host: "127.0.0.1",
    port: 0,
    kafkaPort: 0,
    actorHost: "inline",
    authFile,
  });
  const address = broker.kafkaAddress!;
  for (let i = 1; i <= 10; i++) {
    await using client = await KafkaTestClient.connect(address);
    assertEquals((await client.request(SASL_HANDSHAKE, 1, PLAIN)).int16(), 0, `handshake ${i}`);
    const res = await client.request(SASL_AUTHENTICATE, 1, authenticateBody("admin", `wrong-${i}`));
    assertEquals(res.int16(), 58, `wrong key ${i}: SASL_AUTHENTICATION_FAILED`);
    assert(await client.closedByPeer(), `connection ${i} closes`);
  }
  {
    // The 11th attempt, even with the right key, fails before the key is checked.
    await using client = await KafkaTestClient.connect(address);
    assertEquals((await client.request(SASL_HANDSHAKE, 1, PLAIN)).int16(), 58);
    const res = await client.request(SASL_AUTHENTICATE, 1, authenticateBody("admin", ADMIN_KEY));
    assertEquals(res.int16(), 58);
    assert(await client.closedByPeer(), "the connection closes");
  }
  {
    // SaslHandshake v0 (bare token next): refused too; the token frame is garbage and closes.
    await using client = await KafkaTestClient.connect(address);
    assertEquals((await client.request(SASL_HANDSHAKE, 0, PLAIN)).int16(), 58);
    const token = new TextEncoder().encode(`\u0000admin\u0000${ADMIN_KEY}`);
    await client.send(new KafkaWriter().int32(token.byteLength).raw(token).finish());
    assert(await client.closedByPeer(), "the v0 token is not accepted");
  }
  // One limiter for both listeners: HTTP from 127.0.0.1 is locked out too ...
  const { port } = broker.address;
  const http = await rawGet(port, { from: "127.0.0.1", path: "/metrics", key: ADMIN_KEY });
  assertEquals(http.status, 429);
  // ... while another address reads the metrics.
  const metrics = await rawGet(port, { from: "127.0.0.2", path: "/metrics", key: ADMIN_KEY });
  assertEquals(metrics.status, 200);
  assertStringIncludes(
    metrics.body,
    'weir_auth_failures_total{listener="kafka",reason="invalid_key"} 10',
  );
  assertStringIncludes(
    metrics.body,
    'weir_auth_failures_total{listener="kafka",reason="locked_out"}',
  );
  assertStringIncludes(
    metrics.body,
    'weir_auth_failures_total{listener="http",reason="locked_out"} 1',
  );
});
