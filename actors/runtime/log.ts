/**
 * {@linkcode getLogger} for actor code: logtape on the main thread, a
 * forwarder without logtape inside actor Workers.
 *
 * Every partition is a Worker with its own isolate, and importing logtape
 * there starts Deno's Node compatibility layer (≈ 2 MB per Worker, measured
 * with `bench/compare/worker_memory.ts`). So actor code imports its logger
 * from here: on the main thread this module loads `@logtape/logtape` at import
 * (top-level await) and hands out its loggers unchanged; inside a Worker it
 * never loads it, and records of level info and above go to the sink that
 * {@linkcode forwardWorkerLogs} installs (the runtime posts them to the host,
 * which re-emits them with {@linkcode emitForwarded} under its own logtape
 * configuration). Records logged in a Worker before a sink is installed are
 * dropped.
 *
 * @module
 */

/** Levels as logtape names them. */
export type LogLevel = "trace" | "debug" | "info" | "warning" | "error" | "fatal";

/** The part of a logtape `Logger` actor code uses: a message template and its properties. */
export interface ActorLogger {
  /** Logs at level debug. */
  debug(message: string, properties?: Record<string, unknown>): void;
  /** Logs at level info. */
  info(message: string, properties?: Record<string, unknown>): void;
  /** Logs at level warning. */
  warn(message: string, properties?: Record<string, unknown>): void;
  /** Logs at level error. */
  error(message: string, properties?: Record<string, unknown>): void;
}

/** A log record as it crosses the Worker boundary: plain, structured-cloneable data. */
export interface ForwardedLog {
  /** Logger category, e.g. `["weir", "log"]`. */
  readonly category: readonly string[];
  /** Level. */
  readonly level: LogLevel;
  /** The message with its `{placeholders}` filled in. */
  readonly message: string;
  /** Properties, each made cloneable (errors become `Name: message`). */
  readonly properties: Record<string, unknown>;
  /** Wall-clock time (ms since the epoch) when logged. */
  readonly timestamp: number;
}

import { systemClock } from "./clock.ts";

declare const WorkerGlobalScope: (abstract new () => unknown) | undefined;

/** True inside a Web Worker (an actor's Worker), false on the main thread. */
const IN_WORKER = typeof WorkerGlobalScope !== "undefined" &&
  globalThis instanceof WorkerGlobalScope;

const logtape = IN_WORKER ? undefined : await import("@logtape/logtape");

let sink: ((record: ForwardedLog) => void) | undefined;

/**
 * Sends this Worker's log records (info and above) to `send`; replaces the
 * previous sink. Called once by the runtime in each actor Worker.
 *
 * @param send Receives each record (e.g. posts it to the host).
 */
export function forwardWorkerLogs(send: (record: ForwardedLog) => void): void {
  sink = send;
}

/**
 * A logger for `category`: logtape's on the main thread, a forwarder inside
 * a Worker.
 *
 * @param category Logger category, e.g. `["weir", "partition"]`.
 * @returns The logger.
 */
export function getLogger(category: readonly string[]): ActorLogger {
  if (logtape !== undefined) return logtape.getLogger(category);
  const emit = (level: LogLevel, message: string, properties: Record<string, unknown> = {}) => {
    const send = sink;
    if (send === undefined) return;
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(properties)) props[k] = cloneable(v);
    send({
      category: [...category],
      level,
      message: render(message, props),
      properties: props,
      timestamp: systemClock.now(), // wall time of the record, as logtape stamps it
    });
  };
  return {
    debug: () => {}, // below the forwarded level (info), as before
    info: (message, properties) => emit("info", message, properties),
    warn: (message, properties) => emit("warning", message, properties),
    error: (message, properties) => emit("error", message, properties),
  };
}

/**
 * Re-emits a record forwarded from a Worker on this thread's logtape
 * configuration, with `extra` properties added (e.g. the actor's name). A
 * no-op inside a Worker.
 *
 * @param record The forwarded record.
 * @param extra Properties to add.
 */
export function emitForwarded(record: ForwardedLog, extra: Record<string, unknown> = {}): void {
  if (logtape === undefined) return;
  logtape.getLogger([...record.category]).emit({
    level: record.level,
    message: [record.message],
    rawMessage: record.message,
    timestamp: record.timestamp,
    properties: { ...record.properties, ...extra },
  });
}

/** Fills `{name}` placeholders from `properties` (unknown names stay as written). */
function render(message: string, properties: Record<string, unknown>): string {
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => {
    if (!Object.hasOwn(properties, name)) return whole;
    const value = properties[name];
    if (typeof value === "string") return value;
    try {
      return JSON.stringify(value) ?? String(value);
    } catch {
      return String(value); // bigint, cycles
    }
  });
}

/** Plain data a log property can cross the Worker boundary as. */
function cloneable(value: unknown): unknown {
  if (value === null || ["string", "number", "boolean", "undefined"].includes(typeof value)) {
    return value;
  }
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return structuredClone(value);
  } catch {
    return String(value);
  }
}
