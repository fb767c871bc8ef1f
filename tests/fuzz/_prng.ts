/**
 * A small seeded PRNG (mulberry32) for reproducible fuzzing: the same seed
 * gives the same cases on every machine.
 *
 * @module
 */
import { type Random, seededRandom } from "../../actors/runtime/mod.ts";

/** Deterministic random choices from one 32-bit seed. */
export class Prng {
  readonly #random: Random;

  /** Starts the sequence at `seed` (any integer; only its low 32 bits count). */
  constructor(seed: number) {
    this.#random = seededRandom(seed); // the runtime's mulberry32: same seed, same cases
  }

  /** Next float in [0, 1). */
  next(): number {
    return this.#random.next();
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }
}

/** Reads a seed from env `name` (decimal), or draws a fresh one. */
export function seedFromEnv(name: string): number {
  const raw = Deno.env.get(name);
  if (raw !== undefined && /^\d+$/.test(raw)) return Number(raw) >>> 0;
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

/** Reads a positive count from env `name`, or returns `fallback`. */
export function countFromEnv(name: string, fallback: number): number {
  const raw = Deno.env.get(name);
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : fallback;
}
