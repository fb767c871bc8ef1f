/**
 * A small actor used by the runtime's own tests and benchmarks. It exercises
 * every shape `receive()` can return. Private to actors/runtime (tests and
 * bench only).
 *
 * @module
 */
import { getLogger } from "./log.ts";
import type { ActorContext, ActorLogic } from "./actor.ts";
import type { Deferred } from "./deferred.ts";
import { ActorError } from "./errors.ts";
import { withTransfer } from "./transfer.ts";

/** Init of the test actor. */
export interface TestActorInit {
  /** When set, `start()` throws an error with this code. */
  readonly failStartCode?: string;
  /** When set, the stop hook writes this file (proves it ran, even in a Worker). */
  readonly stopMarkerPath?: string;
  /** When set, the stop hook answers parked asks with this value. */
  readonly answerParkedOnStop?: string;
}

/** Messages of the test actor. */
export type TestMessage =
  | { type: "echo"; value: unknown }
  | { type: "append"; value: unknown }
  | { type: "slowAppend"; value: unknown; ms: number }
  | { type: "log" }
  | { type: "logInfo"; name: string }
  | { type: "park"; key: string }
  | { type: "release"; key: string; value: unknown }
  | { type: "never" }
  | { type: "sum"; bytes: Uint8Array<ArrayBuffer> }
  | { type: "size"; bytes: Uint8Array<ArrayBuffer> }
  | { type: "bytes"; size: number }
  | { type: "fail"; code: string; message: string }
  | { type: "failAsync"; code: string; message: string }
  | { type: "throwPlain"; message: string }
  | { type: "crash"; message: string }
  | { type: "crashUncaught"; message: string }
  | { type: "crashRejection"; message: string }
  | { type: "crashInTimer"; message: string }
  | { type: "instance" }
  | { type: "now" }
  | { type: "timer"; ms: number }
  | { type: "forward"; kind: string; id: string; message: TestMessage; timeoutMs?: number }
  | { type: "forwardBytes"; kind: string; id: string; bytes: Uint8Array<ArrayBuffer> };

/**
 * Builds the test actor's logic.
 *
 * @param init behaviour switches
 * @returns the logic
 */
export function createTestActor(init: TestActorInit = {}): ActorLogic {
  const log: unknown[] = [];
  const parked = new Map<string, Deferred<unknown>>();
  let instance = "";
  return {
    start(ctx: ActorContext): void {
      if (init.failStartCode !== undefined) {
        throw new ActorError(init.failStartCode, `Cannot start "${ctx.kind}/${ctx.id}": told to`);
      }
      instance = ctx.ids.next();
    },
    receive(raw: unknown, ctx: ActorContext): unknown {
      const message = raw as TestMessage;
      switch (message.type) {
        case "echo":
          return message.value;
        case "append":
          log.push(message.value);
          return log.length;
        case "slowAppend":
          return new Promise<number>((resolve) => {
            ctx.clock.setTimeout(() => resolve(log.push(message.value)), message.ms);
          });
        case "log":
          return [...log];
        case "logInfo":
          getLogger(["weir", "test"]).info("Hello {name}", { name: message.name });
          return true;
        case "park": {
          const deferred = ctx.defer<unknown>();
          parked.set(message.key, deferred);
          return deferred;
        }
        case "release": {
          const deferred = parked.get(message.key);
          parked.delete(message.key);
          deferred?.resolve(message.value);
          return deferred !== undefined;
        }
        case "never":
          return ctx.defer<unknown>();
        case "sum": {
          let sum = 0;
          for (const b of message.bytes) sum += b;
          return { sum, length: message.bytes.byteLength };
        }
        case "size":
          return message.bytes.byteLength;
        case "bytes": {
          const bytes = new Uint8Array(message.size).map((_, i) => i & 0xff);
          return withTransfer(bytes, [bytes.buffer]);
        }
        case "fail":
          throw new ActorError(message.code, message.message);
        case "failAsync":
          return Promise.reject(new ActorError(message.code, message.message));
        case "throwPlain":
          throw new Error(message.message);
        case "crash":
          ctx.fail(new Error(message.message));
          return undefined;
        case "crashUncaught":
          queueMicrotask(() => {
            throw new Error(message.message);
          });
          return undefined;
        case "crashRejection":
          Promise.reject(new Error(message.message));
          return undefined;
        case "crashInTimer":
          ctx.clock.setTimeout(() => {
            throw new Error(message.message);
          }, 0);
          return undefined;
        case "instance":
          return instance;
        case "now":
          return ctx.clock.now();
        case "timer": {
          const deferred = ctx.defer<number>();
          ctx.clock.setTimeout(() => deferred.resolve(ctx.clock.now()), message.ms);
          return deferred;
        }
        case "forward": {
          const ref = ctx.lookup<TestMessage>(message.kind, message.id);
          return message.timeoutMs === undefined
            ? ref.ask(message.message)
            : ref.ask(message.message, { timeoutMs: message.timeoutMs });
        }
        case "forwardBytes": {
          const ref = ctx.lookup<TestMessage>(message.kind, message.id);
          const bytes = message.bytes;
          return ref.ask({ type: "sum", bytes }, { transfer: [bytes.buffer] }).then((r) => ({
            reply: r,
            detachedHere: bytes.byteLength === 0,
          }));
        }
      }
    },
    async stop(): Promise<void> {
      if (init.answerParkedOnStop !== undefined) {
        for (const deferred of parked.values()) deferred.resolve(init.answerParkedOnStop);
      }
      if (init.stopMarkerPath !== undefined) {
        await Deno.writeTextFile(init.stopMarkerPath, "stopped");
      }
    },
  };
}
