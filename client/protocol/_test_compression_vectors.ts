/**
 * Test vectors for the compression codecs: a deterministic records section,
 * real compressors run as programs (`lz4`, `zstd`, `gzip` from Debian; a
 * missing one fails the test loudly) and a way to wrap compressed records
 * in a RecordBatch v2 header with a valid CRC. Snappy vectors were made
 * with the `snappy` npm package (Google's format via napi-rs) and are kept
 * inline, as no snappy program ships with Debian.
 *
 * @module
 */
import { Compression, type CompressionType } from "./compression.ts";
import { crc32c } from "./crc32c.ts";
import { BATCH_HEADER_SIZE, encodeRecordBatch, type RecordInput } from "./record_batch.ts";

const enc = new TextEncoder();

/** `n` keyed records with headers, JSON values and padding (compressible, with matches). */
export function goldenRecords(n: number): RecordInput[] {
  return Array.from({ length: n }, (_, i) => ({
    key: enc.encode(`key-${i % 17}`),
    value: enc.encode(
      JSON.stringify({
        id: i,
        name: `order-${i}`,
        total: (i * 37) % 1000,
        pad: "x".repeat(i % 50),
      }),
    ),
    headers: i % 3 === 0 ? [{ key: "h", value: enc.encode("v" + i) }] : [],
    timestamp: 1_700_000_000_000 + i,
  }));
}

/** The uncompressed batch of {@linkcode goldenRecords}`(n)`. */
export function goldenBatch(n: number): Uint8Array {
  return encodeRecordBatch(goldenRecords(n), { now: 1_700_000_000_000 });
}

/** The records section (what a codec compresses) of {@linkcode goldenBatch}`(n)`. */
export function goldenPlain(n: number): Uint8Array {
  return goldenBatch(n).slice(BATCH_HEADER_SIZE);
}

/** Raw snappy of `goldenPlain(20)` (1,430 bytes), from npm `snappy@7.4.3` `compressSync`. */
export const SNAPPY_RAW_20 =
  "lguoeAAAAAprZXktMFh7ImlkIjowLCJuYW1lIjoib3JkZXItMCIsInRvdGFsIgEbRHBhZCI6IiJ9AgJoBHYwcgACAgU9BDFcCT0AMTo9AAQxIhU9CDM3LA0+HHgifQB0AAQEBToEMl4JOgAyOjoAADIZOgQ3NBU6ATsQggEABgYFPAQzYgk8ADM6PAAAMxk8CDExMRk9AHgNuBAzegAICAVCBDRkCUIANDpCAAA0HUIENDgdQgGBDHwACgoFPgQ1Zgk+ADU6PgAANR0+BDg1Lj4AAT8QiAEADAwFQAQ2aAlAADY6QAAANhlACDIyMjJAABHDFDaAAQAODgVGBDdqCUYANzpGAAA3HUYENTk2RgABiBCCAQAQEAVCBDhsCUIAODpCAAA4HUIEOTY6QgABQxCOAQASEgVDBDluCUMAOTpDAAA5GUMIMzMzPkMAEc4YOYwBABQUDEGHCDEwdAlKADE+iQIAMV2KCDM3MEJMAA2RBBYWCUgEMXYNSEKUAgAxGZQENDBZlhkBHCJ9AJwBABgYCUkEMngNST6jAgAxXaQENDRdpRkBRXEgBnYxMpIBABoaCVAEM3oNUD63AgAxXbgENDguuAIZARwifQCUAQAcHAlLBDR8DUs+wAIAMV3BBDUxMsECGQEcIn0AogEAHh4JTAQ1fg1MPs4CADFdzwQ1NTbPAhkBEeoUNZoBACAgCVMINoABDVQ+4gIAMV3jBDU5OuMCGQEcIn0AmgEAIiJFYwQwghFOADc6ZQIAMV3rBDYyPusCGQEcIn0AqAEAJCQFTwQxhBFPPvcCADFd+AQ2NkL4AhkBEfQUOJ4BACYmBVYEMoYRVj4KAwQxOVl3CDcwM0a/Aix4eHh4eHh4eHgifQA=";

