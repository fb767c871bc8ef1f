import { assertEquals, assertInstanceOf } from "@std/assert";
import { ActorError, defaultMakeError, toErrorData } from "./errors.ts";

Deno.test("toErrorData() keeps a string code and flattens anything else", () => {
  assertEquals(toErrorData(new ActorError("X_CODE", "Cannot x: y")), {
    code: "X_CODE",
    message: "Cannot x: y",
  });
  assertEquals(toErrorData(Object.assign(new Error("m"), { code: 42 })), {
    code: "UNKNOWN_SERVER_ERROR",
    message: "m",
  });
  assertEquals(toErrorData("just a string"), {
    code: "UNKNOWN_SERVER_ERROR",
    message: "just a string",
  });
  assertEquals(toErrorData(null).code, "UNKNOWN_SERVER_ERROR");
});

Deno.test("defaultMakeError() builds an ActorError with the code", () => {
  const error = defaultMakeError("ACTOR_STOPPED", "Cannot ask: gone");
  assertInstanceOf(error, ActorError);
  assertEquals([error.code, error.message, error.name], [
    "ACTOR_STOPPED",
    "Cannot ask: gone",
    "ActorError",
  ]);
});
