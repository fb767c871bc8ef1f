import { assert, assertEquals, assertInstanceOf, assertThrows } from "@std/assert";
import { encodeCommand, RespClient, RespDecoder, RespError } from "./resp.ts";

const text = (s: string) => new TextEncoder().encode(s);
const str = (v: unknown) => new TextDecoder().decode(v as Uint8Array);

Deno.test("encodeCommand() writes a RESP array of bulk strings", () => {
  assertEquals(
    new TextDecoder().decode(encodeCommand(["XADD", "s", "*", "v", text("héllo")])),
    "*5\r\n$4\r\nXADD\r\n$1\r\ns\r\n$1\r\n*\r\n$1\r\nv\r\n$6\r\nhéllo\r\n",
  );
});

Deno.test("RespDecoder.push() decodes every type, nested arrays and nulls", () => {
  const d = new RespDecoder();
  const out = d.push(
    text(
      "+OK\r\n-ERR bad\r\n:-42\r\n$3\r\nabc\r\n$-1\r\n*-1\r\n*0\r\n*2\r\n*1\r\n:1\r\n$0\r\n\r\n",
    ),
  );
  assertEquals(out.length, 8);
  assertEquals(out[0], "OK");
  assertInstanceOf(out[1], RespError);
  assertEquals((out[1] as RespError).message, "ERR bad");
  assertEquals(out[2], -42);
  assertEquals(str(out[3]), "abc");
  assertEquals(out[4], null);
  assertEquals(out[5], null);
  assertEquals(out[6], []);
  const nested = out[7] as unknown[];
  assertEquals(nested[0], [1]);
  assertEquals(str(nested[1]), "");
});

Deno.test("RespDecoder.push() completes a reply split at every byte", () => {
  const reply =
    "*2\r\n*2\r\n$4\r\nkey1\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nv\r\n$5\r\nab\r\nc\r\n:7\r\n";
  const bytes = text(reply);
  const d = new RespDecoder();
  const out = [];
  for (let i = 0; i < bytes.length; i++) out.push(...d.push(bytes.subarray(i, i + 1)));
  assertEquals(out.length, 1);
  const [stream, seven] = out[0] as [unknown[], number];
  assertEquals(seven, 7);
  const entry = (stream[1] as unknown[][])[0]!;
  assertEquals(str(entry[0]), "1-0");
  assertEquals(str((entry[1] as unknown[])[1]), "ab\r\nc");
});

Deno.test("RespDecoder.push() keeps earlier bulk strings intact after more input", () => {
  const d = new RespDecoder();
  const [first] = d.push(text("$3\r\nabc\r\n$3\r\nxy"));
  d.push(text("z\r\n"));
  assertEquals(str(first), "abc");
});

Deno.test("RespDecoder.push() rejects an unknown type byte", () => {
  assertThrows(() => new RespDecoder().push(text("?x\r\n")), Error, "Cannot decode RESP");
});

Deno.test("RespClient.pipeline() matches replies to commands over a real socket", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const server = (async () => {
    const conn = await listener.accept();
    const buf = new Uint8Array(1024);
    let seen = "";
    while (!seen.includes("PING")) {
      const n = await conn.read(buf);
      if (n === null) break;
      seen += new TextDecoder().decode(buf.subarray(0, n));
    }
    // Answer in two writes that split a reply.
    await conn.write(text("$1\r\na\r\n-ERR no\r\n+PO"));
    await conn.write(text("NG\r\n"));
    await conn.read(buf); // until the client closes
    conn.close();
  })();
  await using client = await RespClient.connect((listener.addr as Deno.NetAddr).port);
  const replies = await client.pipeline([["GET", "x"], ["BAD"], ["PING"]]);
  assertEquals(str(replies[0]), "a");
  assertInstanceOf(replies[1], RespError);
  assertEquals(replies[2], "PONG");
  await client.close();
  await client.close();
  await server;
  listener.close();
  assert(true);
});
