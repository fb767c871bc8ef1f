/**
 * Worker entry of a PartitionActor: one partition per Deno Worker.
 *
 * @module
 */
import { serveWorkerActor } from "../runtime/worker.ts";
import { PartitionActor } from "./partition_actor.ts";
import type { PartitionInit } from "./messages.ts";

serveWorkerActor<PartitionInit>((init) => new PartitionActor(init));
