/**
 * Which right each HTTP route needs (pure: method and path in, rule out).
 * API.md "Security" and docs/security.md are the contract; in short:
 *
 * | route | needs |
 * |---|---|
 * | `/healthz`, `/readyz`, `/`, `/ui/login`, `/ui/logout`, `/ui/assets/*` | nothing |
 * | `/openapi.json`, `/docs*` | any principal |
 * | `/metrics`, `GET /v1/cluster` | `consume` (or `admin`) on `cluster` |
 * | `/ui*` | `admin` on `cluster` |
 * | `GET /v1/topics` | any principal; lists only topics it has a right on |
 * | `POST /v1/topics` | `admin` on `topic:<name>` (name from the body) |
 * | `GET /v1/topics/:t` | any right on `topic:<t>` |
 * | `PATCH .../configs`, `DELETE /v1/topics/:t` | `admin` on `topic:<t>` |
 * | `POST .../records`, `POST .../batches` | `produce` on `topic:<t>` |
 * | `GET .../records`, `.../batches`, `.../offsets`, `.../stream` | `consume` on `topic:<t>` |
 * | `POST /v1/producers` | `produce` on some topic |
 * | `GET /v1/groups` | any principal; lists only groups it may consume |
 * | `/v1/groups/:g/...` | `consume` on `group:<g>`; joins and commits also `consume` on each topic named in the body |
 * | `GET /v1/groups/:g`, `GET /v1/groups/:g/offsets` | `consume` on `group:<g>`; offsets listed only of topics it may consume |
 * | anything else | any principal (then the route answers, e.g. 404) |
 *
 * `admin` on `cluster` is the operator's right: it passes every check.
 *
 * @module
 */
import type { ErrorCode } from "../../client/protocol/mod.ts";
import type { AuthOperation, ResourceKind } from "../auth/mod.ts";

/** One right a request needs. */
export type AccessCheck =
  | {
    /** A right on one resource. */
    readonly kind: "resource";
    /** `topic:<name>`, `group:<id>` or `cluster`. */
    readonly resource: string;
    /** Any one of these operations suffices. */
    readonly operations: readonly AuthOperation[];
    /** The 403 code when denied. */
    readonly code: ErrorCode;
    /** What was attempted, for the message (`Cannot <action>: ...`). */
    readonly action: string;
  }
  | {
    /** The operation on at least one resource of a kind. */
    readonly kind: "any";
    /** Resource kind. */
    readonly resourceKind: ResourceKind;
    /** The operation. */
    readonly operation: AuthOperation;
    /** The 403 code when denied. */
    readonly code: ErrorCode;
    /** What was attempted, for the message. */
    readonly action: string;
  };

/** What a route needs. */
export interface AccessRule {
  /** `open`: no key needed; `principal`: a valid key plus every check. */
  readonly auth: "open" | "principal";
  /** Rights checked before the body is read. */
  readonly checks: readonly AccessCheck[];
  /** Rights that depend on the (already size-limited) JSON body. */
  readonly body?: "createTopic" | "joinGroup" | "commitOffsets";
  /** The answer is filtered to what the principal may see (`offsets`: a group's committed offsets). */
  readonly filter?: "topics" | "groups" | "offsets";
  /** A UI page: a browser without a key is sent to the login form. */
  readonly ui?: boolean;
}

const OPEN: AccessRule = { auth: "open", checks: [] };
const ANY_PRINCIPAL: AccessRule = { auth: "principal", checks: [] };
const CLUSTER_DESCRIBE: AccessRule = {
  auth: "principal",
  checks: [{
    kind: "resource",
    resource: "cluster",
    operations: ["consume", "admin"],
    code: "CLUSTER_AUTHORIZATION_FAILED",
    action: "describe the cluster",
  }],
};
const UI: AccessRule = {
  auth: "principal",
  ui: true,
  checks: [{
    kind: "resource",
    resource: "cluster",
    operations: ["admin"],
    code: "CLUSTER_AUTHORIZATION_FAILED",
    action: "open the UI",
  }],
};

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function topicCheck(
  topic: string,
  operations: readonly AuthOperation[],
  action: string,
): AccessCheck {
  return {
    kind: "resource",
    resource: `topic:${topic}`,
    operations,
    code: "TOPIC_AUTHORIZATION_FAILED",
    action: `${action} topic ${JSON.stringify(topic)}`,
  };
}

