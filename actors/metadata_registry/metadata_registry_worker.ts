/**
 * Worker entry of the MetadataRegistryActor.
 *
 * @module
 */
import { serveWorkerActor } from "../runtime/mod.ts";
import { MetadataRegistryActor } from "./metadata_registry_actor.ts";
import type { RegistryInit } from "./messages.ts";

serveWorkerActor<RegistryInit>((init) => new MetadataRegistryActor(init));
