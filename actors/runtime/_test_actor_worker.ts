/**
 * Worker entry of the runtime's test actor.
 *
 * @module
 */
import { createTestActor, type TestActorInit } from "./_test_actor.ts";
import { serveWorkerActor } from "./serve_worker_actor.ts";

serveWorkerActor((init: TestActorInit) => createTestActor(init));
