/**
 * Reads the UI's HTML forms into API requests. Forms arrive as flat
 * string maps (`application/x-www-form-urlencoded`); every field is checked
 * here and a bad one is a `WeirError` whose message the page shows. The
 * backend still validates everything again (topic names, configs, sizes).
 *
 * @module
 */
import type { ConfigInput, CreateTopicRequest } from "../../../client/protocol/mod.ts";
import { WeirError } from "../../../client/protocol/mod.ts";
import type { JsonProduceRecord } from "../record_json.ts";

/** A submitted form: field name → value (files are not accepted). */
export type FormFields = Record<string, string>;

/**
 * Reads a request body sent by an HTML form (the edge's body limit has
 * already read the bytes, so this parses bytes rather than a stream).
 *
 * @param body The body bytes.
 * @param contentType `application/x-www-form-urlencoded` or `multipart/form-data; boundary=…`.
 * @returns The text fields.
 * @throws {WeirError} `INVALID_REQUEST` for another content type or a file field.
 */
export async function readForm(
  body: ArrayBuffer,
  contentType: string | undefined,
): Promise<FormFields> {
  const type = contentType ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) {
    throw new WeirError("INVALID_REQUEST", "Cannot read the form: it was not sent as a form");
  }
  let data: FormData;
  try {
    data = await new Response(body, { headers: { "content-type": type } }).formData();
  } catch (cause) {
    throw new WeirError("INVALID_REQUEST", "Cannot read the form: the body is malformed", {
      cause,
    });
  }
  const out: FormFields = {};
  for (const [name, value] of data) {
    if (typeof value !== "string") {
      throw new WeirError("INVALID_REQUEST", `Cannot read the form: field "${name}" is a file`);
    }
    out[name] = value;
  }
  return out;
}

function wholeNumber(
  what: string,
  raw: string | undefined,
  options: { min: number; max: number; fallback?: number },
): number {
  const text = (raw ?? "").trim();
  if (text === "" && options.fallback !== undefined) return options.fallback;
  const n = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < options.min || n > options.max) {
    throw new WeirError(
      "INVALID_REQUEST",
      `Cannot ${what}: "${text}" is not a whole number from ${options.min} to ${options.max}`,
    );
  }
  return n;
}

/**
 * The "create topic" form: `name`, `partitions`, `replicationFactor`,
 * optional `cleanup.policy` and `retention.ms` (empty = broker default).
 *
 * @param form The fields.
 * @returns The create request.
 * @throws {WeirError} `INVALID_REQUEST` for a number field that is not a whole number.
 */
export function createTopicFromForm(form: FormFields): CreateTopicRequest {
  const configs: Record<string, ConfigInput> = {};
  const policy = (form["cleanup.policy"] ?? "").trim();
  if (policy !== "") configs["cleanup.policy"] = policy;
  const retention = (form["retention.ms"] ?? "").trim();
  if (retention !== "") configs["retention.ms"] = retention;
  return {
    name: (form.name ?? "").trim(),
    partitions: wholeNumber("create the topic", form.partitions, {
      min: 1,
      max: 100_000,
      fallback: 1,
    }),
    replicationFactor: wholeNumber("create the topic", form.replicationFactor, {
      min: 1,
      max: 1_000,
      fallback: 1,
    }),
    configs,
  };
}

/**
 * The "edit config" form: one `name` and its new `value`.
 *
 * @param form The fields.
 * @returns The configs to alter.
 * @throws {WeirError} `INVALID_CONFIG` when the name or the value is empty.
 */
export function configFromForm(form: FormFields): Record<string, ConfigInput> {
  const name = (form.name ?? "").trim();
  const value = (form.value ?? "").trim();
  if (name === "" || value === "") {
    throw new WeirError("INVALID_CONFIG", "Cannot change the config: give a name and a value");
  }
  return { [name]: value };
}

/**
 * Header lines `name: value`, one per line; blank lines are skipped.
 *
 * @param text The textarea's text.
 * @returns The headers.
 * @throws {WeirError} `INVALID_RECORD` for a line without `:` or with an empty name.
 */
export function headersFromLines(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const colon = line.indexOf(":");
    const name = colon < 0 ? "" : line.slice(0, colon).trim();
    if (name === "") {
      throw new WeirError(
        "INVALID_RECORD",
        `Cannot produce the record: header line ${i + 1} is not "name: value"`,
      );
    }
    headers[name] = line.slice(colon + 1).trim();
  });
  return headers;
}

/**
 * The produce form: `partition` (empty = chosen by key), `key` (empty = no
 * key), `value`, `valueAs` (`json`: the value is JSON; `text`: its UTF-8
 * bytes as they are) and `headers` lines.
 *
 * @param form The fields.
 * @param partitions The topic's partition count.
 * @returns One record for the JSON produce path.
 * @throws {WeirError} `INVALID_RECORD` for bad JSON, headers or partition.
 */
export function recordFromForm(form: FormFields, partitions: number): JsonProduceRecord {
  const record: JsonProduceRecord = {};
  const partitionText = (form.partition ?? "").trim();
  if (partitionText !== "") {
    const partition = /^\d{1,10}$/.test(partitionText) ? Number(partitionText) : -1;
    if (partition < 0 || partition >= partitions) {
      throw new WeirError(
        "INVALID_RECORD",
        `Cannot produce the record: partition "${partitionText}" does not exist (the topic has ${partitions})`,
      );
    }
    record.partition = partition;
  }
  const key = form.key ?? "";
  if (key !== "") record.key = key;
  const value = form.value ?? "";
  if ((form.valueAs ?? "json") === "text") {
    record.valueBase64 = new TextEncoder().encode(value).toBase64();
  } else {
    try {
      record.value = JSON.parse(value);
    } catch (cause) {
      throw new WeirError(
        "INVALID_RECORD",
        'Cannot produce the record: the value is not valid JSON (choose "Text" to send it as it is)',
        { cause },
      );
    }
  }
  const headers = headersFromLines(form.headers ?? "");
  if (Object.keys(headers).length > 0) record.headers = headers;
  return record;
}
