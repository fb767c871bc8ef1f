/**
 * Worker entry of a GroupCoordinatorActor: one consumer group per Deno Worker.
 *
 * @module
 */
import { serveWorkerActor } from "../runtime/mod.ts";
import { GroupCoordinatorActor } from "./group_coordinator_actor.ts";
import type { GroupCoordinatorInit } from "./messages.ts";

serveWorkerActor<GroupCoordinatorInit>((init) => new GroupCoordinatorActor(init));
