/**
 * Consumer groups in cluster mode: the coordinator of a group runs on the
 * node its id hashes to over the live nodes (`group_placement.ts`,
 * rendezvous hashing), with committed offsets in the KV bucket
 * `weir_<cluster>_groups` (`kv_offset_store.ts`), so when a node leaves, its
 * groups start on their new nodes from their committed offsets (members
 * rejoin on their next heartbeat: an unknown member gets `UNKNOWN_MEMBER_ID`
 * and joins again).
 *
 * Each node serves its groups behind the actor `groups/node@<n>` (on the
 * node subject `weir.<cluster>.node.<n>`), an inline actor that checks the
 * group is placed on this node (else `NOT_COORDINATOR`, retriable: the
 * forwarder refreshes its view and retries) and calls the node's
 * `GroupCoordinators`; its answers are parked (`ctx.defer()`) so one slow
 * group never blocks another.
 *
 * @module
 */
import type { ActorContext, ActorFactory } from "../../actors/runtime/mod.ts";
import type { GroupCoordinators } from "../groups.ts";

/** Actor kind of the per-node groups front door. */
export const GROUPS_KIND = "groups";

/** Address of node `nodeId`'s groups front door. */
export function groupsAddress(nodeId: number): { kind: string; id: string } {
  return { kind: GROUPS_KIND, id: `node@${nodeId}` };
}

/** Group operations forwarded to the coordinator's node. */
export type GroupsMethod =
  | "listGroups"
  | "describeGroup"
  | "joinGroup"
  | "heartbeat"
  | "leaveGroup"
  | "commitOffsets"
  | "fetchOffsets"
  | "classicJoin"
  | "classicSync"
  | "classicHeartbeat"
  | "classicLeave"
  | "classicCommit"
  | "classicDescribe";

/** One forwarded call: the `GroupCoordinators` method and its arguments. */
export interface GroupsRequest {
  /** Method. */
  method: GroupsMethod;
  /** Arguments, as the method takes them. */
  args: unknown[];
}

function call(groups: GroupCoordinators, request: GroupsRequest): Promise<unknown> {
  const a = request.args as never[];
  switch (request.method) {
    case "listGroups":
      return groups.listGroups();
    case "describeGroup":
      return groups.describeGroup(a[0]!);
    case "joinGroup":
      return groups.joinGroup(a[0]!, a[1]!);
    case "heartbeat":
      return groups.heartbeat(a[0]!, a[1]!);
    case "leaveGroup":
      return groups.leaveGroup(a[0]!, a[1]!).then(() => null);
    case "commitOffsets":
      return groups.commitOffsets(a[0]!, a[1]!);
    case "fetchOffsets":
      return groups.fetchOffsets(a[0]!, a[1] ?? {});
    case "classicJoin":
      return groups.classicJoin(a[0]!, a[1]!);
    case "classicSync":
      return groups.classicSync(a[0]!, a[1]!);
    case "classicHeartbeat":
      return groups.classicHeartbeat(a[0]!, a[1]!);
    case "classicLeave":
      return groups.classicLeave(a[0]!, a[1]!);
    case "classicCommit":
      return groups.classicCommit(a[0]!, a[1]!);
    case "classicDescribe":
      return groups.classicDescribe(a[0]!);
  }
}

/** The group id a request is about, or null for `listGroups`. */
export function groupOfRequest(request: GroupsRequest): string | null {
  return request.method === "listGroups" ? null : String(request.args[0]);
}

/**
 * The `groups/node@<n>` actor over this node's coordinators (inline only).
 *
 * @param groups this node's coordinators
 * @param admit resolves when the request's group is placed on this node (or it is `listGroups`),
 *   rejects (`NOT_COORDINATOR`) otherwise
 */
export function groupsActor(
  groups: GroupCoordinators,
  admit: (request: GroupsRequest) => Promise<void>,
): ActorFactory<undefined> {
  return () => ({
    receive(message: unknown, ctx: ActorContext) {
      const deferred = ctx.defer<unknown>();
      const request = message as GroupsRequest;
      admit(request).then(() => call(groups, request)).then(
        (v) => deferred.resolve(v),
        (e) => deferred.reject(e),
      );
      return deferred;
    },
  });
}
