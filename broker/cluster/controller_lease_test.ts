import { assertEquals } from "@std/assert";
import { connect } from "@nats-io/transport-node";
import { type Clock, systemClock } from "../../actors/runtime/mod.ts";
import { startNatsServer } from "../../tests/_helpers/nats_server.ts";
import { openClusterBuckets } from "./buckets.ts";
import { ControllerLease } from "./controller_lease.ts";
import { waitFor } from "../../tests/_helpers/wait_for.ts";

Deno.test("ControllerLease has one holder and hands over on release and on expiry", async () => {
  await using nats = await startNatsServer();
  const ncs = await Promise.all([1, 2, 3].map(() => connect({ servers: nats.url })));
  try {
    const events: string[] = [];
    const leases: ControllerLease[] = [];
    for (const [i, nc] of ncs.entries()) {
      const { lease } = await openClusterBuckets(nc, { clusterId: "l", heartbeatMs: 150 });
      leases.push(
        await ControllerLease.start(lease, i + 1, {
          heartbeatMs: 150,
          onAcquired: () => void events.push(`+${i + 1}`),
          onLost: () => void events.push(`-${i + 1}`),
        }),
      );
    }
    const [l1, l2, l3] = leases as [ControllerLease, ControllerLease, ControllerLease];
    assertEquals(l1.held, true, "the first to try takes it");
    assertEquals([l2.held, l3.held], [false, false]);
    assertEquals(l2.holder, 1);
    await l1.close();
    assertEquals(events, ["+1", "-1"]);
    const second = await waitFor("a new holder after release", () => leases.find((l) => l.held));
    assertEquals(leases.filter((l) => l.held).length, 1);
    const secondIndex = leases.indexOf(second);
    // The holder's NATS connection dies: it must give up, and the other node takes over.
    await ncs[secondIndex]!.close();
    const third = await waitFor(
      "a holder after expiry",
      () => leases.find((l) => l.held && l !== second),
    );
    await waitFor("the cut-off holder to give up", () => !second.held);
    assertEquals(events.includes(`-${secondIndex + 1}`), true, events.join());
    assertEquals(third.holder, leases.indexOf(third) + 1);
    for (const l of leases) await l.close();
  } finally {
    for (const nc of ncs) if (!nc.isClosed()) await nc.close();
  }
});

Deno.test("ControllerLease is not held past its validity without a renewal, and epochs grow per holding", async () => {
  await using nats = await startNatsServer();
  const nc = await connect({ servers: nats.url });
  try {
    const { lease: bucket } = await openClusterBuckets(nc, { clusterId: "v", heartbeatMs: 150 });
    // Real timers; `now()` can be pushed ahead as if the process had been paused.
    let skew = 0;
    const clock: Clock = {
      now: () => systemClock.now() + skew,
      setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms),
      clearTimeout: (h) => systemClock.clearTimeout(h),
    };
    const first = await ControllerLease.start(bucket, 1, { heartbeatMs: 150, clock });
    assertEquals(first.held, true);
    const epoch = first.epoch;
    assertEquals(epoch > 0, true);
    skew = 10_000; // a pause far beyond 3 heartbeats, no renewal yet
    assertEquals(first.held, false, "a paused holder must not act on its old lease");
    // Nobody took it meanwhile: the next renewal succeeds and the same holding goes on.
    await waitFor("the renewal", () => first.held);
    assertEquals(first.epoch, epoch);
    await first.close();
    assertEquals(first.epoch, 0);
    const second = await ControllerLease.start(bucket, 2, { heartbeatMs: 150, clock });
    await waitFor("node 2 holds it", () => second.held);
    assertEquals(second.epoch > epoch, true, `${second.epoch} > ${epoch}`);
    await second.close();
  } finally {
    await nc.close();
  }
});
