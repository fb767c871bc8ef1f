/**
 * The cluster metadata of one topic as stored in the JetStream KV bucket
 * `weir_<cluster>_meta` under key `topics.<encoded name>`: the topic (as the
 * single-node registry knows it) plus, per partition, its replicas, leader,
 * leader epoch and ISR. The controller is the only writer; every node watches.
 *
 * @module
 */
import type { TopicMetadata } from "../../actors/metadata_registry/mod.ts";

/** Leader value of a partition with no leader (no live ISR member). */
export const NO_LEADER: number = -1;

/** Where one partition lives and who leads it. */
export interface PartitionAssignment {
  /** Node ids holding a replica; the first is the preferred leader. */
  replicas: number[];
  /** Node id of the leader, or {@linkcode NO_LEADER}. */
  leader: number;
  /** Bumped on every leadership change (Kafka's leader epoch). */
  leaderEpoch: number;
  /** In-sync replicas, leader first. */
  isr: number[];
}

/** A topic in the cluster metadata. */
export interface ClusterTopic extends TopicMetadata {
  /** Assignment of each partition, by index. */
  assignments: PartitionAssignment[];
  /** Internal topic (e.g. `__consumer_offsets`). */
  internal?: boolean;
  /**
   * Fencing token (lease epoch) of the controller that wrote this value last;
   * a controller with a smaller one refuses to overwrite it.
   */
  controllerEpoch?: number;
}

/** KV key prefix of topics. */
export const TOPIC_KEY_PREFIX = "topics.";

/**
 * One KV key token for any text: characters outside `[A-Za-z0-9_-]` are
 * written as `=XX` (hex of each UTF-8 byte), since `.` separates KV key tokens.
 */
export function encodeKeyToken(text: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `=${byte.toString(16).padStart(2, "0")}`;
  }
  return out;
}

/** The text of a token made by {@linkcode encodeKeyToken}. */
export function decodeKeyToken(token: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === "=") {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(token.charCodeAt(i));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The KV key of a topic: `topics.<encodeKeyToken(name)>`. */
export function topicKey(name: string): string {
  return TOPIC_KEY_PREFIX + encodeKeyToken(name);
}

/** The topic name of a key made by {@linkcode topicKey}, or `undefined` for other keys. */
export function topicOfKey(key: string): string | undefined {
  if (!key.startsWith(TOPIC_KEY_PREFIX)) return undefined;
  return decodeKeyToken(key.slice(TOPIC_KEY_PREFIX.length));
}
