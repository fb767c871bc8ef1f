/**
 * A consumer's membership in a group (KIP-848 style: the broker computes the
 * assignment, the member heartbeats). {@linkcode GroupMembership} joins with
 * `POST /v1/groups/:g/members`, then heartbeats on its own timer (an
 * injectable {@linkcode Schedule}) with the partitions it still owns, so a
 * slow record loop never delays a heartbeat. Every answer carries the
 * member's full assignment, handed to the consumer's
 * {@linkcode MembershipHandler.reconcile}; when ownership changed, the next
 * heartbeat goes out at once, so released partitions reach their new owner
 * quickly.
 *
 * Joins, heartbeats, commits and the leave run one at a time, in order (a
 * small queue), so a commit always carries the member epoch of the last
 * answer and never races a heartbeat. `409 FENCED_MEMBER_EPOCH` or
 * `404 UNKNOWN_MEMBER_ID` on a heartbeat means the broker dropped us: the
 * handler drops every partition without committing (another member may
 * own them already) and the member joins again. A retriable failure is tried
 * again on the next tick; any other failure of a join is fatal and handed to
 * {@linkcode MembershipHandler.failed}.
 *
 * @module
 */
import type { HttpClient } from "./http.ts";
import {
  type HeartbeatResponse,
  HeartbeatResponseSchema,
  JoinGroupResponseSchema,
  type OffsetCommit,
  type TopicPartitionList,
  toWeirError,
  WeirError,
} from "./protocol/mod.ts";

/** Schedules `callback` after `delayMs`; returns a function that cancels it. */
export type Schedule = (callback: () => void, delayMs: number) => () => void;

/** The real clock: `setTimeout`/`clearTimeout`. */
export function timerSchedule(callback: () => void, delayMs: number): () => void {
  const id = setTimeout(callback, delayMs);
  return () => clearTimeout(id);
}

/** Sends offsets with the member's id and epoch (only valid inside a queued task). */
export type CommitFn = (offsets: OffsetCommit[]) => Promise<void>;

/** What the consumer does for its membership. */
export interface MembershipHandler {
  /** Partitions still held, reported as `ownedPartitions` (topics sorted, partitions ascending). */
  owned(): TopicPartitionList[];
  /**
   * Moves to `assignment` (the member's full assignment): revoke what is
   * gone (stop fetching, commit, emit "revoked"), then add what is new.
   * Resolves when done; `owned()` then reflects the result.
   */
  reconcile(assignment: TopicPartitionList[], commit: CommitFn): Promise<void>;
  /** The membership was lost (fenced, unknown): drop every partition, commit nothing. */
  lost(reason: WeirError): Promise<void>;
  /** A failure the consumer's loop should see. */
  failed(error: WeirError): void;
}

/** Options of {@linkcode GroupMembership}. */
export interface GroupMembershipOptions {
  /** Group id. */
  groupId: string;
  /** Static membership id. */
  instanceId?: string | undefined;
  /** Session timeout sent on join (the broker's default when undefined). */
  sessionTimeoutMs?: number | undefined;
  /** Rebalance timeout sent on join. */
  rebalanceTimeoutMs?: number | undefined;
  /** Timer for heartbeats and join retries. */
  schedule: Schedule;
  /** The consumer's side. */
  handler: MembershipHandler;
  /** Told of background failures that were handled (retried, ignored); the SDK has no logger. */
  onError?: ((error: WeirError) => void) | undefined;
}

type State = "idle" | "joining" | "joined" | "failed" | "stopped" | "left";

function ownedKey(owned: TopicPartitionList[]): string {
  return JSON.stringify(owned);
}

/** A member of one group (see the module doc). */
export class GroupMembership {
  readonly #http: HttpClient;
  readonly #options: GroupMembershipOptions;
  readonly #controller = new AbortController();
  #topics: string[] = [];
  #state: State = "idle";
  #memberId: string | undefined;
  #memberEpoch = 0;
  #intervalMs = 3_000;
  #joinAttempt = 0;
  #cancelTimer: (() => void) | undefined;
  #queue: Promise<void> = Promise.resolve();
  #heartbeats = 0;
  #leaving = false;

  /**
   * Creates a member; nothing is sent before {@linkcode GroupMembership.start}.
   *
   * @param http The connection's client.
   * @param options Group, timeouts, schedule, handler.
   */
  constructor(http: HttpClient, options: GroupMembershipOptions) {
    this.#http = http;
    this.#options = options;
  }

