/**
 * One conformance suite for every {@linkcode Transport}: in-process now, NATS
 * later. Each implementation's test calls {@linkcode runTransportConformance}
 * with a fixture factory, skipping cases by name with a reason.
 *
 * @module
 */
import { assertEquals, assertRejects } from "@std/assert";
import type { ActorContext, ActorFactory } from "./actor.ts";
import type { ActorAddress } from "./envelope.ts";
import type { Transport } from "./transport.ts";

/** What a fixture provides: a sending transport and a way to serve actors behind it. */
export interface TransportFixture extends AsyncDisposable {
  /** The transport under test (the sending side). */
  readonly transport: Transport;
  /** Makes an actor built by `factory` reachable at `address` through `transport`. */
  serve(address: ActorAddress, factory: ActorFactory<undefined>): Promise<void>;
}

/** Options of {@linkcode runTransportConformance}. */
export interface TransportConformanceOptions {
  /** Cases to skip, by name, each with the reason. */
  readonly skip?: Readonly<Record<string, string>>;
}

/** Messages of the suite's echo actor. */
type EchoMessage =
  | { type: "echo"; value: unknown }
  | { type: "record"; value: unknown }
  | { type: "recorded" }
  | { type: "reverse"; bytes: Uint8Array }
  | { type: "fail"; code: string; message: string }
  | { type: "never" };

const echoActor: ActorFactory<undefined> = () => {
  const recorded: unknown[] = [];
  return {
    receive(raw: unknown, ctx: ActorContext): unknown {
      const message = raw as EchoMessage;
      switch (message.type) {
        case "echo":
          return { echo: message.value };
        case "record":
          recorded.push(message.value);
          return undefined;
        case "recorded":
          return [...recorded];
        case "reverse":
          return Uint8Array.from(message.bytes).reverse();
        case "fail":
          throw Object.assign(new Error(message.message), { code: message.code });
        case "never":
          return ctx.defer();
      }
    },
  };
};

async function codeAndMessage(promise: Promise<unknown>): Promise<[string, string]> {
  const error = await assertRejects(() => promise) as { code?: unknown; message?: unknown };
  return [String(error.code), String(error.message)];
}

/**
 * Registers the transport conformance tests.
 *
 * @param name transport name used in test names
 * @param makeTransport builds a fresh fixture per test (closed by the suite)
 * @param options skips with reasons
 */
export function runTransportConformance(
  name: string,
  makeTransport: () => Promise<TransportFixture>,
  options: TransportConformanceOptions = {},
): void {
  const skip = options.skip ?? {};
  const target = { kind: "echo", id: "e-1" };

  const test = (title: string, fn: (fixture: TransportFixture) => Promise<void>) => {
    const reason = skip[title];
    Deno.test({
      name: `${name} transport: ${title}${reason === undefined ? "" : ` (skipped: ${reason})`}`,
      ignore: reason !== undefined,
      fn: async () => {
        await using fixture = await makeTransport();
        await fixture.serve(target, echoActor);
        await fn(fixture);
      },
    });
  };

  test("ask() gets the reply", async ({ transport }) => {
    const reply = await transport.ask(target, { type: "echo", value: { n: 1, s: "é" } }, {
      timeoutMs: 5_000,
    });
    assertEquals(reply, { echo: { n: 1, s: "é" } });
  });

  test("tell() delivers in order before a later ask()", async ({ transport }) => {
    for (let i = 0; i < 20; i++) transport.tell(target, { type: "record", value: i });
    const recorded = await transport.ask(target, { type: "recorded" }, { timeoutMs: 5_000 });
    assertEquals(recorded, Array.from({ length: 20 }, (_, i) => i));
  });

  test("ask() round-trips binary payloads byte for byte", async ({ transport }) => {
    const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff);
    const expected = Uint8Array.from(bytes).reverse();
    const reply = await transport.ask(target, { type: "reverse", bytes }, {
      timeoutMs: 5_000,
      transfer: [bytes.buffer],
    });
    assertEquals(reply instanceof Uint8Array, true);
    assertEquals(reply, expected);
  });

  test("ask() rejects with the actor's error code and message", async ({ transport }) => {
    const sent = transport.ask(target, {
      type: "fail",
      code: "TEST_FAILURE",
      message: 'Cannot do "x": told to',
    }, { timeoutMs: 5_000 });
    assertEquals(await codeAndMessage(sent), ["TEST_FAILURE", 'Cannot do "x": told to']);
  });

  test("ask() rejects with REQUEST_TIMED_OUT after timeoutMs", async ({ transport }) => {
    const started = performance.now();
    const [code] = await codeAndMessage(
      transport.ask(target, { type: "never" }, { timeoutMs: 100 }),
    );
    assertEquals(code, "REQUEST_TIMED_OUT");
    assertEquals(performance.now() - started >= 90, true, "not before the deadline");
  });

  test("ask() of an unknown target rejects with ACTOR_STOPPED", async ({ transport }) => {
    const sent = transport.ask({ kind: "echo", id: "nobody" }, { type: "echo", value: 1 }, {
      timeoutMs: 5_000,
    });
    assertEquals((await codeAndMessage(sent))[0], "ACTOR_STOPPED");
    transport.tell({ kind: "echo", id: "nobody" }, { type: "record", value: 1 });
  });

  test("close() is idempotent and later asks reject with ACTOR_STOPPED", async ({ transport }) => {
    await transport.close();
    await transport.close();
    const sent = transport.ask(target, { type: "echo", value: 1 }, { timeoutMs: 5_000 });
    assertEquals((await codeAndMessage(sent))[0], "ACTOR_STOPPED");
  });
}
