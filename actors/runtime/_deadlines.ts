/**
 * {@linkcode DeadlineQueue}: one timer for many ask deadlines. A `setTimeout`
 * plus `clearTimeout` per ask cost about a third of an ask's round trip; here
 * asks wait in a min-heap ordered by (deadline, arrival) and a single timer on
 * the injected clock is armed for the earliest one. Answered asks are only
 * marked (lazy removal); the heap is emptied when nothing is left waiting and
 * rebuilt when marked entries pile up behind a long-waiting one. Private to
 * actors/runtime.
 *
 * With a `FakeClock`, expiry happens inside `advance()` exactly as with one
 * timer per ask: each item expires once the clock reaches its deadline, in
 * deadline order (ties in arrival order).
 *
 * When the last waiting item is settled the timer is cleared at once, so an
 * idle system holds no timer (tests count a `FakeClock`'s pending timers).
 * The price: strictly sequential asks (one in flight) still set and clear one
 * timer each; pipelined asks share one.
 *
 * @module
 */
import type { Clock, TimerHandle } from "./clock.ts";

/** Something with a deadline: an ask waiting for its reply. */
export interface Expirable {
  /** When it expires, on the queue's clock. */
  readonly deadline: number;
  /** Arrival order, assigned by the queue (ties on `deadline` expire in this order). */
  order: number;
  /** True once answered or expired; the queue then skips it. */
  settled: boolean;
  /** Called once when the deadline passes, unless settled before. */
  expire(): void;
}

/** Marked entries tolerated before a rebuild (also bounded by the live count). */
const COMPACT_AT = 1_024;

/** A min-heap of deadlines with a single timer on the injected clock. */
export class DeadlineQueue {
  readonly #clock: Clock;
  #heap: Expirable[] = [];
  #live = 0;
  #seq = 0;
  #timer: TimerHandle | undefined;
  #armedFor = Infinity;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Items waiting (not settled). */
  get size(): number {
    return this.#live;
  }

  /** Starts watching `item`'s deadline. */
  add(item: Expirable): void {
    item.order = ++this.#seq;
    item.settled = false;
    const heap = this.#heap;
    heap.push(item);
    this.#siftUp(heap.length - 1);
    this.#live++;
    if (item.deadline < this.#armedFor) this.#arm(item.deadline);
  }

  /** Marks `item` answered: it will not expire. Idempotent. */
  settle(item: Expirable): void {
    if (item.settled) return;
    item.settled = true;
    this.#live--;
    if (this.#live === 0) {
      this.#heap.length = 0;
      this.#disarm();
      return;
    }
    const heap = this.#heap;
    while (heap.length > 0 && heap[0]!.settled) this.#pop();
    if (heap.length - this.#live > COMPACT_AT && heap.length > 2 * this.#live) this.#compact();
  }

  /** Forgets every item and cancels the timer (the owner fails the items itself). */
  clear(): void {
    for (const item of this.#heap) item.settled = true;
    this.#heap = [];
    this.#live = 0;
    this.#disarm();
  }

  #arm(deadline: number): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#armedFor = deadline;
    this.#timer = this.#clock.setTimeout(
      () => this.#fire(),
      Math.max(0, deadline - this.#clock.now()),
    );
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = this.#clock.now();
    const heap = this.#heap;
    const due: Expirable[] = [];
    while (heap.length > 0 && (heap[0]!.settled || heap[0]!.deadline <= now)) {
      const item = this.#pop();
      if (item.settled) continue;
      item.settled = true;
      this.#live--;
      due.push(item);
    }
    if (this.#live === 0) heap.length = 0;
    else this.#arm(heap[0]!.deadline);
    for (const item of due) item.expire();
  }

  #compact(): void {
    const live = this.#heap.filter((item) => !item.settled);
    live.sort(before); // a sorted array is a valid min-heap
    this.#heap = live;
  }

  #pop(): Expirable {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.#siftDown(0);
    }
    return top;
  }

  #siftUp(index: number): void {
    const heap = this.#heap;
    const item = heap[index]!;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent]!;
      if (before(above, item) <= 0) break;
      heap[index] = above;
      index = parent;
    }
    heap[index] = item;
  }

  #siftDown(index: number): void {
    const heap = this.#heap;
    const item = heap[index]!;
    const n = heap.length;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap[child + 1]!, heap[child]!) < 0) child++;
      const below = heap[child]!;
      if (before(item, below) <= 0) break;
      heap[index] = below;
      index = child;
    }
    heap[index] = item;
  }
}

function before(a: Expirable, b: Expirable): number {
  return a.deadline - b.deadline || a.order - b.order;
}
