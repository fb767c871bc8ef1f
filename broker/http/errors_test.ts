import { assertEquals, assertStringIncludes } from "@std/assert";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { WeirError } from "../../client/protocol/mod.ts";
import { createApp } from "./app.ts";
import type { EdgeBackend } from "./backend.ts";

function backendWhoseClusterThrows(error: unknown): EdgeBackend {
  return {
    limits: { maxRequestBytes: 1024 },
    cluster: () => Promise.reject(error),
  } as unknown as EdgeBackend;
}

Deno.test("`onEdgeError` turns an unexpected throw into 500 UNKNOWN_SERVER_ERROR and logs it", async () => {
  const logged: LogRecord[] = [];
  await configure({
    sinks: { memory: (record) => logged.push(record) },
    loggers: [
      { category: ["weir", "http"], sinks: ["memory"], lowestLevel: "error" },
      { category: ["logtape", "meta"], sinks: [], lowestLevel: "error" },
    ],
  });
  try {
    const app = createApp(backendWhoseClusterThrows(new TypeError("secret internals")));
    const res = await app.request("/v1/cluster");
    assertEquals(res.status, 500);
    const body = await res.json();
    assertEquals(body.error.code, "UNKNOWN_SERVER_ERROR");
    assertEquals(body.error.message.includes("secret"), false, "internals stay in the log");
    assertEquals(logged.length, 1);
    assertStringIncludes(JSON.stringify(logged[0]?.properties.error?.toString()), "secret");
  } finally {
    await reset();
  }
});

Deno.test("`onEdgeError` answers a WeirError with its code's status", async () => {
  const app = createApp(
    backendWhoseClusterThrows(new WeirError("NOT_ENOUGH_REPLICAS", "Cannot ack: 1 of 2 replicas")),
  );
  const res = await app.request("/v1/cluster");
  assertEquals(res.status, 503);
  assertEquals(await res.json(), {
    error: { code: "NOT_ENOUGH_REPLICAS", message: "Cannot ack: 1 of 2 replicas" },
  });
});
