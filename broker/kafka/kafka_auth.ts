/**
 * Authorization of Kafka requests with the same grants as the HTTP edge
 * (`--auth-file`): a principal with `admin` on `cluster` may do anything;
 * otherwise the right named per API (`produce` on `topic:<name>` for
 * Produce, `consume` for Fetch and ListOffsets, `admin` to create or delete
 * a topic, any right to see a topic in Metadata, `consume` on
 * `group:<id>` for group APIs). With auth off everything is allowed.
 *
 * @module
 */
import type { AuthOperation, ResourceKind } from "../auth/mod.ts";
import type { KafkaRequestContext } from "./handler.ts";

/**
 * Whether the connection's principal holds one of `operations` on
 * `resource` (e.g. `"topic:orders"`, `"group:billing"`, `"cluster"`).
 *
 * @param ctx Handler context.
 * @param resource The resource.
 * @param operations Any one of these suffices.
 * @returns true when allowed (always with auth off).
 */
export function mayAccess(
  ctx: KafkaRequestContext,
  resource: string,
  operations: readonly AuthOperation[],
): boolean {
  const store = ctx.auth;
  if (store === null) return true;
  const principal = ctx.connection.principal;
  if (principal === null) return false;
  if (store.authorize(principal, "cluster", "admin")) return true;
  return operations.some((op) => store.authorize(principal, resource, op));
}

/**
 * Whether the principal holds `operation` on some resource of `kind`.
 *
 * @param ctx Handler context.
 * @param options The resource kind and operation.
 * @returns true when allowed (always with auth off).
 */
export function mayAny(
  ctx: KafkaRequestContext,
  options: { kind: ResourceKind; operation: AuthOperation },
): boolean {
  const store = ctx.auth;
  if (store === null) return true;
  const principal = ctx.connection.principal;
  if (principal === null) return false;
  return store.authorize(principal, "cluster", "admin") || store.authorizeAny(principal, options);
}

/** Every operation: "any right on the resource". */
export const ANY_OPERATION: readonly AuthOperation[] = ["produce", "consume", "admin"];
