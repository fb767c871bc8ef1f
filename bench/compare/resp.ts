/**
 * A small RESP2 codec and pipelining client over `Deno.connect`, enough for
 * the Redis Streams side of the comparison (XADD, XREADGROUP, CONFIG, DEL).
 * Bulk strings stay raw bytes (views into a private copy of what was read), so a
 * 10,000-entry XREADGROUP reply costs no text decoding.
 *
 * @module
 */

/** A RESP error reply (`-ERR ...`). */
export class RespError extends Error {
  /**
   * Creates the error.
   *
   * @param message The text after `-`.
   */
  constructor(message: string) {
    super(message);
    this.name = "RespError";
  }
}

/** A decoded RESP reply. Bulk strings are bytes; simple strings are text. */
export type RespValue = string | number | Uint8Array | null | RespError | RespValue[];

const CR = 13;
const LF = 10;
const utf8 = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/**
 * Encodes one command as a RESP array of bulk strings.
 *
 * @param args Command name and arguments.
 * @returns The bytes to write.
 */
export function encodeCommand(args: readonly (string | Uint8Array)[]): Uint8Array {
  const parts: Uint8Array[] = [utf8.encode(`*${args.length}\r\n`)];
  let size = parts[0]!.length;
  for (const a of args) {
    const bytes = typeof a === "string" ? utf8.encode(a) : a;
    const head = utf8.encode(`$${bytes.length}\r\n`);
    parts.push(head, bytes, CRLF);
    size += head.length + bytes.length + 2;
  }
  return concat(parts, size);
}

const CRLF = new Uint8Array([CR, LF]);

/**
 * Encodes many commands into one buffer (one write for a pipeline).
 *
 * @param commands Commands in order.
 * @returns The bytes to write.
 */
export function encodeCommands(
  commands: readonly (readonly (string | Uint8Array)[])[],
): Uint8Array {
  const parts = commands.map(encodeCommand);
  return concat(parts, parts.reduce((n, p) => n + p.length, 0));
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

class Frame {
  readonly items: RespValue[];
  remaining: number;
  constructor(remaining: number) {
    this.items = [];
    this.remaining = remaining;
  }
}

/**
 * Incremental RESP2 decoder: `push()` bytes as they arrive, take complete
 * replies from the return value. Work is linear in the input even when a
 * large array arrives in many chunks (partial arrays are kept on a stack).
 */
export class RespDecoder {
  #buf = new Uint8Array(0);
  #start = 0;
  #end = 0;
  readonly #stack: Frame[] = [];

  /**
   * Adds bytes and returns every reply they complete, in order.
   *
   * @param chunk Bytes read from the socket.
   * @returns Complete top-level replies.
   * @throws Error on a type byte RESP2 does not define.
   */
  push(chunk: Uint8Array): RespValue[] {
    this.#append(chunk);
    const out: RespValue[] = [];
    const buf = this.#buf;
    const end = this.#end;
    const stack = this.#stack;
    let start = this.#start;
    while (start < end) {
      let lineEnd = buf.indexOf(CR, start + 1);
      while (lineEnd >= 0 && lineEnd + 1 < end && buf[lineEnd + 1] !== LF) {
        lineEnd = buf.indexOf(CR, lineEnd + 1);
      }
      if (lineEnd < 0 || lineEnd + 1 >= end) break;
      const type = buf[start]!;
      let value: RespValue;
      if (type === 36) { // '$' bulk string
        const len = parseInteger(buf, start + 1, lineEnd);
        if (len < 0) {
          value = null;
          start = lineEnd + 2;
        } else {
          const from = lineEnd + 2;
          if (from + len + 2 > end) break;
          value = buf.subarray(from, from + len);
          start = from + len + 2;
        }
      } else if (type === 42) { // '*' array
        const len = parseInteger(buf, start + 1, lineEnd);
        start = lineEnd + 2;
        if (len > 0) {
          stack.push(new Frame(len));
          continue;
        }
        value = len < 0 ? null : [];
      } else if (type === 43) { // '+'
        value = latin1.decode(buf.subarray(start + 1, lineEnd));
        start = lineEnd + 2;
      } else if (type === 45) { // '-'
        value = new RespError(latin1.decode(buf.subarray(start + 1, lineEnd)));
        start = lineEnd + 2;
      } else if (type === 58) { // ':'
        value = parseInteger(buf, start + 1, lineEnd);
        start = lineEnd + 2;
      } else {
        throw new Error(`Cannot decode RESP: unknown type byte ${type} at ${start}`);
      }
      // Hand the value to the innermost open array; close arrays that fill up.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) {
          out.push(value);
          break;
        }
        top.items.push(value);
        if (--top.remaining > 0) break;
        stack.pop();
        value = top.items;
      }
    }
    this.#start = start;
    return out;
  }

  /**
   * Appends into a fresh buffer each time, so earlier values (views into the
   * old buffer) stay valid: bulk strings are handed out as `subarray`s.
   */
  #append(chunk: Uint8Array): void {
    const pending = this.#end - this.#start;
    const next = new Uint8Array(pending + chunk.length);
    next.set(this.#buf.subarray(this.#start, this.#end));
    next.set(chunk, pending);
    this.#buf = next;
    this.#start = 0;
    this.#end = next.length;
  }
}

