/**
 * End-to-end: the consumer-group seed story with a real broker (one Worker
 * per actor) and SDK consumers. A topic has 4 partitions; C1 gets all 4; C2
 * joins → 2/2; C3, C4 → 1 each; C5 stays idle; C1 dies (its heartbeats stop)
 * and C5 takes its partition over. At every sampled instant no partition
 * has two owners, neither in the broker's description nor among the live
 * consumers; every produced record is consumed at least once. A second test
 * kills a consumer process with SIGKILL: its partitions move and the
 * survivor resumes from the last commit (duplicates allowed, no gaps).
 */
import { assert, assertEquals } from "@std/assert";
import { connect, type Consumer, type Weir } from "weir";
import { startBroker } from "weir/broker";
import { tempDir } from "../_helpers/temp_dir.ts";

const STOP_HEARTBEATS = Symbol.for("weir.test.stopHeartbeats");

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Member {
  name: string;
  consumer: Consumer<string>;
  seen: Set<string>;
  loop: Promise<void>;
  memberId?: string;
}

/** Starts a consumer whose loop records `partition:offset` of every record. */
function startMember(weir: Weir, name: string, sessionTimeoutMs: number): Member {
  const consumer = weir.consumer({
    groupId: "seed",
    topics: ["seed"],
    autoOffsetReset: "earliest",
    autoCommitIntervalMs: 100,
    sessionTimeoutMs,
    waitMs: 200,
  });
  const seen = new Set<string>();
  const loop = (async () => {
    for await (const r of consumer) seen.add(`${r.partition}:${r.offset}`);
  })();
  return { name, consumer, seen, loop };
}

function owners(
  description: { members: { memberId: string; assignment: { partitions: number[] }[] }[] },
) {
  const byPartition = new Map<number, string[]>();
  for (const m of description.members) {
    for (const tp of m.assignment) {
      for (const p of tp.partitions) {
        byPartition.set(p, [...(byPartition.get(p) ?? []), m.memberId]);
      }
    }
  }
  return byPartition;
}

