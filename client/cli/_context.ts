/**
 * What every CLI command runs with: output streams, global options and a
 * lazily opened connection (so `--help` and usage errors never touch the
 * network).
 *
 * @module
 */
import { connect, type Weir } from "../mod.ts";
import { HttpClient } from "../http.ts";
import type { FlagSpecs, ParsedArgs } from "./_args.ts";

/** Where the CLI reads and writes. */
export interface CliIo {
  /** Writes to standard output. */
  out(text: string): Promise<void>;
  /** Writes to standard error. */
  err(text: string): Promise<void>;
  /** Standard input. */
  stdin(): ReadableStream<Uint8Array>;
  /** Whether standard error is a terminal (progress lines are shown only then). */
  readonly stderrIsTerminal: boolean;
  /** Whether standard output is a terminal. */
  readonly stdoutIsTerminal: boolean;
}

/** One command, e.g. `topics create`. */
export interface Command {
  /** The command words, e.g. `topics create`. */
  readonly name: string;
  /** Arguments after the name in the usage line, e.g. `<name> [options]`. */
  readonly usage: string;
  /** One line shown in lists. */
  readonly summary: string;
  /** Longer help text (examples), optional. */
  readonly details?: string;
  /** Options of this command (global ones are added by the dispatcher). */
  readonly flags: FlagSpecs;
  /** Runs it; throws `UsageError` for bad input, `WeirError` for API failures. */
  run(args: ParsedArgs, ctx: CliContext): Promise<void>;
}

/** Settings shared by all commands. */
export interface CliSettings {
  /** Broker base URL. */
  url: string;
  /** API key sent as a bearer token. */
  apiKey: string | undefined;
  /** `--json`: one JSON object per line instead of tables. */
  json: boolean;
}

/** The environment of one CLI run; closes its connection on dispose. */
export class CliContext implements AsyncDisposable {
  /** Output streams. */
  readonly io: CliIo;
  /** `--json` was given. */
  readonly json: boolean;
  readonly #settings: CliSettings;
  #weir: Promise<Weir> | undefined;
  #http: HttpClient | undefined;
  #closing: Promise<void> | undefined;

  /**
   * Creates a context; nothing is opened until a command asks.
   *
   * @param io Output streams.
   * @param settings URL, API key, output mode.
   */
  constructor(io: CliIo, settings: CliSettings) {
    this.io = io;
    this.#settings = settings;
    this.json = settings.json;
  }

  /** Connects the SDK on first use (checking `/healthz`). */
  weir(): Promise<Weir> {
    this.#weir ??= connect({ url: this.#settings.url, retry: { retries: 2 }, ...this.#auth() });
    return this.#weir;
  }

  /** A plain HTTP client for the few routes the SDK has no method for. */
  http(): HttpClient {
    this.#http ??= new HttpClient({
      url: this.#settings.url,
      retry: { retries: 2 },
      ...this.#auth(),
    });
    return this.#http;
  }

  /** Writes one JSON value as a line to standard output. */
  jsonLine(value: unknown): Promise<void> {
    return this.io.out(JSON.stringify(value) + "\n");
  }

  /** Closes the connection if one was opened. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#http?.close();
      const weir = await this.#weir?.catch(() => undefined);
      await weir?.close();
    })();
    return this.#closing;
  }

  /** Same as {@linkcode CliContext.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #auth(): { apiKey?: string } {
    return this.#settings.apiKey === undefined ? {} : { apiKey: this.#settings.apiKey };
  }
}
