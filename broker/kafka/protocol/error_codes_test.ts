import { assertEquals } from "@std/assert";
import { WeirError } from "../../../client/protocol/mod.ts";
import { KAFKA_ERRORS, kafkaErrorCode } from "./error_codes.ts";

Deno.test("`kafkaErrorCode()` maps Weir codes to Kafka's numbers", () => {
  const cases: [string, number][] = [
    ["UNKNOWN_TOPIC_OR_PARTITION", 3],
    ["INVALID_RECORD", 2],
    ["CORRUPT_MESSAGE", 2],
    ["INVALID_TOPIC_EXCEPTION", 17],
    ["RECORD_LIST_TOO_LARGE", 18],
    ["NOT_ENOUGH_REPLICAS", 19],
    ["TOPIC_ALREADY_EXISTS", 36],
    ["INVALID_PARTITIONS", 37],
    ["INVALID_REPLICATION_FACTOR", 38],
    ["OUT_OF_ORDER_SEQUENCE_NUMBER", 45],
    ["OFFSET_OUT_OF_RANGE", 1],
    ["RECORD_TOO_LARGE", 10],
    ["ACTOR_RESTARTED", 6],
    ["REBALANCE_IN_PROGRESS", 27],
    ["SOMETHING_NEW", -1],
  ];
  for (const [code, n] of cases) {
    assertEquals(kafkaErrorCode(new WeirError(code, "Cannot test: mapping")), n, code);
  }
});

Deno.test("`kafkaErrorCode()` answers UNKNOWN_SERVER_ERROR for anything not a WeirError", () => {
  assertEquals(kafkaErrorCode(new Error("boom")), KAFKA_ERRORS.UNKNOWN_SERVER_ERROR);
  assertEquals(kafkaErrorCode("boom"), -1);
});
