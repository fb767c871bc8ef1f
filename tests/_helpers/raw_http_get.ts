/**
 * A tiny HTTP/1.1 client over `node:net` for tests that need the request to
 * come from a given loopback address (`localAddress`).
 *
 * @module
 */
import net from "node:net";

/** What {@linkcode rawGet} read. */
export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/**
 * One HTTP/1.1 `GET` with `Connection: close`, sent from a chosen local
 * address (e.g. `127.0.0.2`), so a server sees different peers; `fetch`
 * cannot choose its source address.
 *
 * @param port The server's port on 127.0.0.1.
 * @param options Source address, path and Bearer key.
 * @returns Status, lower-case headers and the body text.
 */
export async function rawGet(
  port: number,
  options: { from: string; path: string; key: string },
): Promise<RawResponse> {
  const socket = net.connect({ host: "127.0.0.1", port, localAddress: options.from });
  const chunks: Uint8Array[] = [];
  const done = new Promise<void>((resolve, reject) => {
    socket.on("data", (c: Uint8Array) => chunks.push(c));
    socket.on("end", () => resolve());
    socket.on("error", reject);
  });
  socket.write(
    `GET ${options.path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
      `Authorization: Bearer ${options.key}\r\nConnection: close\r\n\r\n`,
  );
  try {
    await done;
  } finally {
    socket.destroy();
  }
  const text = new TextDecoder().decode(
    chunks.reduce((a, b) => {
      const out = new Uint8Array(a.length + b.length);
      out.set(a);
      out.set(b, a.length);
      return out;
    }, new Uint8Array(0)),
  );
  const [head = "", body = ""] = text.split("\r\n\r\n", 2);
  const [statusLine = "", ...lines] = head.split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines) {
    const i = line.indexOf(":");
    headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body };
}
