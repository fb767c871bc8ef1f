import { WeirError } from "./errors.ts";

/** A topic configuration value as users may give it: a number, or a Kafka-style string. */
export type ConfigInput = number | string | boolean;

/** Typed topic configuration, keyed by Kafka's names. */
export interface TopicConfigs {
  "cleanup.policy": "delete" | "compact" | "compact,delete";
  "retention.ms": number;
  "retention.bytes": number;
  "segment.bytes": number;
  "segment.ms": number;
  "max.message.bytes": number;
  "min.insync.replicas": number;
  "delete.retention.ms": number;
  "message.timestamp.type": "CreateTime" | "LogAppendTime";
  "index.interval.bytes": number;
}

/** A topic config name. */
export type TopicConfigName = keyof TopicConfigs;

interface NumberSpec {
  kind: "number";
  min: number;
  max?: number;
  default: number;
  doc: string;
}
interface EnumSpec {
  kind: "enum";
  values: readonly string[];
  default: string;
  doc: string;
}

const DAY = 86_400_000;

/** Every topic config Weir knows, with Kafka's defaults and bounds. */
export const TOPIC_CONFIG_SPECS: { readonly [K in TopicConfigName]: NumberSpec | EnumSpec } = {
  "cleanup.policy": {
    kind: "enum",
    values: ["delete", "compact", "compact,delete"],
    default: "delete",
    doc: "delete old segments, compact by key, or both",
  },
  "retention.ms": { kind: "number", min: -1, default: 7 * DAY, doc: "-1 = keep forever" },
  "retention.bytes": { kind: "number", min: -1, default: -1, doc: "-1 = no size limit" },
  "segment.bytes": {
    kind: "number",
    min: 14,
    max: 2 ** 31 - 1,
    default: 1024 ** 3,
    doc: "roll a new segment at this size",
  },
  "segment.ms": {
    kind: "number",
    min: 1,
    default: 7 * DAY,
    doc: "roll a new segment after this time",
  },
  "max.message.bytes": {
    kind: "number",
    min: 0,
    max: 2 ** 31 - 1,
    default: 1_048_588,
    doc: "largest record batch accepted",
  },
  "min.insync.replicas": {
    kind: "number",
    min: 1,
    default: 1,
    doc: "replicas needed for acks=all",
  },
  "delete.retention.ms": { kind: "number", min: 0, default: DAY, doc: "how long tombstones live" },
  "message.timestamp.type": {
    kind: "enum",
    values: ["CreateTime", "LogAppendTime"],
    default: "CreateTime",
    doc: "keep the producer's timestamp or stamp the broker's",
  },
  "index.interval.bytes": {
    kind: "number",
    min: 0,
    max: 2 ** 31 - 1,
    default: 4096,
    doc: "bytes between offset index entries",
  },
};

/** The defaults of every topic config. */
export function defaultTopicConfigs(): TopicConfigs {
  const out: Record<string, number | string> = {};
  for (const [name, spec] of Object.entries(TOPIC_CONFIG_SPECS)) out[name] = spec.default;
  return out as unknown as TopicConfigs;
}

function invalid(name: string, reason: string): WeirError {
  return new WeirError("INVALID_CONFIG", `Cannot set topic config "${name}": ${reason}`);
}

/**
 * Validates and types user-given configs (numbers or Kafka-style strings).
 *
 * @param input Config name → value, e.g. `{ "retention.ms": "86400000" }`.
 * @returns The typed subset that was given.
 * @throws {WeirError} `INVALID_CONFIG` for an unknown name or a bad value.
 *
 * @example Strings become numbers
 * ```ts
 * import { parseTopicConfigs } from "weir/client";
 * import { assertEquals } from "@std/assert";
 *
 * assertEquals(parseTopicConfigs({ "retention.ms": "86400000" }), { "retention.ms": 86400000 });
 * ```
 */
export function parseTopicConfigs(input: Record<string, ConfigInput>): Partial<TopicConfigs> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new WeirError("INVALID_CONFIG", "Cannot set topic configs: configs must be an object");
  }
  const out: Record<string, number | string> = {};
  for (const [name, raw] of Object.entries(input)) {
    if (!Object.hasOwn(TOPIC_CONFIG_SPECS, name)) throw invalid(name, "unknown config");
    const spec = TOPIC_CONFIG_SPECS[name as TopicConfigName];
    if (spec.kind === "enum") {
      if (typeof raw !== "string" || !spec.values.includes(raw)) {
        throw invalid(name, `expected one of ${spec.values.join(", ")}`);
      }
      out[name] = raw;
      continue;
    }
    const n = typeof raw === "number"
      ? raw
      : typeof raw === "string" && /^-?\d+$/.test(raw.trim())
      ? Number(raw.trim())
      : Number.NaN;
    if (!Number.isSafeInteger(n)) {
      throw invalid(name, `expected an integer, got ${JSON.stringify(raw)}`);
    }
    if (n < spec.min) throw invalid(name, `must be at least ${spec.min}`);
    if (spec.max !== undefined && n > spec.max) throw invalid(name, `must be at most ${spec.max}`);
    out[name] = n;
  }
  return out as Partial<TopicConfigs>;
}