  /** The member id given by the broker, once joined. */
  get memberId(): string | undefined {
    return this.#memberId;
  }

  /** The member epoch of the last answer. */
  get memberEpoch(): number {
    return this.#memberEpoch;
  }

  /** True while joined (between a join's answer and a leave, fence or stop). */
  get joined(): boolean {
    return this.#state === "joined";
  }

  /** Heartbeats answered so far (for tests and metrics). */
  get heartbeats(): number {
    return this.#heartbeats;
  }

  /** The subscribed topics. */
  get topics(): readonly string[] {
    return this.#topics;
  }

  /**
   * Joins with `topics` (first call), or changes the subscription: the
   * member gives up its partitions (revoke: commit, emit), leaves and joins
   * again with the new topics, since a heartbeat carries no subscription.
   *
   * @param topics Every topic to subscribe to.
   */
  subscribe(topics: readonly string[]): void {
    this.#topics = [...new Set(topics)].sort();
    if (this.#state === "idle") {
      this.#state = "joining";
      void this.run(() => this.#join());
    } else if (this.#state === "joined" || this.#state === "failed") {
      void this.run(async () => {
        if (this.#state === "joined") {
          this.#cancel();
          await this.#options.handler.reconcile([], (o) => this.#commitNow(o));
          await this.#deleteMember();
        }
        this.#state = "joining";
        await this.#join();
      });
    }
  }

  /**
   * Runs `task` after every queued task (joins, heartbeats, commits).
   *
   * @param task The work.
   * @returns The task's result.
   */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(task);
    this.#queue = result.then(() => {}, () => {});
    return result;
  }

