import { assertEquals, assertThrows } from "@std/assert";
import { WeirError } from "../../client/protocol/mod.ts";
import { KafkaApiRegistry } from "./api_registry.ts";
import { createKafkaApiRegistry } from "./kafka_apis.ts";

Deno.test("`KafkaApiRegistry.register()` rejects a key registered twice", () => {
  const api = {
    key: 18,
    name: "ApiVersions",
    minVersion: 0,
    maxVersion: 3,
    handle: () => Promise.resolve(null),
  };
  const registry = new KafkaApiRegistry().register(api);
  const e = assertThrows(() => registry.register({ ...api, name: "Again" }), WeirError);
  assertEquals(e.code, "INVALID_CONFIG");
  assertEquals(registry.get(18)?.name, "ApiVersions");
});

Deno.test("`createKafkaApiRegistry()` serves the core APIs with their version ranges", () => {
  const apis = createKafkaApiRegistry().apis;
  const ranges = Object.fromEntries(
    [0, 1, 2, 3, 18, 19, 20, 22, 32].map((
      k,
    ) => [k, [apis.get(k)!.minVersion, apis.get(k)!.maxVersion]]),
  );
  assertEquals(ranges, {
    0: [3, 7],
    1: [4, 11],
    2: [1, 3],
    3: [1, 6],
    18: [0, 3],
    19: [0, 4],
    20: [0, 3],
    22: [0, 1],
    32: [0, 2],
  });
});
