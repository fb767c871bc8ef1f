/**
 * {@linkcode listKeys}: the keys of a JetStream KV bucket under a filter,
 * read with one bounded request instead of `kv.keys()`.
 *
 * `kv.keys()` lists through an ordered push consumer and ends only when a
 * delivered message says nothing is pending or an idle heartbeat arrives. In
 * the rolling-restart test (keys that expire and are renewed every
 * heartbeat, a loaded event loop) that listing sometimes took 15 s or more
 * or never ended: the membership's renewal step (or the controller's
 * failover under the lease step) hung in it, and with it
 * `ClusterNode.close()`, which waits for the step in flight. A stream info request with a
 * subject filter names every subject that holds a message, answers within
 * the JetStream request timeout, and leaves no consumer behind.
 *
 * @module
 */
import { Bucket, type KV } from "@nats-io/kv";
import { WeirError } from "../../client/protocol/mod.ts";

/**
 * The keys under `filter` (e.g. `"nodes.>"`) that hold a message: a deleted
 * key's tombstone is listed too, so read each value and skip `DEL`/`PURGE`.
 *
 * @param kv a bucket opened with `Kvm` (other {@linkcode KV} implementations are listed with `kv.keys()`)
 * @param filter key filter, `*` and `>` allowed
 * @returns the keys, in no particular order
 * @throws {WeirError} `INVALID_REQUEST` for a malformed filter; the JetStream
 *   error when the request fails or times out
 */
export async function listKeys(kv: KV, filter: string): Promise<string[]> {
  const tokens = filter.split(".");
  const valid = tokens.every((t, i) =>
    /^[-/=\w]+$/.test(t) || t === "*" || (t === ">" && i === tokens.length - 1)
  );
  if (!valid) {
    throw new WeirError(
      "INVALID_REQUEST",
      `Cannot list keys: malformed filter ${JSON.stringify(filter)}`,
    );
  }
  if (!(kv instanceof Bucket)) {
    const keys: string[] = [];
    for await (const k of await kv.keys(filter)) keys.push(k);
    return keys;
  }
  const subject = kv.fullKeyName(kv.encodeKey(filter));
  const info = await kv.jsm.streams.info(kv.stream, { subjects_filter: subject });
  return Object.keys(info.state.subjects ?? {}).map((s) => kv.decodeKey(s.slice(kv.prefixLen)));
}