function parseInteger(buf: Uint8Array, from: number, to: number): number {
  let i = from;
  let sign = 1;
  if (buf[i] === 45) {
    sign = -1;
    i++;
  }
  let n = 0;
  for (; i < to; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) throw new Error(`Cannot decode RESP: bad integer at ${i}`);
    n = n * 10 + d;
  }
  return sign * n;
}

/** A pipelining RESP client: replies resolve in the order commands were written. */
export class RespClient implements AsyncDisposable {
  readonly #conn: Deno.TcpConn;
  readonly #decoder = new RespDecoder();
  readonly #waiting: { resolve: (v: RespValue) => void; reject: (e: Error) => void }[] = [];
  #head = 0;
  readonly #reading: Promise<void>;
  #closed = false;
  #writes: Promise<unknown> = Promise.resolve();

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    conn.setNoDelay(true);
    this.#reading = this.#readLoop();
  }

  /**
   * Connects to `127.0.0.1:port`.
   *
   * @param port TCP port.
   * @returns The client.
   */
  static async connect(port: number): Promise<RespClient> {
    return new RespClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /**
   * Sends one command and waits for its reply.
   *
   * @param args Command and arguments.
   * @returns The reply.
   * @throws RespError when Redis answers with an error.
   */
  async call(...args: (string | Uint8Array)[]): Promise<RespValue> {
    const [reply] = await this.pipeline([args]);
    if (reply instanceof RespError) throw reply;
    return reply!;
  }

  /**
   * Writes commands in one write and waits for all their replies (errors are
   * returned as {@linkcode RespError} values, not thrown).
   *
   * @param commands Commands.
   * @returns Replies in order.
   */
  pipeline(commands: readonly (readonly (string | Uint8Array)[])[]): Promise<RespValue[]> {
    return this.write(encodeCommands(commands), commands.length);
  }

  /**
   * Writes pre-encoded commands and waits for `count` replies.
   *
   * @param bytes Encoded commands.
   * @param count How many replies they produce.
   * @returns Replies in order.
   */
  write(bytes: Uint8Array, count: number): Promise<RespValue[]> {
    if (this.#closed) return Promise.reject(new Error("Cannot write to Redis: client closed"));
    const replies = Array.from({ length: count }, () => {
      const w = Promise.withResolvers<RespValue>();
      this.#waiting.push(w);
      return w.promise;
    });
    this.#writes = this.#writes.then(() => writeAll(this.#conn, bytes));
    return Promise.all(replies);
  }

  async #readLoop(): Promise<void> {
    const buf = new Uint8Array(256 * 1024);
    try {
      for (;;) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        for (const v of this.#decoder.push(buf.subarray(0, n))) {
          const w = this.#waiting[this.#head++];
          w?.resolve(v);
        }
        if (this.#head > 4096 && this.#head * 2 > this.#waiting.length) {
          this.#waiting.splice(0, this.#head);
          this.#head = 0;
        }
      }
    } catch (e) {
      if (!this.#closed) this.#failAll(e instanceof Error ? e : new Error(String(e)));
    }
    this.#failAll(new Error("Cannot read from Redis: connection closed"));
  }

  #failAll(e: Error): void {
    for (let i = this.#head; i < this.#waiting.length; i++) this.#waiting[i]!.reject(e);
    this.#waiting.length = 0;
    this.#head = 0;
  }

  /** Closes the connection (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writes.catch(() => {});
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    await this.#reading;
  }

  /** Same as {@linkcode RespClient.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}
