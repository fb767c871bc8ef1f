/**
 * Topic routes: list, create, describe, alter configs, delete.
 *
 * @module
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import {
  AlterTopicConfigsRequestSchema,
  CreateTopicRequestSchema,
  TopicDescriptionSchema,
  TopicListSchema,
} from "../../../client/protocol/mod.ts";
import { parseTopicParam } from "../path_params.ts";
import { errors, json, TopicParams } from "./_openapi.ts";
import type { RouteDeps } from "./_deps.ts";

/**
 * Registers `GET/POST /v1/topics`, `GET/DELETE /v1/topics/:topic` and
 * `PATCH /v1/topics/:topic/configs`.
 *
 * @param app The app to add the routes to.
 * @param deps The backend.
 */
export function registerTopicRoutes(app: OpenAPIHono, deps: RouteDeps): void {
  const { backend } = deps;

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/topics",
      tags: ["topics"],
      summary: "List topics",
      responses: { 200: json(TopicListSchema, "Every topic"), ...errors(500, 503) },
    }),
    async (c) => c.json({ topics: await backend.listTopics() }, 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/topics",
      tags: ["topics"],
      summary: "Create a topic",
      request: {
        body: { required: true, ...json(CreateTopicRequestSchema, "Name, partitions, configs") },
      },
      responses: {
        201: json(TopicDescriptionSchema, "The new topic"),
        ...errors(400, 409, 413, 500, 503),
      },
    }),
    async (c) => c.json(await backend.createTopic(c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/topics/{topic}",
      tags: ["topics"],
      summary: "Describe a topic",
      request: { params: TopicParams },
      responses: {
        200: json(TopicDescriptionSchema, "The topic"),
        ...errors(400, 404, 500, 503),
      },
    }),
    async (c) => {
      const topic = parseTopicParam(c.req.param("topic"));
      return c.json(await backend.describeTopic(topic), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/v1/topics/{topic}/configs",
      tags: ["topics"],
      summary: "Change topic configs",
      request: {
        params: TopicParams,
        body: { required: true, ...json(AlterTopicConfigsRequestSchema, "Configs to set") },
      },
      responses: {
        200: json(TopicDescriptionSchema, "The topic after the change"),
        ...errors(400, 404, 413, 500, 503),
      },
    }),
    async (c) => {
      const topic = parseTopicParam(c.req.param("topic"));
      const { configs } = c.req.valid("json");
      return c.json(await backend.alterTopicConfigs(topic, configs), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/topics/{topic}",
      tags: ["topics"],
      summary: "Delete a topic and its data",
      request: { params: TopicParams },
      responses: { 204: { description: "Deleted" }, ...errors(400, 404, 500, 503) },
    }),
    async (c) => {
      const topic = parseTopicParam(c.req.param("topic"));
      await backend.deleteTopic(topic);
      return c.body(null, 204);
    },
  );
}
