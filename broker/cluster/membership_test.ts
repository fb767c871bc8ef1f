import { assertEquals } from "@std/assert";
import { connect } from "@nats-io/transport-node";
import { startNatsServer } from "../../tests/_helpers/nats_server.ts";
import { openClusterBuckets } from "./buckets.ts";
import { Membership } from "./membership.ts";
import { waitFor } from "../../tests/_helpers/wait_for.ts";

const info = (id: number) => ({ id, host: "127.0.0.1", port: 9000 + id, startedAt: 1 });

Deno.test("Membership sees nodes join, leave cleanly and vanish when they stop renewing", async () => {
  await using nats = await startNatsServer();
  const nca = await connect({ servers: nats.url });
  const ncb = await connect({ servers: nats.url });
  const ncc = await connect({ servers: nats.url });
  try {
    const opts = { clusterId: "m", heartbeatMs: 150 };
    const [ba, bb, bc] = await Promise.all(
      [nca, ncb, ncc].map((nc) => openClusterBuckets(nc, opts)),
    );
    const changes: number[][] = [];
    await using a = await Membership.join(ba!.nodes, info(1), {
      heartbeatMs: 150,
      onChange: (live) => changes.push(live.map((n) => n.id)),
    });
    await using b = await Membership.join(bb!.nodes, info(2), { heartbeatMs: 150 });
    const c = await Membership.join(bc!.nodes, info(3), { heartbeatMs: 150 });
    await waitFor("a to see 1,2,3", () => [...a.liveIds()].join() === "1,2,3");
    const seen = await waitFor("b to see 3", () => b.live.find((n) => n.id === 3));
    assertEquals(seen.port, 9003);
    await b.close();
    await b.close();
    await waitFor("a to see 2 leave", () => [...a.liveIds()].join() === "1,3");
    await ncc.close(); // node 3 "crashes": its key is no longer renewed
    await waitFor("a to see 3 expire", () => [...a.liveIds()].join() === "1");
    await c.close();
    assertEquals(changes.at(-1), [1]);
    assertEquals(changes.some((ids) => ids.join() === "1,2,3"), true, JSON.stringify(changes));
  } finally {
    await nca.close();
    await ncb.close();
    if (!ncc.isClosed()) await ncc.close();
  }
});