/** Xerial (snappy-java) framing of `goldenPlain(20)` in 1,000-byte chunks, each compressed as above. */
export const SNAPPY_XERIAL_20 =
  "glNOQVBQWQAAAAABAAAAAQAAAeroB6h4AAAACmtleS0wWHsiaWQiOjAsIm5hbWUiOiJvcmRlci0wIiwidG90YWwiARtEcGFkIjoiIn0CAmgEdjByAAICBT0EMVwJPQAxOj0ABDEiFT0IMzcsDT4ceCJ9AHQABAQFOgQyXgk6ADI6OgAAMhk6BDc0FTogeCJ9AIIBAAYGBTwEM2IJPAAzOjwAADMZPAgxMTEZPQB4DbgQM3oACAgFQgQ0ZAlCADQ6QgAANB1CBDQ4HUIBgQx8AAoKBT4ENWYJPgA1Oj4AADUdPgQ4NS4+AAE/EIgBAAwMBUAENmgJQAA2OkAAADYZQAgyMjIyQAARwxQ2gAEADg4FRgQ3aglGADc6RgAANx1GBDU5NkYAAYgQggEAEBAFQgQ4bAlCADg6QgAAOB1CBDk2OkIAAUMQjgEAEhIFQwQ5bglDADk6QwAAORlDCDMzMz5DABHOGDmMAQAUFAxBhwgxMHQJSgAxPokCBDEwHUwENzBCTAANkQQWFglIBDF2DUhClAIAMRlIBDQwWZYZARwifQCcAQAYGAlJBDJ4DUk+owIAMV2kBDQ0XaUZAUVxIAZ2MTKSAQAaGglQBDN6DVA+twIAMV24BDQ4LrgCGQEcIn0AlAEAHBwJSwQ0fA1LPsACBDE0GeQUNTE4LCJwAAAA1a4DFGFkIjoieDIBAOAifQCiAQAeHgxrZXktMTV+eyJpZCI6MTUsIm5hbWUiOiJvcmRlci0xNSIsInRvdGFsIjo1NTUsInBKTAA4eCJ9AgJoBnYxNZoBACAgCVMINoABDVQENiw6VAAANh1UCDkyLFZUAAGiFJoBACIiCgGiBDCCEU4ANz5OAAA3GU4INjI5Xk4AAU8QqAEAJCQFTwQxhBFPADg+TwAAOB1PBDY2Yk8AFfQUOJ4BACYmBVYEMoYRVgA5PlYAADkZVgg3MDNmVgAMeCJ9AA==";

/** Decodes one of the base64 constants above. */
export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/**
 * Runs a compressor program on `input` and returns its stdout; throws a
 * clear error when the program is missing (install: see `.ci/run`).
 */
export async function runCompressor(
  program: string,
  args: string[],
  input: Uint8Array,
): Promise<Uint8Array> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, { args, stdin: "piped", stdout: "piped", stderr: "piped" })
      .spawn();
  } catch (e) {
    throw new Error(
      `Cannot run "${program}": ${e instanceof Error ? e.message : e} (apt-get install ${program})`,
    );
  }
  const writer = child.stdin.getWriter();
  const written = writer.write(input).then(() => writer.close());
  const [out] = await Promise.all([child.output(), written]);
  if (!out.success) {
    throw new Error(
      `"${program} ${args.join(" ")}" failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return out.stdout;
}

/**
 * Wraps already compressed records in the header of `plainBatch` (the same
 * records uncompressed): sets the codec bits, the batch length and the CRC.
 * `recordCount` overrides the header's count (to make it lie).
 */
export function compressedBatch(
  plainBatch: Uint8Array,
  codec: CompressionType,
  packed: Uint8Array,
  options: { recordCount?: number } = {},
): Uint8Array {
  const out = new Uint8Array(BATCH_HEADER_SIZE + packed.length);
  out.set(plainBatch.subarray(0, BATCH_HEADER_SIZE));
  out.set(packed, BATCH_HEADER_SIZE);
  const v = new DataView(out.buffer);
  v.setInt32(8, out.length - 12);
  v.setInt16(21, (v.getInt16(21) & ~7) | Compression[codec]);
  if (options.recordCount !== undefined) {
    v.setInt32(57, options.recordCount);
    v.setInt32(23, options.recordCount - 1);
  }
  v.setUint32(17, crc32c(out.subarray(21)) >>> 0);
  return out;
}
