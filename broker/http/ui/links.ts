/**
 * URLs of the UI's pages. Every user-controlled part is percent-encoded, so
 * a name can never leave its path segment or query value.
 *
 * @module
 */

/** `/ui/topics/<topic>`. */
export function topicHref(topic: string): string {
  return `/ui/topics/${encodeURIComponent(topic)}`;
}

/** `/ui/topics/<topic>/records?partition=<p>` plus optional query fields. */
export function recordsHref(
  topic: string,
  query: Record<string, string | number> = {},
): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) params.set(k, String(v));
  const q = params.toString();
  return `${topicHref(topic)}/records${q === "" ? "" : `?${q}`}`;
}

/** `/ui/groups/<group>`. */
export function groupHref(groupId: string): string {
  return `/ui/groups/${encodeURIComponent(groupId)}`;
}

/** A number with thin grouping (`12,345`), for tables. */
export function fmt(n: number): string {
  return n.toLocaleString("en-US");
}

/** A millisecond timestamp as ISO-8601 UTC, or the raw number when out of range. */
export function fmtTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime())
    ? String(ms)
    : d.toISOString().replace("T", " ").replace("Z", " UTC");
}
