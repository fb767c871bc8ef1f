import { MemoryBackend } from "../../tests/_helpers/memory_backend.ts";
import { runEdgeConformance } from "./edge_conformance.ts";

runEdgeConformance("memory", (options) => new MemoryBackend(options));
