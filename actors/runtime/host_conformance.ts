/**
 * One conformance suite for actor hosts: the Worker host and the inline host
 * must behave the same. Called from `worker_host_test.ts` and
 * `inline_host_test.ts`; each may skip a case by name, with a reason.
 *
 * @module
 */
import { assert, assertEquals, assertInstanceOf, assertRejects } from "@std/assert";
import { join } from "node:path";
import type { TestActorInit, TestMessage } from "./_test_actor.ts";
import { FakeClock } from "./clock.ts";
import { ActorError } from "./errors.ts";
import { sequentialIds } from "./ids.ts";
import type { ActorRef } from "./ref.ts";
import {
  type ActorFailedEvent,
  type ActorRestartedEvent,
  ActorSystem,
  type ActorSystemOptions,
  type HostSpec,
} from "./system.ts";

/** Options of {@linkcode runHostConformance}. */
export interface HostConformanceOptions {
  /** How to host the test actor (`_test_actor.ts` / `_test_actor_worker.ts`). */
  readonly host: HostSpec<TestActorInit>;
  /** Cases to skip, by name, each with the reason. */
  readonly skip?: Readonly<Record<string, string>>;
}

/**
 * Polls `check` until it returns true, failing after `ms` (real time) with
 * what was awaited.
 *
 * @param what description for the failure message
 * @param check the condition
 * @param ms deadline (default 10 s)
 */
export async function pollUntil(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Cannot wait for ${what}: not true within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Awaits `promise` and returns its error code (fails when it resolves). */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await assertRejects(() => promise);
  return String((error as { code?: unknown }).code);
}

/**
 * Registers the host conformance tests for one host.
 *
 * @param name host name used in test names
 * @param options the host spec and skips
 */
