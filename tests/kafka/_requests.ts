/**
 * Request bodies and response decoders for the hand-written test client.
 *
 * @module
 */
import { type KafkaReader, KafkaWriter } from "../../broker/kafka/mod.ts";

/** Produce v7 body for one partition. */
export function produceBody(
  topic: string,
  partition: number,
  records: Uint8Array,
  acks: number,
): Uint8Array {
  return new KafkaWriter(records.byteLength + 64).nullableString(null).int16(acks).int32(5000)
    .int32(1).string(topic).int32(1).int32(partition).bytes(records).finish();
}

/** Decoded Produce v7 response: per partition error and base offset. */
export function readProduceResponse(
  r: KafkaReader,
): { topic: string; partition: number; errorCode: number; baseOffset: number }[] {
  const out: { topic: string; partition: number; errorCode: number; baseOffset: number }[] = [];
  for (
    const t of r.array(false, (r) => ({
      name: r.string(),
      parts: r.array(false, (r) => {
        const p = { partition: r.int32(), errorCode: r.int16(), baseOffset: r.int64() };
        r.int64();
        r.int64();
        return p;
      }),
    }))
  ) {
    for (const p of t.parts) out.push({ topic: t.name, ...p });
  }
  r.int32();
  return out;
}

/** Fetch v11 body. */
export function fetchBody(
  partitions: { topic: string; partition: number; offset: number; maxBytes?: number }[],
  options: { maxWaitMs?: number; maxBytes?: number; minBytes?: number } = {},
): Uint8Array {
  const w = new KafkaWriter();
  w.int32(-1).int32(options.maxWaitMs ?? 0).int32(options.minBytes ?? 1)
    .int32(options.maxBytes ?? 50 * 1024 * 1024);
  w.int8(0).int32(0).int32(-1);
  const topics = [...new Set(partitions.map((p) => p.topic))];
  w.array(false, topics, (w, t) => {
    w.string(t);
    w.array(false, partitions.filter((p) => p.topic === t), (w, p) => {
      w.int32(p.partition).int32(-1).int64(p.offset).int64(-1).int32(p.maxBytes ?? 1024 * 1024);
    });
  });
  w.int32(0).string("");
  return w.finish();
}

/** One partition of a decoded Fetch v11 response. */
export interface FetchedPartition {
  topic: string;
  partition: number;
  errorCode: number;
  highWatermark: number;
  records: Uint8Array;
}

/** Decodes a Fetch v11 response. */
export function readFetchResponse(
  r: KafkaReader,
): { errorCode: number; parts: FetchedPartition[] } {
  r.int32();
  const errorCode = r.int16();
  r.int32();
  const parts: FetchedPartition[] = [];
  r.array(false, (r) => {
    const topic = r.string();
    r.array(false, (r) => {
      const partition = r.int32();
      const errorCode = r.int16();
      const highWatermark = r.int64();
      r.int64();
      r.int64();
      r.nullableArray(false, (r) => [r.int64(), r.int64()]);
      r.int32();
      const records = r.nullableBytes() ?? new Uint8Array(0);
      parts.push({ topic, partition, errorCode, highWatermark, records: records.slice() });
    });
  });
  return { errorCode, parts };
}

/** ApiVersions body (v3 carries client software name and version). */
export function apiVersionsBody(version: number): Uint8Array {
  if (version < 3) return new Uint8Array(0);
  return new KafkaWriter().compactString("weir-test").compactString("1.0").uvarint(0).finish();
}

/** Decodes an ApiVersions response of `version`. */
export function readApiVersions(
  r: KafkaReader,
  version: number,
): { errorCode: number; apis: Map<number, [number, number]> } {
  const flexible = version >= 3;
  const errorCode = r.int16();
  const apis = new Map<number, [number, number]>();
  r.array(flexible, (r) => {
    const key = r.int16();
    apis.set(key, [r.int16(), r.int16()]);
    r.tags(flexible);
  });
  if (version >= 1) r.int32();
  r.tags(flexible);
  return { errorCode, apis };
}