function groupCheck(group: string, action: string): AccessCheck {
  return {
    kind: "resource",
    resource: `group:${group}`,
    operations: ["consume"],
    code: "GROUP_AUTHORIZATION_FAILED",
    action: `${action} group ${JSON.stringify(group)}`,
  };
}

/**
 * The rule for one request.
 *
 * @param method HTTP method (any case).
 * @param path URL path, still percent-encoded.
 * @returns What the request needs.
 *
 * @example Producing needs `produce` on the topic
 * ```ts
 * import { accessRule } from "./auth_rules.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const rule = accessRule("POST", "/v1/topics/orders/records");
 * assertEquals(rule.checks[0], {
 *   kind: "resource",
 *   resource: "topic:orders",
 *   operations: ["produce"],
 *   code: "TOPIC_AUTHORIZATION_FAILED",
 *   action: 'produce to topic "orders"',
 * });
 * assertEquals(accessRule("GET", "/healthz").auth, "open");
 * ```
 */
export function accessRule(method: string, path: string): AccessRule {
  const m = method.toUpperCase();
  const read = m === "GET" || m === "HEAD";
  const parts = path.split("/").slice(1);
  const [first, second, third, fourth, fifth, sixth] = parts;
  if (path === "/healthz" || path === "/readyz" || path === "/") return OPEN;
  if (first === "ui") {
    if (parts.length === 2 && (second === "login" || second === "logout")) return OPEN;
    if (second === "assets") return OPEN;
    return UI;
  }
  if (path === "/openapi.json" || first === "docs") return ANY_PRINCIPAL;
  if (path === "/metrics") return CLUSTER_DESCRIBE;
  if (first !== "v1") return ANY_PRINCIPAL;
  if (second === "cluster" && parts.length === 2) return CLUSTER_DESCRIBE;
  if (second === "producers" && parts.length === 2) {
    return {
      auth: "principal",
      checks: [{
        kind: "any",
        resourceKind: "topic",
        operation: "produce",
        code: "TOPIC_AUTHORIZATION_FAILED",
        action: "get a producer id",
      }],
    };
  }
  if (second === "topics") {
    if (third === undefined) {
      if (read) return { auth: "principal", checks: [], filter: "topics" };
      return {
        auth: "principal",
        checks: [{
          kind: "any",
          resourceKind: "topic",
          operation: "admin",
          code: "TOPIC_AUTHORIZATION_FAILED",
          action: "create a topic",
        }],
        body: "createTopic",
      };
    }
    const topic = decode(third);
    if (parts.length === 3) {
      return read
        ? {
          auth: "principal",
          checks: [topicCheck(topic, ["produce", "consume", "admin"], "describe")],
        }
        : { auth: "principal", checks: [topicCheck(topic, ["admin"], "delete")] };
    }
    if (fourth === "configs" && parts.length === 4) {
      return {
        auth: "principal",
        checks: [topicCheck(topic, read ? ["produce", "consume", "admin"] : ["admin"], "alter")],
      };
    }
    if (fourth === "records" && parts.length === 4) {
      return { auth: "principal", checks: [topicCheck(topic, ["produce"], "produce to")] };
    }
    if (fourth === "partitions" && fifth !== undefined && parts.length === 6) {
      if (sixth === "batches" || sixth === "records") {
        return read
          ? { auth: "principal", checks: [topicCheck(topic, ["consume"], "fetch from")] }
          : { auth: "principal", checks: [topicCheck(topic, ["produce"], "produce to")] };
      }
      return { auth: "principal", checks: [topicCheck(topic, ["consume"], "fetch from")] };
    }
    return { auth: "principal", checks: [topicCheck(topic, ["consume"], "read")] };
  }
  if (second === "groups") {
    if (third === undefined) return { auth: "principal", checks: [], filter: "groups" };
    const group = decode(third);
    if (fourth === "members" && parts.length === 4 && !read) {
      return { auth: "principal", checks: [groupCheck(group, "join")], body: "joinGroup" };
    }
    if (fourth === "offsets" && parts.length === 4 && !read) {
      return {
        auth: "principal",
        checks: [groupCheck(group, "commit offsets of")],
        body: "commitOffsets",
      };
    }
    if (read && (parts.length === 3 || (fourth === "offsets" && parts.length === 4))) {
      return { auth: "principal", checks: [groupCheck(group, "describe")], filter: "offsets" };
    }
    return { auth: "principal", checks: [groupCheck(group, read ? "describe" : "use")] };
  }
  return ANY_PRINCIPAL;
}
