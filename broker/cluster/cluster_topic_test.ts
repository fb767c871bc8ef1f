import { assertEquals } from "@std/assert";
import { topicKey, topicOfKey } from "./cluster_topic.ts";

Deno.test("topicKey() escapes dots and round-trips through topicOfKey()", () => {
  for (const name of ["orders", "orders.eu", "a_b-c", "__consumer_offsets", "x.y.z"]) {
    const key = topicKey(name);
    assertEquals(key.slice("topics.".length).includes("."), false, key);
    assertEquals(topicOfKey(key), name);
  }
  assertEquals(topicKey("a.b"), "topics.a=2eb");
  assertEquals(topicOfKey("nodes.1"), undefined);
});
