/**
 * {@linkcode ReplicaFetcher}: a follower's pull loop (Kafka's
 * `ReplicaFetcherThread`, as asks instead of a thread). Each round asks the
 * leader `replicaFetch` with a long-poll wait; the answer is handed to the
 * partition's `apply` callback (append verbatim, or truncate a divergent
 * tail), then the next round starts at once. A failed round (leader gone,
 * wrong epoch, timeout) waits `backoffMs` on the actor's clock and tries
 * again. Nothing here blocks the mailbox: the partition keeps answering
 * `status` and `fetch` between rounds.
 *
 * Answers arriving after {@linkcode ReplicaFetcher.stop} are dropped: a
 * stopped fetcher never calls `apply` again.
 *
 * @module
 */
import { getLogger } from "../runtime/worker.ts";
import type { ActorContext, TimerHandle } from "../runtime/worker.ts";
import type { ReplicaFetchReply, ReplicaFetchRequest } from "./messages.ts";

const logger = getLogger(["weir", "partition", "replication"]);

/** Options of {@linkcode ReplicaFetcher}. */
export interface ReplicaFetcherOptions {
  /** The leader replica's actor id (`<topic>-<partition>@<leader>`). */
  leaderActorId: string;
  /** Builds the next request from the follower's log (called at the start of each round). */
  request(): ReplicaFetchRequest;
  /** Applies an answer (may be async, e.g. to let an fsync finish before truncating); a throw or rejection counts as a failed round. */
  apply(reply: ReplicaFetchReply): void | Promise<void>;
  /** Pause after a failed round, ms. */
  backoffMs: number;
  /** Extra time over the request's `waitMs` before a round times out, ms. */
  timeoutSlackMs?: number;
}

/** A follower's fetch loop; start once, stop once. */
export class ReplicaFetcher {
  readonly #ctx: ActorContext;
  readonly #options: ReplicaFetcherOptions;
  #running = false;
  #started = false;
  #timer: TimerHandle | null = null;
  #rounds = 0;
  #failures = 0;

  /** Creates a stopped fetcher. */
  constructor(ctx: ActorContext, options: ReplicaFetcherOptions) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Rounds answered so far. */
  get rounds(): number {
    return this.#rounds;
  }

  /** Rounds that failed so far. */
  get failures(): number {
    return this.#failures;
  }

  /** Whether the loop runs. */
  get running(): boolean {
    return this.#running;
  }

  /** Starts the loop; a fetcher runs once (a second start, or a start after stop, is a no-op). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#running = true;
    this.#round();
  }

  /** Stops the loop; an answer in flight is dropped. Idempotent. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== null) this.#ctx.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #round(): void {
    if (!this.#running) return;
    let request: ReplicaFetchRequest;
    try {
      request = this.#options.request();
    } catch (e) {
      this.#failed(e);
      return;
    }
    const leader = this.#ctx.lookup<ReplicaFetchRequest>("partition", this.#options.leaderActorId);
    leader.ask<ReplicaFetchReply>(request, {
      timeoutMs: request.waitMs + (this.#options.timeoutSlackMs ?? 5_000),
    }).then(
      async (reply) => {
        if (!this.#running) return;
        try {
          await this.#options.apply(reply);
        } catch (e) {
          this.#failed(e);
          return;
        }
        this.#rounds++;
        this.#round();
      },
      (e) => {
        if (this.#running) this.#failed(e);
      },
    );
  }

  #failed(error: unknown): void {
    this.#failures++;
    logger.debug("Replica fetch from {leader} failed: {error}", {
      leader: this.#options.leaderActorId,
      error: error instanceof Error ? error.message : String(error),
    });
    if (!this.#running) return;
    this.#timer = this.#ctx.clock.setTimeout(() => {
      this.#timer = null;
      this.#round();
    }, this.#options.backoffMs);
  }
}
