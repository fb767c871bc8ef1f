/**
 * Malformed-frame fuzz (seeded): random bytes, lying sizes, truncated frames,
 * valid headers with garbage bodies for every served API and version, and
 * byte-flipped valid requests. The listener must never crash, must close or
 * answer each connection, and must keep serving a well-behaved client.
 */
import { assert, assertEquals } from "@std/assert";
import { startBroker } from "weir/broker";
import { encodeRecordBatch } from "../../client/protocol/mod.ts";
import { createKafkaApiRegistry, KafkaListener } from "../../broker/kafka/mod.ts";
import { seededRandom } from "../../actors/runtime/mod.ts";
import { tempDir } from "../_helpers/temp_dir.ts";
import { KafkaTestClient } from "./_kafka_client.ts";
import { apiVersionsBody, fetchBody, produceBody, readApiVersions } from "./_requests.ts";

const SEED = Number(Deno.env.get("WEIR_FUZZ_SEED") ?? 0x5eed);
const ROUNDS = Number(Deno.env.get("WEIR_FUZZ_ROUNDS") ?? 400);

Deno.test(`the Kafka listener survives malformed frames (seed ${SEED}, ${ROUNDS} rounds)`, async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({ dataDir: dir.path, port: 0, actorHost: "inline" });
  await broker.node.createTopic({ name: "fz", partitions: 2 });
  const apis = createKafkaApiRegistry().apis;
  await using listener = KafkaListener.listen({
    backend: broker.node,
    apis,
    maxRequestBytes: 64 * 1024,
  });
  const random = seededRandom(SEED);
  const int = random.int;
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const withSize = (body: Uint8Array, size = body.byteLength) => {
    const out = new Uint8Array(4 + body.byteLength);
    new DataView(out.buffer).setInt32(0, size);
    out.set(body, 4);
    return out;
  };
  const validBatch = encodeRecordBatch([{ key: null, value: new Uint8Array([1, 2, 3]) }]);
  const keys = [...apis.keys()];
  const kinds = ["random", "lying-size", "truncated", "garbage-body", "flipped", "huge-counts"];
  const seen = new Map<string, { answered: number; closed: number }>();

  for (let round = 0; round < ROUNDS; round++) {
    const kind = kinds[round % kinds.length]!;
    await using c = await KafkaTestClient.connect(listener.address);
    let payload: Uint8Array;
    let closeAfterSend = false;
    switch (kind) {
      case "random":
        payload = bytes(1 + int(200));
        break;
      case "lying-size": {
        const sizes = [-1, 0, 3, 64 * 1024 + 1, 0x7fffffff, -0x80000000];
        payload = withSize(bytes(int(40)), sizes[int(sizes.length)]!);
        break;
      }
      case "truncated": {
        const full = c.frame(0, 7, produceBody("fz", int(2), validBatch, 1)).bytes;
        payload = full.subarray(0, 1 + int(full.byteLength - 1));
        closeAfterSend = true;
        break;
      }
      case "garbage-body": {
        const key = keys[int(keys.length)]!;
        const api = apis.get(key)!;
        const version = api.minVersion + int(api.maxVersion - api.minVersion + 1);
        payload = c.frame(key, version, bytes(int(120)), {
          flexible: api.flexibleFrom !== undefined && version >= api.flexibleFrom,
        }).bytes;
        break;
      }
      case "flipped": {
        const base = round % 2 === 0
          ? c.frame(0, 3 + int(5), produceBody("fz", int(2), validBatch, 1)).bytes
          : c.frame(1, 4 + int(8), fetchBody([{ topic: "fz", partition: int(2), offset: 0 }]))
            .bytes;
        payload = base.slice();
        for (let i = 0; i < 1 + int(4); i++) {
          const at = 4 + int(payload.byteLength - 4); // keep the size honest
          payload[at] = int(256);
        }
        break;
      }
      default: { // huge-counts: a valid header, then an array count far beyond the body
        const body = new Uint8Array(12);
        new DataView(body.buffer).setInt32(0, 0x7ffffff0);
        payload = c.frame(3, 1 + int(6), body).bytes;
      }
    }
    await c.send(payload);
    if (closeAfterSend) await c.close();
    else {
      // Half-close so a frame waiting for more bytes ends; then either an answer or a close.
      await c.conn.closeWrite();
      const res = await c.receive();
      const s = seen.get(kind) ?? { answered: 0, closed: 0 };
      if (res === null) s.closed++;
      else s.answered++;
      seen.set(kind, s);
    }
    if (round % 50 === 49) {
      await using probe = await KafkaTestClient.connect(listener.address);
      const r = readApiVersions(
        await probe.request(18, 3, apiVersionsBody(3), { flexible: true }),
        3,
      );
      assertEquals(r.errorCode, 0, `listener still serving after round ${round}`);
    }
  }
  // Garbage must have closed connections rather than been answered as valid.
  assert((seen.get("random")?.closed ?? 0) > 0);
  assertEquals(seen.get("lying-size")?.answered ?? 0, 0);
  assertEquals(seen.get("huge-counts")?.answered ?? 0, 0);
  // Every fuzz connection is gone (no leak) once the peers hung up.
  const deadline = Date.now() + 10_000;
  while (listener.connectionCount > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assertEquals(listener.connectionCount, 0);
  // The log holds only well-formed batches: fetch everything back over HTTP.
  for (const p of [0, 1]) {
    const res = await fetch(`${broker.url}/v1/topics/fz/partitions/${p}/records?offset=earliest`);
    assertEquals(res.status, 200);
    await res.body?.cancel();
  }
});
