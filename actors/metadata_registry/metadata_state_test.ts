import { assertEquals, assertThrows } from "@std/assert";
import { WeirError } from "../../client/protocol/mod.ts";
import { MetadataState } from "./metadata_state.ts";

const limits = { maxPartitionsPerTopic: 100, maxTopics: 3, brokerCount: 1 };
const codeOf = (fn: () => unknown) => assertThrows(fn, WeirError).code;

Deno.test("MetadataState.planCreate() returns a topic record that apply() folds in", () => {
  const state = new MetadataState();
  const record = state.planCreate(
    { name: "orders", partitions: 4, configs: { "retention.ms": "86400000" } },
    limits,
    1_000,
    "id-1",
  );
  state.apply(record);
  assertEquals(state.topic("orders"), {
    name: "orders",
    topicId: "id-1",
    partitions: 4,
    replicationFactor: 1,
    configs: { "retention.ms": 86_400_000 },
    createdAt: 1_000,
  });
  assertEquals(
    codeOf(() => state.planCreate({ name: "orders" }, limits, 0, "x")),
    "TOPIC_ALREADY_EXISTS",
  );
});

Deno.test("MetadataState.planCreate() refuses bad input with the code of each problem", () => {
  const state = new MetadataState();
  const plan = (req: Record<string, unknown>) => () =>
    state.planCreate(req as { name: string }, limits, 0, "x");
  assertEquals(codeOf(plan({ name: "../etc" })), "INVALID_TOPIC_EXCEPTION");
  assertEquals(codeOf(plan({ name: ".." })), "INVALID_TOPIC_EXCEPTION");
  assertEquals(codeOf(plan({ name: "a".repeat(250) })), "INVALID_TOPIC_EXCEPTION");
  assertEquals(codeOf(plan({ name: "bad\u0000name" })), "INVALID_TOPIC_EXCEPTION");
  assertEquals(codeOf(plan({ name: "__consumer_offsets" })), "INVALID_TOPIC_EXCEPTION");
  assertEquals(codeOf(plan({ name: "t", partitions: 0 })), "INVALID_PARTITIONS");
  assertEquals(codeOf(plan({ name: "t", partitions: 1.5 })), "INVALID_PARTITIONS");
  assertEquals(codeOf(plan({ name: "t", partitions: 101 })), "INVALID_PARTITIONS");
  assertEquals(codeOf(plan({ name: "t", replicationFactor: 2 })), "INVALID_REPLICATION_FACTOR");
  assertEquals(codeOf(plan({ name: "t", configs: { "nope.ms": 1 } })), "INVALID_CONFIG");
  assertEquals(codeOf(plan({ name: "t", configs: { "retention.ms": "soon" } })), "INVALID_CONFIG");
  assertEquals(
    codeOf(plan({ name: "t", configs: { "cleanup.policy": "shred" } })),
    "INVALID_CONFIG",
  );
  assertEquals(
    codeOf(plan({ name: "t", configs: { "min.insync.replicas": 2 } })),
    "INVALID_CONFIG",
  );
  assertEquals(state.topics(), []);
});

Deno.test("MetadataState enforces maxTopics, alters configs and deletes topics", () => {
  const state = new MetadataState();
  for (const name of ["a", "b", "c"]) state.apply(state.planCreate({ name }, limits, 0, name));
  assertEquals(codeOf(() => state.planCreate({ name: "d" }, limits, 0, "d")), "POLICY_VIOLATION");
  state.apply(state.planAlterConfigs("a", { "cleanup.policy": "compact" }));
  state.apply(state.planAlterConfigs("a", { "retention.ms": 5 }));
  assertEquals(state.topic("a").configs, { "cleanup.policy": "compact", "retention.ms": 5 });
  assertEquals(codeOf(() => state.planAlterConfigs("zz", {})), "UNKNOWN_TOPIC_OR_PARTITION");
  state.apply(state.planDelete("b"));
  assertEquals(state.topics().map((t) => t.name), ["a", "c"]);
  assertEquals(codeOf(() => state.planDelete("b")), "UNKNOWN_TOPIC_OR_PARTITION");
});
