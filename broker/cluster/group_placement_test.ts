import { assert, assertEquals, assertNotEquals } from "@std/assert";
import { coordinatorNode, coordinatorWeight } from "./group_placement.ts";

const groups = Array.from({ length: 3000 }, (_, i) => `group-${i}`);

function owners(nodes: number[]): Map<string, number> {
  return new Map(groups.map((g) => [g, coordinatorNode(g, nodes)!]));
}

Deno.test("`coordinatorNode()` is null without live nodes and ignores the order of the ids", () => {
  assertEquals(coordinatorNode("g", []), null);
  for (const g of groups.slice(0, 200)) {
    assertEquals(coordinatorNode(g, [1, 2, 3, 4]), coordinatorNode(g, [4, 2, 3, 1, 2]));
  }
  assertEquals(coordinatorNode("g", [7]), 7);
});

Deno.test("`coordinatorNode()` spreads groups evenly over the nodes", () => {
  for (const nodes of [[1, 2, 3], [1, 2, 3, 4, 5], [10, 20]]) {
    const counts = new Map<number, number>();
    for (const n of owners(nodes).values()) counts.set(n, (counts.get(n) ?? 0) + 1);
    assertEquals([...counts.keys()].sort((a, b) => a - b), nodes);
    const fair = groups.length / nodes.length;
    for (const [node, count] of counts) {
      assert(Math.abs(count - fair) < fair * 0.1, `node ${node} has ${count} of ${groups.length}`);
    }
  }
});

Deno.test("`coordinatorNode()` moves only the lost node's groups when a node leaves", () => {
  const before = owners([1, 2, 3, 4]);
  const after = owners([1, 2, 4]);
  let moved = 0;
  for (const g of groups) {
    if (before.get(g) === 3) {
      moved++;
      assertNotEquals(after.get(g), 3);
    } else {
      assertEquals(after.get(g), before.get(g), `group ${g} moved though its node stayed`);
    }
  }
  assert(moved > 0);
  // The lost node's groups spread over the others, not onto one of them.
  const gained = new Set(groups.filter((g) => before.get(g) === 3).map((g) => after.get(g)));
  assertEquals([...gained].sort(), [1, 2, 4]);
});

Deno.test("`coordinatorNode()` moves only the groups the new node wins when a node joins", () => {
  const before = owners([1, 2, 3]);
  const after = owners([1, 2, 3, 4]);
  for (const g of groups) {
    if (after.get(g) !== 4) assertEquals(after.get(g), before.get(g));
  }
});

Deno.test("`coordinatorWeight()` is a fixed function of the group id and node id", () => {
  // Pinned: every node of a cluster (and every later version) must compute the same owner.
  assertEquals([1, 2, 3].map((n) => coordinatorWeight("billing", n)), [
    2408203806,
    1903169201,
    1099331553,
  ]);
  assertEquals(coordinatorWeight("", 0), 3563612559);
  assertEquals(coordinatorNode("billing", [1, 2, 3]), 1);
  assertNotEquals(coordinatorWeight("billing", 1), coordinatorWeight("billinh", 1));
});
