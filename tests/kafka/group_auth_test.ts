/**
 * ACLs on the classic group APIs of the Kafka listener (`--auth-file` on,
 * SASL/PLAIN): a principal needs `consume` on `group:<id>` for every group
 * API and `consume` on a topic to commit or read its offsets, as on the HTTP
 * edge. A hand-written client speaks to a real broker.
 */
import { assertEquals } from "@std/assert";
import { type Broker, startBroker } from "weir/broker";
import { hashApiKey } from "../../broker/auth/mod.ts";
import { KafkaWriter } from "../../broker/kafka/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { KafkaTestClient } from "./_kafka_client.ts";

const KEYS = {
  admin: "weir_group_admin_0123456789abcdef",
  app: "weir_group_app___0123456789abcdef",
};
const GROUP_AUTHORIZATION_FAILED = 30;
const TOPIC_AUTHORIZATION_FAILED = 29;

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
          allow: [
            { resource: "topic:orders*", operations: ["produce", "consume"] },
            { resource: "group:billing", operations: ["consume"] },
          ],
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
  for (const name of ["orders", "secret"]) {
    const res = await fetch(`${broker.url}/v1/topics`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEYS.admin}` },
      body: JSON.stringify({ name, partitions: 1 }),
    });
    await res.body?.cancel();
    assertEquals(res.status, 201, `create topic ${name}`);
  }
  await fn(broker);
}

/** Connects and authenticates with SaslHandshake v0 and a bare PLAIN token. */
async function login(broker: Broker, user: keyof typeof KEYS): Promise<KafkaTestClient> {
  const client = await KafkaTestClient.connect(broker.kafkaAddress!);
  try {
    const hs = await client.request(17, 0, new KafkaWriter().string("PLAIN").finish());
    assertEquals(hs.int16(), 0, "SaslHandshake");
    const token = new TextEncoder().encode(`\u0000${user}\u0000${KEYS[user]}`);
    await client.send(new KafkaWriter().int32(token.byteLength).raw(token).finish());
    const empty = new Uint8Array(4); // the empty answer frame
    for (let got = 0; got < 4;) {
      const n = await client.conn.read(empty.subarray(got));
      if (n === null) throw new Error(`Cannot log in as ${user}: the broker closed the connection`);
      got += n;
    }
    return client;
  } catch (e) {
    await client.close();
    throw e;
  }
}

async function findCoordinator(c: KafkaTestClient, group: string): Promise<number> {
  const r = await c.request(10, 2, new KafkaWriter().string(group).int8(0).finish());
  r.int32();
  return r.int16();
}

async function joinV5(c: KafkaTestClient, group: string): Promise<number> {
  const subscription = new KafkaWriter().int16(0).int32(1).string("orders").nullableBytes(null)
    .finish().slice();
  const body = new KafkaWriter().string(group).int32(6000).int32(3000).string("")
    .nullableString(null).string("consumer").int32(1).string("range").bytes(subscription)
    .finish();
  const r = await c.request(11, 5, body);
  r.int32();
  return r.int16();
}

async function syncV3(c: KafkaTestClient, group: string): Promise<number> {
  const body = new KafkaWriter().string(group).int32(1).string("m-1").nullableString(null)
    .int32(0).finish();
  const r = await c.request(14, 3, body);
  r.int32();
  return r.int16();
}

async function heartbeatV3(c: KafkaTestClient, group: string): Promise<number> {
  const body = new KafkaWriter().string(group).int32(1).string("m-1").nullableString(null)
    .finish();
  const r = await c.request(12, 3, body);
  r.int32();
  return r.int16();
}

async function leaveV3(c: KafkaTestClient, group: string): Promise<number> {
  const body = new KafkaWriter().string(group).int32(1).string("m-1").nullableString(null)
    .finish();
  const r = await c.request(13, 3, body);
  r.int32();
  return r.int16();
}

/** A simple (generation -1) OffsetCommit v7; one error per topic (partition 0 each). */
async function commitV7(
  c: KafkaTestClient,
  group: string,
  topics: string[],
): Promise<Record<string, number>> {
  const w = new KafkaWriter().string(group).int32(-1).string("").nullableString(null)
    .int32(topics.length);
  for (const t of topics) w.string(t).int32(1).int32(0).int64(5).int32(-1).nullableString("");
  const r = await c.request(8, 7, w.finish());
  r.int32();
  const out: Record<string, number> = {};
  r.array(false, (r) => {
    const name = r.string();
    r.array(false, (r) => {
      r.int32();
      out[name] = r.int16();
    });
  });
  return out;
}

/** OffsetFetch v5 of every topic (`topics` null): the group error and the offsets by topic. */
async function fetchAllV5(
  c: KafkaTestClient,
  group: string,
): Promise<{ error: number; offsets: Record<string, number> }> {
  const r = await c.request(9, 5, new KafkaWriter().string(group).int32(-1).finish());
  r.int32();
  const offsets: Record<string, number> = {};
  r.array(false, (r) => {
    const name = r.string();
    r.array(false, (r) => {
      r.int32();
      offsets[name] = r.int64();
      r.int32();
      r.nullableString();
      r.int16();
    });
  });
  return { error: r.int16(), offsets };
}

/** OffsetFetch v5 of named topics (partition 0 each): the per-partition errors. */
async function fetchNamedV5(
  c: KafkaTestClient,
  group: string,
  topics: string[],
): Promise<Record<string, { offset: number; error: number }>> {
  const w = new KafkaWriter().string(group).int32(topics.length);
  for (const t of topics) w.string(t).int32(1).int32(0);
  const r = await c.request(9, 5, w.finish());
  r.int32();
  const out: Record<string, { offset: number; error: number }> = {};
  r.array(false, (r) => {
    const name = r.string();
    r.array(false, (r) => {
      r.int32();
      const offset = r.int64();
      r.int32();
      r.nullableString();
      out[name] = { offset, error: r.int16() };
    });
  });
  return out;
}

async function describeV3(c: KafkaTestClient, groups: string[]): Promise<Record<string, number>> {
  const w = new KafkaWriter().int32(groups.length);
  for (const g of groups) w.string(g);
  const r = await c.request(15, 3, w.boolean(false).finish());
  r.int32();
  const out: Record<string, number> = {};
  r.array(false, (r) => {
    const error = r.int16();
    out[r.string()] = error;
    r.string();
    r.string();
    r.string();
    r.array(false, (r) => {
      r.string();
      r.string();
      r.string();
      r.bytes();
      r.bytes();
    });
    r.int32();
  });
  return out;
}

async function listGroupsV2(c: KafkaTestClient): Promise<string[]> {
  const r = await c.request(16, 2, new Uint8Array(0));
  r.int32();
  assertEquals(r.int16(), 0, "ListGroups error");
  return r.array(false, (r) => {
    const id = r.string();
    r.string();
    return id;
  }).sort();
}

Deno.test("Kafka group APIs refuse a group the principal has no right on with GROUP_AUTHORIZATION_FAILED", async () => {
  await withAuthBroker(async (broker) => {
    await using app = await login(broker, "app");
    assertEquals(await findCoordinator(app, "other"), GROUP_AUTHORIZATION_FAILED);
    assertEquals(await findCoordinator(app, "billing"), 0);
    assertEquals(await joinV5(app, "other"), GROUP_AUTHORIZATION_FAILED);
    assertEquals(await syncV3(app, "other"), GROUP_AUTHORIZATION_FAILED);
    assertEquals(await heartbeatV3(app, "other"), GROUP_AUTHORIZATION_FAILED);
    assertEquals(await leaveV3(app, "other"), GROUP_AUTHORIZATION_FAILED);
    assertEquals(await commitV7(app, "other", ["orders"]), {
      orders: GROUP_AUTHORIZATION_FAILED,
    });
    assertEquals((await fetchAllV5(app, "other")).error, GROUP_AUTHORIZATION_FAILED);
    // The allowed group still works: a new member is asked for its id (v4+).
    assertEquals(await joinV5(app, "billing"), 79);
  });
});

Deno.test("Kafka offset APIs of an allowed group refuse and hide topics the principal may not read", async () => {
  await withAuthBroker(async (broker) => {
    await using admin = await login(broker, "admin");
    assertEquals(await commitV7(admin, "billing", ["orders", "secret"]), { orders: 0, secret: 0 });
    assertEquals(await commitV7(admin, "other", ["secret"]), { secret: 0 });
    await using app = await login(broker, "app");
    assertEquals(await commitV7(app, "billing", ["orders", "secret"]), {
      orders: 0,
      secret: TOPIC_AUTHORIZATION_FAILED,
    });
    assertEquals(await fetchAllV5(app, "billing"), { error: 0, offsets: { orders: 5 } });
    assertEquals(await fetchNamedV5(app, "billing", ["orders", "secret"]), {
      orders: { offset: 5, error: 0 },
      secret: { offset: -1, error: TOPIC_AUTHORIZATION_FAILED },
    });
    assertEquals(await fetchAllV5(admin, "billing"), {
      error: 0,
      offsets: { orders: 5, secret: 5 },
    });
  });
});

Deno.test("Kafka DescribeGroups and ListGroups show a principal only the groups it may use", async () => {
  await withAuthBroker(async (broker) => {
    await using admin = await login(broker, "admin");
    await commitV7(admin, "billing", ["orders"]);
    await commitV7(admin, "other", ["orders"]);
    await using app = await login(broker, "app");
    assertEquals(await describeV3(app, ["billing", "other"]), {
      billing: 0,
      other: GROUP_AUTHORIZATION_FAILED,
    });
    assertEquals(await listGroupsV2(app), ["billing"]);
    assertEquals(await listGroupsV2(admin), ["billing", "other"]);
  });
});
