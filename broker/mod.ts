/**
 * Weir's broker: `startBroker(options)` (coming with the broker issue).
 *
 * @module
 */
export type { EdgeBackend } from "./http/backend.ts";
