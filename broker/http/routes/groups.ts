/**
 * Consumer-group routes (API.md "groups" rows): list, describe with lag,
 * join, heartbeat, leave, commit and read offsets.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import {
  CommitOffsetsRequestSchema,
  GroupDescriptionSchema,
  GroupListSchema,
  GroupOffsetsResponseSchema,
  HeartbeatRequestSchema,
  HeartbeatResponseSchema,
  JoinGroupRequestSchema,
  JoinGroupResponseSchema,
  validateGroupId,
  WeirError,
} from "../../../client/protocol/mod.ts";
import { errors, json } from "./_openapi.ts";
import type { RouteDeps } from "./_deps.ts";

const GroupParams = z.object({ group: z.string() });
const MemberParams = z.object({ group: z.string(), memberId: z.string() });

/** Checks a `:group` path parameter; throws INVALID_GROUP_ID. */
function groupParam(raw: string | undefined): string {
  const groupId = raw ?? "";
  validateGroupId(groupId);
  return groupId;
}

/** Checks a `:memberId` path parameter; throws UNKNOWN_MEMBER_ID for an empty one. */
function memberParam(raw: string | undefined): string {
  const memberId = raw ?? "";
  if (memberId.length === 0 || memberId.length > 1024) {
    throw new WeirError(
      "UNKNOWN_MEMBER_ID",
      `Cannot find member ${JSON.stringify(memberId.slice(0, 40))}: no member has that id`,
    );
  }
  return memberId;
}

/**
 * Registers every `/v1/groups` route.
 *
 * @param app The app to add the routes to.
 * @param deps The backend.
 */
export function registerGroupRoutes(app: OpenAPIHono, deps: RouteDeps): void {
  const { backend } = deps;

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/groups",
      tags: ["groups"],
      summary: "List consumer groups",
      responses: { 200: json(GroupListSchema, "Every known group"), ...errors(500, 503) },
    }),
    async (c) => c.json({ groups: await backend.listGroups() }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/groups/{group}",
      tags: ["groups"],
      summary: "Describe a group: members, assignment, committed offsets and lag",
      request: { params: GroupParams },
      responses: {
        200: json(GroupDescriptionSchema, "The group"),
        ...errors(400, 404, 500, 503),
      },
    }),
    async (c) => c.json(await backend.describeGroup(groupParam(c.req.param("group"))), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/groups/{group}/members",
      tags: ["groups"],
      summary: "Join a group (a new member; a static member rejoins with its instanceId)",
      request: {
        params: GroupParams,
        body: { required: true, ...json(JoinGroupRequestSchema, "Topics and timeouts") },
      },
      responses: {
        200: json(JoinGroupResponseSchema, "The member id, epoch and first assignment"),
        ...errors(400, 409, 413, 500, 503),
      },
    }),
    async (c) => {
      const groupId = groupParam(c.req.param("group"));
      return c.json(await backend.joinGroup(groupId, c.req.valid("json")), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/groups/{group}/members/{memberId}/heartbeat",
      tags: ["groups"],
      summary: "Heartbeat: report owned partitions, get the full current assignment",
      request: {
        params: MemberParams,
        body: { required: true, ...json(HeartbeatRequestSchema, "Epoch and owned partitions") },
      },
      responses: {
        200: json(HeartbeatResponseSchema, "The member's epoch and full current assignment"),
        ...errors(400, 404, 409, 413, 500, 503),
      },
    }),
    async (c) => {
      const groupId = groupParam(c.req.param("group"));
      const memberId = memberParam(c.req.param("memberId"));
      const body = c.req.valid("json");
      return c.json(await backend.heartbeat(groupId, { ...body, memberId }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/groups/{group}/members/{memberId}",
      tags: ["groups"],
      summary: "Leave a group (its partitions move to the others at once)",
      request: { params: MemberParams },
      responses: { 204: { description: "Left" }, ...errors(400, 404, 500, 503) },
    }),
    async (c) => {
      const groupId = groupParam(c.req.param("group"));
      await backend.leaveGroup(groupId, memberParam(c.req.param("memberId")));
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/groups/{group}/offsets",
      tags: ["groups"],
      summary: "Commit offsets (fenced by member epoch; without memberId only for an empty group)",
      request: {
        params: GroupParams,
        body: { required: true, ...json(CommitOffsetsRequestSchema, "Offsets to commit") },
      },
      responses: {
        200: json(GroupOffsetsResponseSchema, "What was committed"),
        ...errors(400, 404, 409, 413, 500, 503),
      },
    }),
    async (c) => {
      const groupId = groupParam(c.req.param("group"));
      return c.json(await backend.commitOffsets(groupId, c.req.valid("json")), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/groups/{group}/offsets",
      tags: ["groups"],
      summary: "Committed offsets of a group, optionally of one topic",
      request: { params: GroupParams, query: z.object({ topic: z.string().optional() }) },
      responses: {
        200: json(GroupOffsetsResponseSchema, "The committed offsets"),
        ...errors(400, 500, 503),
      },
    }),
    async (c) => {
      const groupId = groupParam(c.req.param("group"));
      const topic = c.req.query("topic");
      const options = topic === undefined ? {} : { topic };
      return c.json(await backend.fetchOffsets(groupId, options), 200);
    },
  );
}
