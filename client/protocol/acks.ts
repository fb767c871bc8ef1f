/**
 * The acks levels of a produce as the server uses them (no zod here, so
 * Workers can import it through `codec.ts`).
 *
 * @module
 */

/** Acks as the server uses them: 0, 1 or -1 (= all). */
export type Acks = 0 | 1 | -1;
