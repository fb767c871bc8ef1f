/**
 * The `{ topic, partitions }` shape shared by the assignor and the group
 * state, and the conversions between it and sets of `"topic/partition"` keys
 * (a topic name never contains `/`, so the last `/` splits a key).
 *
 * @module
 */

/** Partitions of one topic: topics sorted by name, partitions ascending, no empty entries. */
export interface TopicPartitions {
  /** Topic name. */
  topic: string;
  /** Partition numbers, ascending, distinct. */
  partitions: number[];
}

/** `"topic/partition"`: the key of one partition. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

/** Splits a key made by {@linkcode partitionKey}. */
export function parsePartitionKey(key: string): { topic: string; partition: number } {
  const slash = key.lastIndexOf("/");
  return { topic: key.slice(0, slash), partition: Number(key.slice(slash + 1)) };
}

/** The keys of every partition listed. */
export function toKeys(list: readonly TopicPartitions[]): Set<string> {
  const keys = new Set<string>();
  for (const { topic, partitions } of list) {
    for (const partition of partitions) keys.add(partitionKey(topic, partition));
  }
  return keys;
}

/** Keys back to the canonical list: topics sorted, partitions ascending, no empty entries. */
export function fromKeys(keys: Iterable<string>): TopicPartitions[] {
  const byTopic = new Map<string, number[]>();
  for (const key of keys) {
    const { topic, partition } = parsePartitionKey(key);
    const list = byTopic.get(topic);
    if (list) list.push(partition);
    else byTopic.set(topic, [partition]);
  }
  return [...byTopic.keys()].sort(compareStrings).map((topic) => ({
    topic,
    partitions: byTopic.get(topic)!.sort((a, b) => a - b),
  }));
}

/** Code-unit order, the same on every platform (no locale). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
