import { assert, assertEquals } from "@std/assert";
import { seededRandom } from "../runtime/random.ts";
import { type AssignorMember, computeTargetAssignment } from "./assignor.ts";
import type { TopicPartitions } from "./_topic_partitions.ts";

const count = (list: TopicPartitions[] | undefined): number =>
  (list ?? []).reduce((n, tp) => n + tp.partitions.length, 0);

Deno.test("computeTargetAssignment() gives a lone member every partition of its topics", () => {
  const target = computeTargetAssignment({
    members: [{ memberId: "m", topics: ["b", "a"], current: [] }],
    partitionCounts: { a: 2, b: 1, c: 3 },
  });
  assertEquals(target.get("m"), [
    { topic: "a", partitions: [0, 1] },
    { topic: "b", partitions: [0] },
  ]);
});

Deno.test("computeTargetAssignment() keeps what stays valid and drops what does not", () => {
  const target = computeTargetAssignment({
    members: [
      {
        memberId: "m1",
        topics: ["a"],
        current: [
          { topic: "a", partitions: [1, 7] }, // 7 no longer exists
          { topic: "b", partitions: [0] }, // b is not subscribed
        ],
      },
      { memberId: "m2", topics: ["gone"], current: [{ topic: "gone", partitions: [0] }] },
    ],
    partitionCounts: { a: 2, b: 1 },
  });
  assertEquals(target.get("m1"), [{ topic: "a", partitions: [0, 1] }]);
  assertEquals(target.get("m2"), []);
});

Deno.test("computeTargetAssignment() is sticky: a leaver's partitions go to the least loaded", () => {
  const before = computeTargetAssignment({
    members: ["m1", "m2", "m3"].map((memberId) => ({ memberId, topics: ["t"], current: [] })),
    partitionCounts: { t: 7 },
  });
  assertEquals([...before.values()].map(count), [3, 2, 2]);
  const after = computeTargetAssignment({
    members: ["m2", "m3"].map((memberId) => ({
      memberId,
      topics: ["t"],
      current: before.get(memberId)!,
    })),
    partitionCounts: { t: 7 },
  });
  for (const id of ["m2", "m3"]) {
    const kept = new Set(after.get(id)![0]!.partitions);
    for (const p of before.get(id)![0]!.partitions) assert(kept.has(p), `${id} lost ${p}`);
  }
  assertEquals([...after.values()].map(count).sort(), [3, 4]);
});

Deno.test("computeTargetAssignment() resolves a partition claimed twice for the first id", () => {
  const target = computeTargetAssignment({
    members: [
      { memberId: "z", topics: ["t"], current: [{ topic: "t", partitions: [0] }] },
      { memberId: "a", topics: ["t"], current: [{ topic: "t", partitions: [0] }] },
    ],
    partitionCounts: { t: 2 },
  });
  assertEquals(target.get("a"), [{ topic: "t", partitions: [0] }]);
  assertEquals(target.get("z"), [{ topic: "t", partitions: [1] }]);
});

Deno.test("computeTargetAssignment() moves shared partitions to the member that can only read them", () => {
  const target = computeTargetAssignment({
    members: [
      { memberId: "narrow", topics: ["a"], current: [] },
      { memberId: "wide", topics: ["a", "b"], current: [] },
    ],
    partitionCounts: { a: 4, b: 4 },
  });
  assertEquals(target.get("narrow"), [{ topic: "a", partitions: [0, 1, 2, 3] }]);
  assertEquals(target.get("wide"), [{ topic: "b", partitions: [0, 1, 2, 3] }]);
});

/** Random groups: members with one of a few subscriptions, random previous targets. */
function randomInput(
  seed: number,
): { members: AssignorMember[]; partitionCounts: Record<string, number> } {
  const rnd = seededRandom(seed);
  const topics = ["a", "b", "c", "d"];
  const patterns = [["a"], ["a", "b"], ["b", "c", "d"], ["a", "b", "c", "d"], ["d"]];
  const partitionCounts: Record<string, number> = {};
  for (const t of topics) if (rnd.next() < 0.85) partitionCounts[t] = 1 + rnd.int(12);
  const members: AssignorMember[] = [];
  const n = 1 + rnd.int(12);
  for (let i = 0; i < n; i++) {
    const subscribed = patterns[rnd.int(patterns.length)]!;
    const current = subscribed.flatMap((topic) => {
      const partitions = [...Array(14).keys()].filter(() => rnd.next() < 0.2);
      return partitions.length ? [{ topic, partitions }] : [];
    });
    members.push({ memberId: `m${rnd.int(1000)}-${i}`, topics: subscribed, current });
  }
  return { members, partitionCounts };
}

Deno.test("computeTargetAssignment() is complete, exclusive and balanced per subscription", () => {
  for (let seed = 1; seed <= 300; seed++) {
    const { members, partitionCounts } = randomInput(seed);
    const target = computeTargetAssignment({ members, partitionCounts });
    const owner = new Map<string, string>();
    for (const m of members) {
      for (const { topic, partitions } of target.get(m.memberId)!) {
        assert(m.topics.includes(topic), `seed ${seed}: ${m.memberId} got unsubscribed ${topic}`);
        for (const p of partitions) {
          assert(p < (partitionCounts[topic] ?? 0), `seed ${seed}: ${topic}/${p} does not exist`);
          const key = `${topic}/${p}`;
          assertEquals(owner.get(key), undefined, `seed ${seed}: ${key} has two owners`);
          owner.set(key, m.memberId);
        }
      }
    }
    const subscribed = new Set(members.flatMap((m) => m.topics));
    for (const [topic, n] of Object.entries(partitionCounts)) {
      if (!subscribed.has(topic)) continue;
      for (let p = 0; p < n; p++) assert(owner.has(`${topic}/${p}`), `seed ${seed}: ${topic}/${p}`);
    }
    const byPattern = new Map<string, number[]>();
    for (const m of members) {
      const key = [...m.topics].sort().join(",");
      byPattern.set(key, [...(byPattern.get(key) ?? []), count(target.get(m.memberId))]);
    }
    for (const [pattern, counts] of byPattern) {
      assert(
        Math.max(...counts) - Math.min(...counts) <= 1,
        `seed ${seed}: members on ${pattern} have ${counts}`,
      );
    }
  }
});

Deno.test("computeTargetAssignment() is deterministic and a fixed point of itself", () => {
  for (let seed = 1; seed <= 200; seed++) {
    const { members, partitionCounts } = randomInput(seed);
    const first = computeTargetAssignment({ members, partitionCounts });
    const reversed = computeTargetAssignment({ members: [...members].reverse(), partitionCounts });
    for (const m of members) assertEquals(reversed.get(m.memberId), first.get(m.memberId));
    const again = computeTargetAssignment({
      members: members.map((m) => ({ ...m, current: first.get(m.memberId)! })),
      partitionCounts,
    });
    assertEquals(again, first, `seed ${seed}: the target moved with nothing changed`);
  }
});

Deno.test("computeTargetAssignment() handles a thousand members on a few partitions quickly", () => {
  const members = [...Array(1000).keys()].map((i) => ({
    memberId: `m${String(i).padStart(4, "0")}`,
    topics: ["t"],
    current: [],
  }));
  const target = computeTargetAssignment({ members, partitionCounts: { t: 32 } });
  assertEquals([...target.values()].filter((l) => l.length > 0).length, 32);
});
