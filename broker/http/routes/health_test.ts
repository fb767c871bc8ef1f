import { assertEquals } from "@std/assert";
import { createApp } from "../app.ts";
import type { EdgeBackend } from "../backend.ts";
import { resolveConfig } from "../../config.ts";
import { BrokerNode } from "../../node.ts";
import { tempDir } from "../../../tests/_helpers/temp_dir.ts";

Deno.test("`GET /readyz` is 200 once a BrokerNode started and 503 while it closes", async () => {
  await using dir = await tempDir("weir-readyz-");
  const node = await BrokerNode.start(resolveConfig({ dataDir: dir.path, actorHost: "inline" }));
  const app = createApp(node);
  const ready = await app.request("/readyz");
  assertEquals([ready.status, await ready.json()], [200, { status: "ready" }]);
  const closing = node.close();
  const res = await app.request("/readyz");
  assertEquals(res.status, 503);
  assertEquals((await res.json()).error.code, "BROKER_NOT_AVAILABLE");
  assertEquals((await app.request("/healthz")).status, 200);
  await closing;
  await node.close();
});

Deno.test("`GET /readyz` treats a backend without `ready` as ready", async () => {
  const app = createApp({ limits: { maxRequestBytes: 1024 } } as EdgeBackend);
  assertEquals(await (await app.request("/readyz")).json(), { status: "ready" });
  assertEquals((await app.request("/readyz", { method: "POST" })).status, 405);
});
