/**
 * A small, strict parser of the Prometheus text format (0.0.4), for tests:
 * every sample line must parse and belong to a family announced by `# TYPE`.
 *
 * @module
 */

/** One sample line. */
export interface PromSample {
  /** Sample name (with `_bucket`, `_sum`, `_count` suffixes for histograms). */
  name: string;
  /** Label values by name. */
  labels: Record<string, string>;
  /** The value. */
  value: number;
}

/** A parsed exposition. */
export interface PromText {
  /** `# TYPE` of each family. */
  types: Map<string, string>;
  /** Every sample in order. */
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
const SUFFIXES = ["_bucket", "_sum", "_count", ""];

/**
 * Parses an exposition; throws on the first malformed line.
 *
 * @param text The `/metrics` body.
 * @returns Families' types and every sample.
 */
export function parsePrometheusText(text: string): PromText {
  const types = new Map<string, string>();
  const samples: PromSample[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    if (line.startsWith("# TYPE ")) {
      const [name, type] = line.slice(7).split(" ");
      if (!name || !NAME.test(name) || !type) throw new Error(`line ${i + 1}: bad TYPE`);
      types.set(name, type);
      continue;
    }
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`line ${i + 1}: cannot parse ${JSON.stringify(line)}`);
    const [, name, labelText = "", valueText] = match;
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < labelText.length) {
      const m = LABEL.exec(labelText);
      if (!m) throw new Error(`line ${i + 1}: bad labels ${JSON.stringify(labelText)}`);
      labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => c === "n" ? "\n" : c);
    }
    const value = valueText === "+Inf" ? Infinity : Number(valueText);
    if (Number.isNaN(value) && valueText !== "NaN") {
      throw new Error(`line ${i + 1}: bad value ${valueText}`);
    }
    const family = SUFFIXES.map((s) => s && name!.endsWith(s) ? name!.slice(0, -s.length) : name!)
      .find((f) => types.has(f));
    if (family === undefined) throw new Error(`line ${i + 1}: ${name} has no # TYPE`);
    samples.push({ name: name!, labels, value });
  }
  return { types, samples };
}

/**
 * The value of the one sample with this name and these labels (others ignored), or undefined.
 *
 * @param text A parsed exposition.
 * @param name Sample name.
 * @param labels Labels that must match.
 * @returns The value, or undefined when no sample matches.
 */
export function sampleValue(
  text: PromText,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = text.samples.filter((s) =>
    s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)
  );
  if (found.length > 1) {
    throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length}`);
  }
  return found[0]?.value;
}
