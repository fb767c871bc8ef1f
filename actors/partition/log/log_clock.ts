/**
 * The time source of a log: {@linkcode LogClock} and the real
 * {@linkcode systemLogClock}. The actor passes its context clock; tests pass a
 * fake. This is the one file of the log that reads the wall clock.
 *
 * @module
 */

/** The time source the log needs. */
export interface LogClock {
  /** Milliseconds since the epoch (or a fake's start). */
  now(): number;
}

/** The real clock. */
export const systemLogClock: LogClock = { now: (): number => Date.now() };