export function runHostConformance(name: string, options: HostConformanceOptions): void {
  const { host } = options;
  const skip = options.skip ?? {};

  const test = (title: string, fn: () => Promise<void>) => {
    const reason = skip[title];
    Deno.test({
      name: `${name} host: ${title}${reason === undefined ? "" : ` (skipped: ${reason})`}`,
      ignore: reason !== undefined,
      fn,
    });
  };

  const spawn = (
    system: ActorSystem,
    id = "a",
    init: TestActorInit = {},
  ): Promise<ActorRef<TestMessage>> =>
    system.spawn({ kind: "test", id, host, init }) as Promise<ActorRef<TestMessage>>;

  /** A system with a fake clock plus recorded supervision events. */
  const supervised = (extra: Partial<ActorSystemOptions> = {}) => {
    const clock = new FakeClock(1_000_000);
    const restarted: ActorRestartedEvent[] = [];
    const failed: ActorFailedEvent[] = [];
    const system = new ActorSystem({
      clock,
      ids: sequentialIds("i-"),
      seed: 7,
      onActorRestarted: (e) => restarted.push(e),
      onActorFailed: (e) => failed.push(e),
      ...extra,
    });
    return { clock, restarted, failed, system };
  };

  test("ask() answers and tell() keeps the order of one sender", async () => {
    await using system = new ActorSystem();
    const ref = await spawn(system);
    assertEquals(await ref.ask({ type: "echo", value: { a: [1, 2] } }), { a: [1, 2] });
    for (let i = 0; i < 50; i++) ref.tell({ type: "append", value: i });
    const asked = ref.ask({ type: "append", value: "last" });
    assertEquals(await asked, 51);
    const log = await ref.ask<unknown[]>({ type: "log" });
    assertEquals(log, [...Array.from({ length: 50 }, (_, i) => i), "last"]);
  });

  test("ask() of an async receive blocks the mailbox until it settles", async () => {
    await using system = new ActorSystem();
    const ref = await spawn(system);
    const slow = ref.ask({ type: "slowAppend", value: "slow", ms: 20 });
    const fast = ref.ask({ type: "append", value: "fast" });
    assertEquals(await Promise.all([slow, fast]), [1, 2]);
    assertEquals(await ref.ask({ type: "log" }), ["slow", "fast"]);
  });

  test("ask() of a deferred reply lets later messages proceed", async () => {
    await using system = new ActorSystem();
    const ref = await spawn(system);
    let parkedDone = false;
    const parked = ref.ask<string>({ type: "park", key: "p" }).then((v) => {
      parkedDone = true;
      return v;
    });
    assertEquals(await ref.ask({ type: "echo", value: 1 }), 1);
    assertEquals(parkedDone, false);
    assertEquals(await ref.ask({ type: "release", key: "p", value: "woken" }), true);
    assertEquals(await parked, "woken");
  });

  test("ask() transfers buffers both ways", async () => {
    await using system = new ActorSystem();
    const ref = await spawn(system);
    const bytes = new Uint8Array(1024).fill(3);
    const reply = await ref.ask({ type: "sum", bytes }, { transfer: [bytes.buffer] });
    assertEquals(bytes.byteLength, 0, "the sender's buffer is detached");
    assertEquals(reply, { sum: 3072, length: 1024 });
    const got = await ref.ask<Uint8Array>({ type: "bytes", size: 300 });
    assertInstanceOf(got, Uint8Array);
    assertEquals(got.byteLength, 300);
    assertEquals(got[299], 299 & 0xff);
    const told = new Uint8Array(64);
    ref.tell({ type: "append", value: told }, { transfer: [told.buffer] });
    assertEquals(told.byteLength, 0);
  });

  test("ask() of a message that cannot be cloned fails alone; pipelined asks keep order", async () => {
    await using system = new ActorSystem();
    const ref = await spawn(system);
    const sent = Array.from(
      { length: 20 },
      (_, i) => ref.ask<number>({ type: "append", value: i }),
    );
    const bad = ref.ask({ type: "echo", value: () => {} } as unknown as TestMessage);
    const after = ref.ask<number>({ type: "append", value: 20 });
    await assertRejects(() => bad);
    assertEquals(await Promise.all(sent), Array.from({ length: 20 }, (_, i) => i + 1));
    assertEquals(await after, 21);
    assertEquals(
      await ref.ask({ type: "log" }),
      Array.from({ length: 21 }, (_, i) => i),
    );
  });

  test("ask() rebuilds the actor's error with its code via makeError", async () => {
    class CustomError extends Error {
      constructor(readonly code: string, message: string) {
        super(message);
      }
    }
    await using system = new ActorSystem({
      makeError: (code, message) => new CustomError(code, message),
    });
    const ref = await spawn(system);
    const sync = await assertRejects(() =>
      ref.ask({ type: "fail", code: "SOME_CODE", message: "Cannot do it: told to" })
    );
    assertInstanceOf(sync, CustomError);
    assertEquals([sync.code, sync.message], ["SOME_CODE", "Cannot do it: told to"]);
    assertEquals(
      await codeOf(ref.ask({ type: "failAsync", code: "OTHER", message: "x" })),
      "OTHER",
    );
    assertEquals(
      await codeOf(ref.ask({ type: "throwPlain", message: "plain" })),
      "UNKNOWN_SERVER_ERROR",
    );
    assertEquals(await ref.ask({ type: "echo", value: "still alive" }), "still alive");
  });

  test("ask() fails with REQUEST_TIMED_OUT when the deadline passes", async () => {
    const { clock, system } = supervised();
    await using _ = system;
    const ref = await spawn(system);
    const never = ref.ask({ type: "never" }, { timeoutMs: 250 });
    clock.advance(249);
    let settled = false;
    never.then(() => settled = true, () => settled = true);
    assertEquals(await ref.ask({ type: "echo", value: 1 }, { timeoutMs: 1 }), 1);
    assertEquals(settled, false);
    clock.advance(1);
    const error = await assertRejects(() => never);
    assertInstanceOf(error, ActorError);
    assertEquals(error.code, "REQUEST_TIMED_OUT");
  });

  test("ask() of a missing actor fails with ACTOR_STOPPED; tell() is dropped", async () => {
    await using system = new ActorSystem();
    const ref = system.lookup<TestMessage>("test", "nobody");
    assertEquals(await codeOf(ref.ask({ type: "echo", value: 1 })), "ACTOR_STOPPED");
    ref.tell({ type: "append", value: 1 });
    assertEquals(system.has("test", "nobody"), false);
  });

  test("spawn() rejects a duplicate id and a failing start()", async () => {
    await using system = new ActorSystem();
    await spawn(system, "dup");
    assertEquals(await codeOf(spawn(system, "dup")), "INVALID_REQUEST");
    assertEquals(
      await codeOf(spawn(system, "bad", { failStartCode: "START_FAILED" })),
      "START_FAILED",
    );
    assertEquals(system.has("test", "bad"), false);
    assertEquals(system.has("test", "dup"), true);
  });

  test("a crash fails in-flight asks with ACTOR_RESTARTED and the actor restarts", async () => {
    const { clock, restarted, system } = supervised();
    await using _ = system;
    const ref = await spawn(system);
    const before = await ref.ask<string>({ type: "instance" });
    const inFlight = ref.ask({ type: "never" });
    ref.tell({ type: "crash", message: "boom" });
    assertEquals(await codeOf(inFlight), "ACTOR_RESTARTED");
    assertEquals(await codeOf(ref.ask({ type: "echo", value: 1 })), "ACTOR_RESTARTED");
    clock.advance(99);
    assertEquals(restarted.length, 0);
    clock.advance(1); // default initial backoff: 100 ms
    await pollUntil("the restart event", () => restarted.length === 1);
    assertEquals(restarted[0]?.restarts, 1);
    assertEquals(restarted[0]?.error.message, "boom");
    const after = await ref.ask<string>({ type: "instance" });
    assert(after !== before, "a new logic instance answers");
    assertEquals(await ref.ask({ type: "echo", value: "back" }), "back");
    assertEquals(system.restartCounts(), { test: 1 });
  });

  test("a throwing ctx.clock timer is a crash too", async () => {
    const { clock, restarted, system } = supervised();
    await using _ = system;
    const ref = await spawn(system);
    const inFlight = ref.ask({ type: "never" });
    ref.tell({ type: "crashInTimer", message: "timer boom" });
    await ref.ask({ type: "echo", value: "timer set" });
    clock.advance(0); // inline: fires the fake timer; a Worker's real timer fires on its own
    assertEquals(await codeOf(inFlight), "ACTOR_RESTARTED");
    clock.advance(100);
    await pollUntil("the restart event", () => restarted.length === 1);
    assertEquals(restarted[0]?.error.message, "timer boom");
  });

  test("a crash loop stops restarting, reports, and asks get ACTOR_STOPPED", async () => {
    const { clock, restarted, failed, system } = supervised({
      restartPolicy: { maxRestarts: 2, windowMs: 60_000, initialBackoffMs: 10 },
    });
    await using _ = system;
    const ref = await spawn(system);
    for (let i = 1; i <= 2; i++) {
      const inFlight = ref.ask({ type: "never" });
      ref.tell({ type: "crash", message: `boom ${i}` });
      assertEquals(await codeOf(inFlight), "ACTOR_RESTARTED");
      clock.advance(10 * 2 ** (i - 1));
      await pollUntil(`restart ${i}`, () => restarted.length === i);
    }
    const inFlight = ref.ask({ type: "never" });
    ref.tell({ type: "crash", message: "boom 3" });
    assertEquals(await codeOf(inFlight), "ACTOR_STOPPED");
    assertEquals(failed.length, 1);
    assertEquals(failed[0]?.restarts, 2);
    assertEquals(failed[0]?.error.message, "boom 3");
    assertEquals(system.has("test", "a"), false);
    assertEquals(await codeOf(ref.ask({ type: "echo", value: 1 })), "ACTOR_STOPPED");
    assertEquals(clock.pendingTimers, 0, "no restart is scheduled");
  });

  test("stop() runs the stop hook, answers parked asks, then refuses", async () => {
    const dir = await Deno.makeTempDir();
    try {
      await using system = new ActorSystem();
      const marker = join(dir, "a.stopped");
      const ref = await spawn(system, "a", { stopMarkerPath: marker, answerParkedOnStop: "bye" });
      const parked = ref.ask({ type: "park", key: "x" });
      const unanswered = codeOf(ref.ask({ type: "never" }));
      const stopping = system.stop("test", "a");
      assertEquals(await codeOf(ref.ask({ type: "echo", value: 1 })), "ACTOR_STOPPED");
      await Promise.all([stopping, system.stop("test", "a")]);
      assertEquals(await parked, "bye");
      assertEquals(await unanswered, "ACTOR_STOPPED");
      assertEquals(await Deno.readTextFile(marker), "stopped");
      assertEquals(system.has("test", "a"), false);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  test("close() drains, calls every stop hook, refuses spawns and is idempotent", async () => {
    const dir = await Deno.makeTempDir();
    try {
      const system = new ActorSystem();
      const refs = await Promise.all(
        ["a", "b", "c"].map((id) => spawn(system, id, { stopMarkerPath: join(dir, id) })),
      );
      const queued = refs.map((ref, i) => ref.ask({ type: "slowAppend", value: i, ms: 5 }));
      await system.close();
      assertEquals(await Promise.all(queued), [1, 1, 1]);
      for (const id of ["a", "b", "c"]) {
        assertEquals(await Deno.readTextFile(join(dir, id)), "stopped");
      }
      await system.close();
      await system[Symbol.asyncDispose]();
      assertEquals(await codeOf(spawn(system, "d")), "ACTOR_STOPPED");
      assertEquals(await codeOf(refs[0]!.ask({ type: "echo", value: 1 })), "ACTOR_STOPPED");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  test("ctx.lookup() asks another actor through the system", async () => {
    await using system = new ActorSystem();
    const a = await spawn(system, "a");
    await spawn(system, "b");
    const forwarded = await a.ask({
      type: "forward",
      kind: "test",
      id: "b",
      message: { type: "echo", value: "via b" },
    });
    assertEquals(forwarded, "via b");
    const error = await codeOf(a.ask({
      type: "forward",
      kind: "test",
      id: "b",
      message: { type: "fail", code: "DEEP", message: "Cannot go deeper: no" },
    }));
    assertEquals(error, "DEEP");
    assertEquals(
      await codeOf(a.ask({
        type: "forward",
        kind: "test",
        id: "missing",
        message: { type: "echo", value: 1 },
      })),
      "ACTOR_STOPPED",
    );
    const bytes = new Uint8Array(100).fill(2);
    const viaA = await a.ask(
      { type: "forwardBytes", kind: "test", id: "b", bytes },
      { transfer: [bytes.buffer] },
    );
    assertEquals(viaA, { reply: { sum: 200, length: 100 }, detachedHere: true });
  });
}
