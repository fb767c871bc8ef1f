/**
 * Typed topics: a topic name plus a codec for keys and one for values. A
 * codec is a zod schema (JSON text, validated on send and on receive),
 * `"json"` (any JSON; the default for values), `"string"` (UTF-8; the default
 * for keys) or `"bytes"` (`Uint8Array` in and out).
 *
 * Null means "no bytes": a null key, or a null value (a tombstone). `"json"`,
 * `"string"` and `"bytes"` pass null through; a zod schema sees `null` and
 * decides (use `.nullable()` to allow tombstones).
 *
 * @module
 */
import { WeirError } from "./protocol/mod.ts";

/** One problem a schema found. */
export interface SchemaIssue {
  /** Where in the value. */
  readonly path: readonly PropertyKey[];
  /** What is wrong. */
  readonly message: string;
}

/**
 * What the SDK needs of a schema: zod's `safeParse`. Any zod schema fits
 * (the SDK does not tie its public types to one zod version).
 */
export interface ValueSchema<T = unknown> {
  /** Validates `value`; on success `data` is the parsed value. */
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { readonly issues: readonly SchemaIssue[] } };
}

/** How one part of a record (key or value) is encoded. */
export type CodecSpec = "json" | "string" | "bytes" | ValueSchema;

/** The type a codec yields (and accepts). */
export type CodecType<C> = C extends ValueSchema<infer T> ? T
  : C extends "string" ? string | null
  : C extends "bytes" ? Uint8Array | null
  : unknown;

/** Codecs of a topic, per part. */
export interface TopicCodecs {
  /** Key codec; default `"string"`. */
  key?: CodecSpec;
  /** Value codec; default `"json"`. */
  value?: CodecSpec;
}

/** Key type of a topic with codecs `C` (keys may always be null). */
export type KeyOf<C extends TopicCodecs> = C extends { key: infer K } ? Exclude<CodecType<K>, null>
  : string;

/** Value type of a topic with codecs `C`. */
export type ValueOf<C extends TopicCodecs> = C extends { value: infer V } ? CodecType<V> : unknown;

/** Where a part is being encoded or decoded, for error messages. */
export interface CodecContext {
  /** `"key"` or `"value"`. */
  part: "key" | "value";
  /** Topic name. */
  topic: string;
  /** Partition, when known. */
  partition?: number;
  /** Offset, when known (decoding). */
  offset?: number;
}

/** Encodes and decodes one part of a record. */
export interface Codec<T> {
  /** `"json"`, `"string"`, `"bytes"` or `"zod"`. */
  readonly kind: "json" | "string" | "bytes" | "zod";
  /**
   * Turns a value into bytes (null = no bytes).
   *
   * @throws {WeirError} `INVALID_RECORD` when the value does not fit the codec.
   */
  encode(value: T | null, context: CodecContext): Uint8Array | null;
  /**
   * Turns bytes into a value.
   *
   * @throws {WeirError} `INVALID_RECORD` when the bytes do not fit the codec.
   */
  decode(bytes: Uint8Array | null, context: CodecContext): T | null;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function where(context: CodecContext): string {
  const at = context.partition === undefined
    ? `"${context.topic}"`
    : `"${context.topic}-${context.partition}"`;
  return context.offset === undefined ? at : `${at} at offset ${context.offset}`;
}

function invalid(verb: string, context: CodecContext, reason: string, cause?: unknown): WeirError {
  return new WeirError(
    "INVALID_RECORD",
    `Cannot ${verb} the ${context.part} of a record of ${where(context)}: ${reason}`,
    cause === undefined ? undefined : { cause },
  );
}

function jsonBytes(value: unknown, context: CodecContext): Uint8Array {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw invalid("encode", context, "not representable as JSON", cause);
  }
  if (typeof text !== "string") throw invalid("encode", context, "not representable as JSON");
  return utf8.encode(text);
}

function parseJson(bytes: Uint8Array, context: CodecContext): unknown {
  try {
    return JSON.parse(fromUtf8.decode(bytes));
  } catch (cause) {
    throw invalid("decode", context, "not JSON", cause);
  }
}

const jsonCodec: Codec<unknown> = {
  kind: "json",
  encode: (value, context) => value === null ? null : jsonBytes(value, context),
  decode: (bytes, context) => bytes === null ? null : parseJson(bytes, context),
};

const stringCodec: Codec<string> = {
  kind: "string",
  encode(value, context) {
    if (value === null) return null;
    if (typeof value !== "string") {
      throw invalid("encode", context, `expected a string, got ${typeof value}`);
    }
    return utf8.encode(value);
  },
  decode: (bytes) => bytes === null ? null : fromUtf8.decode(bytes),
};

const bytesCodec: Codec<Uint8Array> = {
  kind: "bytes",
  encode(value, context) {
    if (value === null) return null;
    if (!(value instanceof Uint8Array)) {
      throw invalid("encode", context, "expected a Uint8Array");
    }
    return value;
  },
  decode: (bytes) => bytes,
};

