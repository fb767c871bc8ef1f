import { assertEquals } from "@std/assert";
import { WeirError } from "../../client/protocol/mod.ts";
import {
  type ActorContext,
  ActorSystem,
  type Deferred,
  FakeClock,
  sequentialIds,
} from "../runtime/mod.ts";
import type { ReplicaFetchReply, ReplicaFetchRequest } from "./messages.ts";
import { ReplicaFetcher } from "./replica_fetcher.ts";

const reply = (leaderEpoch: number): ReplicaFetchReply => ({
  batches: new Uint8Array(0),
  highWatermark: 0,
  logStartOffset: 0,
  leaderEpoch,
});

/** Polls a condition, turning the event loop between checks, up to a deadline. */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** Lets queued messages and replies run (a few event-loop turns, no wall-clock wait). */
async function turns(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("`ReplicaFetcher` retries after a failed round on the actor's clock and stops for good", async () => {
  const clock = new FakeClock(0);
  await using system = new ActorSystem({
    clock,
    ids: sequentialIds("id-"),
    makeError: (code, message) => new WeirError(code, message),
  });
  const requests: ReplicaFetchRequest[] = [];
  const parked: Deferred<ReplicaFetchReply>[] = [];
  let failNext = true;
  await system.spawn({
    kind: "partition",
    id: "t-0@1",
    host: {
      inline: () => ({
        receive(m: unknown, ctx: ActorContext) {
          requests.push(m as ReplicaFetchRequest);
          if (failNext) {
            failNext = false;
            throw new WeirError("NOT_LEADER_OR_FOLLOWER", "Cannot serve: not yet the leader");
          }
          const d = ctx.defer<ReplicaFetchReply>();
          parked.push(d);
          return d;
        },
      }),
    },
    init: undefined,
  });
  const applied: number[] = [];
  let fetcher: ReplicaFetcher | null = null;
  await system.spawn({
    kind: "follower",
    id: "2",
    host: {
      inline: () => ({
        start(ctx: ActorContext) {
          fetcher = new ReplicaFetcher(ctx, {
            leaderActorId: "t-0@1",
            backoffMs: 250,
            request: () => ({
              type: "replicaFetch",
              replicaId: 2,
              fetchOffset: applied.length,
              lastFetchedEpoch: -1,
              maxBytes: 1024,
              waitMs: 100,
            }),
            apply: (r) => {
              applied.push(r.leaderEpoch);
            },
          });
          fetcher.start();
        },
        receive: () => null,
      }),
    },
    init: undefined,
  });
  await until("the first, failing round", () => fetcher?.failures === 1);
  assertEquals(requests.length, 1);
  clock.advance(249);
  await turns();
  assertEquals(requests.length, 1, "no retry before the backoff");
  clock.advance(1);
  await until("the retry", () => requests.length === 2);
  parked.shift()!.resolve(reply(7));
  await until("the answer to be applied and the next round sent", () => requests.length === 3);
  assertEquals(applied, [7]);
  assertEquals(requests[2]!.fetchOffset, 1);
  fetcher!.stop();
  fetcher!.stop();
  parked.shift()!.resolve(reply(8));
  await turns();
  assertEquals(applied, [7], "an answer after stop is dropped");
  fetcher!.start();
  assertEquals([fetcher!.running, requests.length], [false, 3], "a stopped fetcher stays stopped");
});
