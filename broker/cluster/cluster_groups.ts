/**
 * Consumer groups in cluster mode: every group coordinator runs on the
 * controller node (placement "all on the controller, moving with it"), with
 * committed offsets in the KV bucket `weir_<cluster>_groups`
 * (`kv_offset_store.ts`), so when the controller moves the new one picks the
 * groups up from their committed offsets (members rejoin on their next
 * heartbeat: an unknown member gets `UNKNOWN_MEMBER_ID` and joins again).
 *
 * Other nodes reach the coordinators through the cluster singleton
 * `groups/0` (subject `weir.<cluster>.groups.0`), an inline actor that calls
 * the node's `GroupCoordinators`; its answers are parked (`ctx.defer()`) so
 * one slow group never blocks another.
 *
 * @module
 */
import type { ActorContext, ActorFactory } from "../../actors/runtime/mod.ts";
import type { GroupCoordinators } from "../groups.ts";

/** Address of the groups front door. */
export const GROUPS = { kind: "groups", id: "0" } as const;

/** Group operations forwarded to the controller node. */
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

/** The `groups/0` actor over this node's coordinators (inline only). */
export function groupsActor(groups: GroupCoordinators): ActorFactory<undefined> {
  return () => ({
    receive(message: unknown, ctx: ActorContext) {
      const deferred = ctx.defer<unknown>();
      call(groups, message as GroupsRequest).then(
        (v) => deferred.resolve(v),
        (e) => deferred.reject(e),
      );
      return deferred;
    },
  });
}