function issueText(error: { readonly issues: readonly SchemaIssue[] }): string {
  const issue = error.issues[0];
  if (issue === undefined) return "does not match the schema";
  const path = issue.path.length > 0 ? ` at ${issue.path.map(String).join(".")}` : "";
  return `does not match the schema${path}: ${issue.message}`;
}

function zodCodec<T>(schema: ValueSchema<T>): Codec<T> {
  return {
    kind: "zod",
    encode(value, context) {
      const result = schema.safeParse(value);
      if (!result.success) {
        throw invalid("encode", context, issueText(result.error), result.error);
      }
      return value === null ? null : jsonBytes(value, context);
    },
    decode(bytes, context) {
      const raw = bytes === null ? null : parseJson(bytes, context);
      const result = schema.safeParse(raw);
      if (!result.success) throw invalid("decode", context, issueText(result.error), result.error);
      return result.data;
    },
  };
}

function isZod(spec: unknown): spec is ValueSchema {
  return typeof spec === "object" && spec !== null &&
    typeof (spec as { safeParse?: unknown }).safeParse === "function";
}

/**
 * Builds the codec for a spec.
 *
 * @param spec `"json"`, `"string"`, `"bytes"` or a zod schema.
 * @returns The codec.
 * @throws {WeirError} `INVALID_REQUEST` for anything else.
 */
export function codecOf(spec: CodecSpec): Codec<unknown> {
  if (spec === "json") return jsonCodec;
  if (spec === "string") return stringCodec as Codec<unknown>;
  if (spec === "bytes") return bytesCodec as Codec<unknown>;
  if (isZod(spec)) return zodCodec(spec);
  throw new WeirError(
    "INVALID_REQUEST",
    `Cannot use codec ${
      JSON.stringify(String(spec))
    }: expected "json", "string", "bytes" or a zod schema`,
  );
}

/**
 * A topic name with its key and value codecs. `K` and `V` type what a
 * producer sends and what a consumer yields. Create with
 * {@linkcode typedTopic} or `weir.topic(name, codecs)`.
 */
export class TypedTopic<K = string, V = unknown> {
  /** Topic name. */
  readonly name: string;
  /** Key codec. */
  readonly key: Codec<K>;
  /** Value codec. */
  readonly value: Codec<V>;

  /**
   * Creates a typed topic.
   *
   * @param name Topic name.
   * @param codecs Key and value codecs.
   */
  constructor(name: string, codecs: TopicCodecs = {}) {
    if (typeof name !== "string" || name === "") {
      throw new WeirError("INVALID_TOPIC_EXCEPTION", "Cannot use a topic: the name is empty");
    }
    this.name = name;
    this.key = codecOf(codecs.key ?? "string") as Codec<K>;
    this.value = codecOf(codecs.value ?? "json") as Codec<V>;
  }
}

/** A typed topic or a plain topic name (string keys, JSON values). */
export type TopicLike = TypedTopic<unknown, unknown> | string;

/** Key type of a {@linkcode TopicLike}. */
export type TopicKey<T> = T extends TypedTopic<infer K, unknown> ? K : string;

/** Value type of a {@linkcode TopicLike}. */
export type TopicValue<T> = T extends TypedTopic<unknown, infer V> ? V : unknown;

/**
 * Creates a typed topic: a name plus codecs for keys and values.
 *
 * @param name Topic name.
 * @param codecs `{ key?, value? }`: zod schema, `"json"`, `"string"` or `"bytes"`.
 * @returns The typed topic.
 * @throws {WeirError} `INVALID_REQUEST` for an unknown codec.
 *
 * @example A zod-validated topic
 * ```ts
 * import { typedTopic } from "weir";
 * import { z } from "zod";
 * import { assertEquals, assertThrows } from "@std/assert";
 *
 * const orders = typedTopic("orders", { value: z.object({ id: z.string() }) });
 * const bytes = orders.value.encode({ id: "o-1" }, { part: "value", topic: "orders" });
 * assertEquals(new TextDecoder().decode(bytes!), '{"id":"o-1"}');
 * assertThrows(() => orders.value.encode({ id: 1 } as never, { part: "value", topic: "orders" }));
 * ```
 */
export function typedTopic<const C extends TopicCodecs = Record<never, never>>(
  name: string,
  codecs?: C,
): TypedTopic<KeyOf<C>, ValueOf<C>> {
  return new TypedTopic<KeyOf<C>, ValueOf<C>>(name, codecs ?? {});
}

/**
 * Turns a topic name into a default typed topic (string keys, JSON values);
 * a typed topic is returned as is.
 *
 * @param topic A typed topic or a name.
 * @returns The typed topic.
 */
export function toTypedTopic<T extends TopicLike>(
  topic: T,
): TypedTopic<TopicKey<T>, TopicValue<T>> {
  if (topic instanceof TypedTopic) return topic as TypedTopic<TopicKey<T>, TopicValue<T>>;
  return new TypedTopic(topic as string) as TypedTopic<TopicKey<T>, TopicValue<T>>;
}
