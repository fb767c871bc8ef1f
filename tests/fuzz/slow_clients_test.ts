/**
 * Slow-loris and idle connections against a real socket. What Deno.serve
 * does (measured on Deno 2.9.6, see docs/limits.md): it has no header-read
 * or idle timeout, so idle connections, half-sent headers and trickled
 * headers stay open until the client leaves; each costs one file descriptor
 * and a little memory, never a thread, so they do not stop other clients.
 * Bodies are guarded by Weir: `--request-timeout-ms` cancels a body that
 * has not fully arrived in time with 408 `REQUEST_BODY_TIMED_OUT`.
 *
 * @module
 */
import { assert, assertEquals } from "@std/assert";
import { resolveConfig } from "../../broker/config.ts";
import { createApp } from "../../broker/http/mod.ts";
import { BrokerNode } from "../../broker/node.ts";
import { tempDir } from "../_helpers/temp_dir.ts";

const IDLE = 100;
const PARTIAL_HEADERS = 100;
const TRICKLING_BODIES = 100;

const enc = new TextEncoder();

async function readHead(conn: Deno.Conn): Promise<string> {
  const buf = new Uint8Array(2048);
  const n = await conn.read(buf);
  return new TextDecoder().decode(buf.subarray(0, n ?? 0));
}

Deno.test("hundreds of idle and trickling connections do not stop a normal client", async () => {
  await using dir = await tempDir("weir-loris-");
  await using node = await BrokerNode.start(
    resolveConfig({ dataDir: dir.path, port: 0, actorHost: "inline", requestTimeoutMs: 1000 }),
  );
  await node.createTopic({ name: "t", partitions: 1 });
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    createApp(node).fetch,
  );
  const addr = { hostname: "127.0.0.1", port: server.addr.port };
  const conns: Deno.Conn[] = [];
  let trickle: ReturnType<typeof setInterval> | undefined;
  try {
    for (let i = 0; i < IDLE; i++) conns.push(await Deno.connect(addr));
    for (let i = 0; i < PARTIAL_HEADERS; i++) {
      const c = await Deno.connect(addr);
      conns.push(c);
      await c.write(enc.encode("POST /v1/topics/t/records HTTP/1.1\r\nhost: x\r\nx-slow: "));
    }
    const trickling: Deno.Conn[] = [];
    for (let i = 0; i < TRICKLING_BODIES; i++) {
      const c = await Deno.connect(addr);
      conns.push(c);
      trickling.push(c);
      await c.write(enc.encode(
        "POST /v1/topics/t/records HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n" +
          "content-length: 100000\r\n\r\n{",
      ));
    }
    // One header byte to every partial header and one body byte to every trickling body, in turn.
    trickle = setInterval(() => {
      for (const c of conns.slice(IDLE)) c.write(enc.encode(" ")).catch(() => {});
    }, 20);

    // A normal client is served meanwhile.
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`http://127.0.0.1:${addr.port}/v1/topics/t/records`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ records: [{ value: i }] }),
      });
      assertEquals(res.status, 200);
      await res.body?.cancel();
    }
    const fetched = await fetch(`http://127.0.0.1:${addr.port}/v1/topics/t/partitions/0/records`);
    const { records } = await fetched.json() as { records: { value: number }[] };
    assertEquals(records.map((r) => r.value), [...Array(20).keys()]);

    // Every trickling body is cut off by --request-timeout-ms with 408.
    const heads = await Promise.all(trickling.map(readHead));
    for (const head of heads) {
      assert(head.startsWith("HTTP/1.1 408"), head.slice(0, 80));
      assert(head.includes("REQUEST_BODY_TIMED_OUT"), head.slice(0, 300));
    }
    assertEquals((await node.describeTopic("t")).partitions[0]!.highWatermark, 20);
  } finally {
    clearInterval(trickle);
    for (const c of conns) {
      try {
        c.close();
      } catch { /* already closed by the server */ }
    }
  }
});