Deno.test("seed story: 1 → 2 → 4 → 5 members, C1 dies, idle C5 takes over, single owners", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({ dataDir: dir.path, port: 0 });
  await using weir = await connect({ url: broker.url });
  await weir.admin.createTopic({ name: "seed", partitions: 4 });
  const produced = new Set<string>();
  await using producer = weir.producer({ lingerMs: 0 });
  const produce = async (n: number) => {
    const metas = await producer.sendBatch(
      "seed",
      Array.from({ length: n }, (_, i) => ({ partition: i % 4, value: i })),
    );
    for (const m of metas) produced.add(`${m.partition}:${m.offset}`);
  };
  const members: Member[] = [];
  const dead = new Set<Member>();
  const consumed = () => new Set(members.flatMap((m) => [...m.seen]));
  const allConsumed = () => {
    const got = consumed();
    return [...produced].every((k) => got.has(k));
  };

  // Sample the broker's view and the live consumers' view until the end.
  let sampling = true;
  let samples = 0;
  const violations: string[] = [];
  const sampler = (async () => {
    while (sampling) {
      const d = await weir.admin.describeGroup("seed").catch(() => undefined);
      if (d !== undefined) {
        for (const [p, ids] of owners(d)) {
          if (ids.length > 1) violations.push(`broker: partition ${p} owned by ${ids}`);
        }
      }
      const held = new Map<number, string>();
      for (const m of members) {
        if (dead.has(m)) continue;
        for (const tp of m.consumer.assignment()) {
          const other = held.get(tp.partition);
          if (other !== undefined) {
            violations.push(`clients: ${tp.partition} in ${other}+${m.name}`);
          }
          held.set(tp.partition, m.name);
        }
      }
      samples++;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const counts = async (): Promise<number[]> => {
    const d = await weir.admin.describeGroup("seed");
    return d.members.map((m) => m.assignment.reduce((n, tp) => n + tp.partitions.length, 0))
      .sort();
  };
  const held = (m: Member) => m.consumer.assignment().map((tp) => tp.partition).sort();

  try {
    await produce(100);
    members.push(startMember(weir, "C1", 1_000));
    await until("C1 holds 4 partitions", () => held(members[0]!).length === 4);
    await until("C1 read everything", allConsumed);

    members.push(startMember(weir, "C2", 10_000));
    await until("2/2", async () => (await counts()).join() === "2,2");
    await until(
      "clients 2/2",
      () => held(members[0]!).length === 2 && held(members[1]!).length === 2,
    );
    await produce(100);
    await until("two members read everything", allConsumed);

    members.push(startMember(weir, "C3", 10_000), startMember(weir, "C4", 10_000));
    await until("1/1/1/1", async () => (await counts()).join() === "1,1,1,1");
    await produce(100);
    await until("four members read everything", allConsumed);

    const c5 = startMember(weir, "C5", 10_000);
    members.push(c5);
    await until("5 members, one idle", async () => (await counts()).join() === "0,1,1,1,1");
    assertEquals(held(c5), []);

    const c1 = members[0]!;
    const c1Partitions = held(c1);
    assertEquals(c1Partitions.length, 1);
    const died = Date.now();
    (c1.consumer as unknown as Record<symbol, () => void>)[STOP_HEARTBEATS]!.call(c1.consumer);
    dead.add(c1);
    await c1.consumer.close(); // after the stop: no commit, no leave — the broker must expire it
    await until("C5 takes over C1's partition", () => held(c5).join() === c1Partitions.join());
    const takeoverMs = Date.now() - died;
    assertEquals((await counts()).join(), "1,1,1,1");
    await produce(100);
    await until("after the takeover everything is read", allConsumed);
    assert(takeoverMs >= 900, `C1 expired after its session, took ${takeoverMs} ms`);
    // deno-lint-ignore no-console -- the figure goes into the report
    console.log(`seed story: takeover ${takeoverMs} ms after death; ${samples} samples`);
  } finally {
    sampling = false;
    await sampler;
    await Promise.all(members.map((m) => m.consumer.close()));
    await Promise.all(members.map((m) => m.loop));
  }
  assertEquals(violations, []);
  assert(samples > 10, `sampled ${samples} times`);
  const got = consumed();
  for (const k of produced) assert(got.has(k), `record ${k} was never consumed`);
  assertEquals((await weir.admin.describeGroup("seed")).members, [], "every consumer left");
});

Deno.test("kill -9 of a consumer process: its partitions move and the survivor resumes from the commit", async () => {
  await using dir = await tempDir();
  await using broker = await startBroker({ dataDir: dir.path, port: 0 });
  await using weir = await connect({ url: broker.url });
  await weir.admin.createTopic({ name: "kill", partitions: 2 });
  const produced = new Set<string>();
  {
    await using producer = weir.producer({ lingerMs: 0 });
    const metas = await producer.sendBatch(
      "kill",
      Array.from({ length: 2_000 }, (_, i) => ({ partition: i % 2, value: i })),
    );
    for (const m of metas) produced.add(`${m.partition}:${m.offset}`);
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./_group_consumer_child.ts", import.meta.url).pathname,
      broker.url,
      "kill",
      "kill",
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const childSeen: string[] = [];
  const reading = (async () => {
    let rest = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop()!;
      for (const line of lines) if (line !== "ready") childSeen.push(line);
    }
  })();
  let killed = false;
  try {
    await until("the child reads", () => childSeen.length >= 50);
    const survivor = weir.consumer({
      groupId: "kill",
      topics: ["kill"],
      autoOffsetReset: "earliest",
      sessionTimeoutMs: 10_000,
      waitMs: 200,
    });
    const seen = new Set<string>();
    const first = new Map<number, number>();
    const loop = (async () => {
      for await (const r of survivor) {
        if (!first.has(r.partition)) first.set(r.partition, r.offset);
        seen.add(`${r.partition}:${r.offset}`);
      }
    })();
    try {
      await until("the survivor holds one partition", () => survivor.assignment().length === 1);
      const kept = survivor.assignment()[0]!.partition;
      const atJoin = childSeen.length;
      await until("the child reads on", () => childSeen.length >= atJoin + 30);
      child.kill("SIGKILL");
      killed = true;
      await child.status;
      await reading;
      const childLast = new Map<number, number>();
      for (const line of childSeen) {
        const [p, o] = line.split(":").map(Number) as [number, number];
        childLast.set(p, Math.max(childLast.get(p) ?? -1, o));
      }
      await until("the survivor holds both partitions", () => survivor.assignment().length === 2);
      const all = new Set([...childSeen, ...seen]);
      await until("every record read by someone", () => {
        for (const k of seen) all.add(k);
        return [...produced].every((k) => all.has(k));
      });
      const moved = 1 - kept;
      const duplicates = [...seen].filter((k) => childSeen.includes(k)).length;
      // deno-lint-ignore no-console -- the figure goes into the report
      console.log(
        `kill -9: child read ${childSeen.length}, survivor ${seen.size}, duplicates ${duplicates}, ` +
          `survivor started partition ${moved} at ${first.get(moved)} (child's last ${
            childLast.get(moved)
          })`,
      );
      const resumed = first.get(moved)!;
      assert(resumed > 0, `partition ${moved} resumed from the child's commit, not from 0`);
      for (const [p, offset] of first) {
        const last = childLast.get(p);
        if (last !== undefined) {
          assert(offset <= last + 1, `partition ${p}: resumed at ${offset}, past ${last + 1}`);
        }
      }
    } finally {
      await survivor.close();
      await loop;
    }
  } finally {
    if (!killed) {
      child.kill("SIGKILL");
      await child.status;
      await reading;
    }
  }
});