  /**
   * Commits offsets with the member id and epoch, after queued work.
   *
   * @param offsets Next offsets to read.
   * @throws {WeirError} `REBALANCE_IN_PROGRESS` before the member joined; the broker's
   *   `FENCED_MEMBER_EPOCH` / `UNKNOWN_MEMBER_ID` when it no longer knows this member.
   */
  commit(offsets: OffsetCommit[]): Promise<void> {
    return this.run(() => this.#commitNow(offsets));
  }

  /**
   * Runs `task` after queued work, only while a member, with a commit
   * function carrying the member id and epoch.
   *
   * @param task The work.
   */
  asMember(task: (commit: CommitFn) => Promise<void>): Promise<void> {
    return this.run(async () => {
      if (this.#state === "joined") await task((o) => this.#commitNow(o));
    });
  }

  /**
   * Leaves the group (`DELETE`) after queued work; stops heartbeating.
   * `before` runs first while still a member (the consumer commits there).
   * Idempotent; does nothing after {@linkcode GroupMembership.stop}.
   *
   * @param before Work to do as a member before leaving.
   */
  async leave(before?: (commit: CommitFn) => Promise<void>): Promise<void> {
    this.#leaving = true;
    this.#cancel();
    if (this.#state === "stopped" || this.#state === "left") return;
    await this.run(async () => {
      this.#cancel();
      if (this.#state === "joined") {
        try {
          await before?.((o) => this.#commitNow(o));
        } finally {
          await this.#deleteMember();
        }
      }
      this.#state = "left";
    });
  }

  /** Stops at once without leaving: no heartbeat, no request (a simulated death). */
  stop(): void {
    this.#state = "stopped";
    this.#cancel();
    this.#controller.abort(
      new WeirError("REQUEST_ABORTED", "Cannot complete the request: the member was stopped"),
    );
  }

  /** True when requests may still be sent. */
  get alive(): boolean {
    return this.#state !== "stopped" && this.#state !== "left";
  }

  #report(e: unknown, context: string): void {
    this.#options.onError?.(toWeirError(e, context));
  }

  #cancel(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  #schedule(delayMs: number, task: () => Promise<void>): void {
    this.#cancel();
    if (this.#leaving || this.#state === "stopped") return;
    const cancel = this.#options.schedule(() => {
      if (this.#cancelTimer !== cancel) return;
      this.#cancelTimer = undefined;
      void this.run(task).catch((e) => this.#report(e, "Cannot run a group task"));
    }, delayMs);
    this.#cancelTimer = cancel;
  }

  #path(suffix = ""): string {
    return `/v1/groups/${encodeURIComponent(this.#options.groupId)}${suffix}`;
  }

  async #join(): Promise<void> {
    if (this.#state !== "joining") return;
    const body: Record<string, unknown> = { topics: this.#topics };
    if (this.#options.instanceId !== undefined) body.instanceId = this.#options.instanceId;
    if (this.#options.sessionTimeoutMs !== undefined) {
      body.sessionTimeoutMs = this.#options.sessionTimeoutMs;
    }
    if (this.#options.rebalanceTimeoutMs !== undefined) {
      body.rebalanceTimeoutMs = this.#options.rebalanceTimeoutMs;
    }
    let reply;
    try {
      reply = await this.#http.json(this.#path("/members"), JoinGroupResponseSchema, {
        method: "POST",
        json: body,
        signal: this.#controller.signal,
        retry: false,
      });
    } catch (e) {
      if (this.#state !== "joining") return;
      const error = toWeirError(e, "Cannot join the group");
      if (error.retriable) {
        const delay = this.#http.backoffMs(this.#joinAttempt++);
        this.#report(error, "Cannot join the group");
        this.#schedule(delay, () => this.#join());
        return;
      }
      this.#state = "failed";
      this.#options.handler.failed(error);
      return;
    }
    if (this.#state !== "joining") return;
    this.#joinAttempt = 0;
    this.#memberId = reply.memberId;
    this.#state = "joined";
    await this.#apply(reply, []);
  }

  async #heartbeat(): Promise<void> {
    if (this.#state !== "joined" || this.#memberId === undefined) return;
    const owned = this.#options.handler.owned();
    let reply: HeartbeatResponse;
    try {
      reply = await this.#http.json(
        this.#path(`/members/${encodeURIComponent(this.#memberId)}/heartbeat`),
        HeartbeatResponseSchema,
        {
          method: "POST",
          json: { memberEpoch: this.#memberEpoch, ownedPartitions: owned },
          signal: this.#controller.signal,
          retry: false,
        },
      );
    } catch (e) {
      if (this.#state !== "joined") return;
      const error = toWeirError(e, "Cannot heartbeat");
      if (error.code === "FENCED_MEMBER_EPOCH" || error.code === "UNKNOWN_MEMBER_ID") {
        this.#report(error, "Cannot heartbeat");
        this.#memberId = undefined;
        this.#memberEpoch = 0;
        this.#state = "joining";
        await this.#options.handler.lost(error);
        await this.#join();
        return;
      }
      if (error.retriable) this.#report(error, "Cannot heartbeat");
      else this.#options.handler.failed(error);
      this.#schedule(this.#intervalMs, () => this.#heartbeat());
      return;
    }
    if (this.#state !== "joined") return;
    this.#heartbeats++;
    await this.#apply(reply, owned);
  }

  /** Takes an answer's epoch and interval, reconciles, schedules the next heartbeat. */
  async #apply(
    reply: { memberEpoch: number; heartbeatIntervalMs: number; assignment: TopicPartitionList[] },
    sent: TopicPartitionList[],
  ): Promise<void> {
    this.#memberEpoch = reply.memberEpoch;
    this.#intervalMs = Math.max(1, reply.heartbeatIntervalMs);
    try {
      await this.#options.handler.reconcile(reply.assignment, (o) => this.#commitNow(o));
    } catch (e) {
      this.#report(e, "Cannot reconcile the assignment");
    }
    if (this.#state !== "joined") return;
    const changed = ownedKey(this.#options.handler.owned()) !== ownedKey(sent);
    this.#schedule(changed ? 0 : this.#intervalMs, () => this.#heartbeat());
  }

  async #commitNow(offsets: OffsetCommit[]): Promise<void> {
    if (this.#state !== "joined" || this.#memberId === undefined) {
      throw new WeirError(
        "REBALANCE_IN_PROGRESS",
        `Cannot commit offsets of group "${this.#options.groupId}": the consumer is not a member now`,
      );
    }
    if (offsets.length === 0) return;
    const response = await this.#http.request(this.#path("/offsets"), {
      method: "POST",
      json: { memberId: this.#memberId, memberEpoch: this.#memberEpoch, offsets },
      signal: this.#controller.signal,
    });
    await response.body?.cancel();
  }

  async #deleteMember(): Promise<void> {
    const memberId = this.#memberId;
    this.#memberId = undefined;
    if (memberId === undefined) return;
    try {
      const response = await this.#http.request(
        this.#path(`/members/${encodeURIComponent(memberId)}`),
        { method: "DELETE", signal: this.#controller.signal },
      );
      await response.body?.cancel();
    } catch (e) {
      this.#report(e, "Cannot leave the group");
    }
  }
}
