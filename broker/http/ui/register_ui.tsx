/**
 * The web UI at `/ui` (API.md "UI, metrics, CLI"): server-rendered pages
 * (Hono JSX, which escapes every text and attribute) over the same
 * {@linkcode EdgeBackend} the routes use, plus one small browser script for
 * the live parts (sparklines, lag polling, the SSE live tail), which builds
 * DOM nodes with `textContent` only.
 *
 * Forms post `application/x-www-form-urlencoded` to `/ui/...` and answer
 * with a 303 redirect (post/redirect/get); a failed action re-renders the
 * page with the message and the error's status. A form post is accepted
 * only from the same origin (`Sec-Fetch-Site: same-origin` or a matching
 * `Origin`), so another site cannot drive the broker through a user's
 * browser. Every UI response carries a strict Content-Security-Policy (no
 * inline script, no third-party anything).
 *
 * @module
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { getLogger } from "@logtape/logtape";
import { WeirError } from "../../../client/protocol/mod.ts";
import { toEdgeError } from "../errors.ts";
import { encodeProduceRecords, offsetsInRequestOrder } from "../record_json.ts";
import type { RouteDeps } from "../routes/_deps.ts";
import { parseBrowseQuery } from "./browse_query.ts";
import { configFromForm, createTopicFromForm, readForm, recordFromForm } from "./forms.ts";
import { type Html, Layout, type Notice } from "./layout.tsx";
import { recordsHref, topicHref } from "./links.ts";
import { ClusterPage } from "./pages/cluster.tsx";
import { GroupPage } from "./pages/group.tsx";
import { GroupsPage } from "./pages/groups.tsx";
import { OverviewPage, type TopicRow } from "./pages/overview.tsx";
import { RecordsPage } from "./pages/records.tsx";
import { TopicPage } from "./pages/topic.tsx";
import { TopicsPage } from "./pages/topics.tsx";
import { readRecords } from "./read_records.ts";
import css from "./assets/ui.css" with { type: "text" };
import script from "./assets/ui.js" with { type: "text" };

const logger = getLogger(["weir", "http", "ui"]);

/** The Content-Security-Policy of every UI response. */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

const DONE_MESSAGES: Record<string, string> = {
  created: "Topic created.",
  deleted: "Topic deleted.",
  config: "Config saved.",
};

/**
 * Adds the UI routes (`GET /` redirects to `/ui`).
 *
 * @param app The edge app.
 * @param deps The backend, clock and randomness the routes use.
 *
 * @example The overview renders over any backend
 * ```ts
 * import { OpenAPIHono } from "@hono/zod-openapi";
 * import { registerUi } from "./register_ui.tsx";
 * import type { EdgeBackend } from "../backend.ts";
 * import { assertEquals } from "@std/assert";
 *
 * const backend = {
 *   limits: { maxRequestBytes: 1024 },
 *   cluster: () => Promise.resolve({ clusterId: "c", controller: 1, brokers: [] }),
 *   listTopics: () => Promise.resolve([]),
 *   listGroups: () => Promise.resolve([]),
 * } as unknown as EdgeBackend;
 * const app = new OpenAPIHono();
 * registerUi(app, { backend, now: Date.now, random: Math.random });
 * assertEquals((await app.request("/")).headers.get("location"), "/ui");
 * assertEquals((await app.request("/ui")).status, 200);
 * ```
 */
export function registerUi(app: OpenAPIHono, deps: RouteDeps): void {
  const { backend } = deps;

  const secure = async (c: Context, next: () => Promise<void>) => {
    await next();
    c.header("Content-Security-Policy", UI_CSP);
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "same-origin");
    c.header("X-Frame-Options", "DENY");
  };
  app.use("/ui", secure);
  app.use("/ui/*", secure);

  app.get("/", (c) => c.redirect("/ui", 302));
  app.get("/ui/assets/ui.css", (c) => asset(c, css, "text/css; charset=utf-8"));
  app.get("/ui/assets/ui.js", (c) => asset(c, script, "text/javascript; charset=utf-8"));

  const topicRows = async (): Promise<TopicRow[]> => {
    const summaries = await backend.listTopics();
    const described = await Promise.all(
      summaries.map((t) => backend.describeTopic(t.name).catch(() => undefined)),
    );
    return described.flatMap((d) =>
      d === undefined ? [] : [{
        name: d.name,
        partitions: d.partitions.length,
        replicationFactor: d.replicationFactor,
        logEnd: d.partitions.reduce((n, p) => n + p.highWatermark, 0),
        ends: d.partitions.map((p) => p.highWatermark),
        records: d.partitions.reduce((n, p) => n + p.highWatermark - p.logStartOffset, 0),
        configs: d.configs,
      }]
    ).sort((a, b) => a.name.localeCompare(b.name));
  };

  app.get("/ui", (c) =>
    page(c, async () => {
      const [cluster, topics, groups] = await Promise.all([
        backend.cluster(),
        topicRows(),
        backend.listGroups(),
      ]);
      return <OverviewPage cluster={cluster} topics={topics} groups={groups} />;
    }));

  app.get(
    "/ui/topics",
    (c) =>
      page(
        c,
        async () => (
          <TopicsPage topics={await topicRows()} notice={doneNotice(c.req.query("done"))} />
        ),
      ),
  );

  app.post("/ui/topics", async (c) => {
    let form: Record<string, string> = {};
    try {
      assertSameOrigin(c);
      form = await readForm(await c.req.arrayBuffer(), c.req.header("content-type"));
      const created = await backend.createTopic(createTopicFromForm(form));
      return c.redirect(`${topicHref(created.name)}?done=created`, 303);
    } catch (err) {
      const error = failure(err);
      return page(
        c,
        async () => (
          <TopicsPage topics={await topicRows()} notice={errorNotice(error)} form={form} />
        ),
        error.status,
      );
    }
  });

  app.get("/ui/topics/:topic", (c) =>
    page(c, async () => (
      <TopicPage
        topic={await backend.describeTopic(c.req.param("topic"))}
        notice={doneNotice(c.req.query("done"))}
      />
    )));

  app.post("/ui/topics/:topic/delete", async (c) => {
    const topic = c.req.param("topic");
    try {
      assertSameOrigin(c);
      await backend.deleteTopic(topic);
      return c.redirect("/ui/topics?done=deleted", 303);
    } catch (err) {
      const error = failure(err);
      return page(
        c,
        async () => <TopicsPage topics={await topicRows()} notice={errorNotice(error)} />,
        error.status,
      );
    }
  });

  app.post("/ui/topics/:topic/configs", async (c) => {
    const topic = c.req.param("topic");
    let form: Record<string, string> = {};
    try {
      assertSameOrigin(c);
      form = await readForm(await c.req.arrayBuffer(), c.req.header("content-type"));
      await backend.alterTopicConfigs(topic, configFromForm(form));
      return c.redirect(`${topicHref(topic)}?done=config#configs`, 303);
    } catch (err) {
      const error = failure(err);
      return page(c, async () => (
        <TopicPage
          topic={await backend.describeTopic(topic)}
          notice={errorNotice(error)}
          config={form}
        />
      ), error.status);
    }
  });

  app.post("/ui/topics/:topic/records", async (c) => {
    const topic = c.req.param("topic");
    let form: Record<string, string> = {};
    try {
      assertSameOrigin(c);
      form = await readForm(await c.req.arrayBuffer(), c.req.header("content-type"));
      const info = await backend.produceInfo(topic);
      const plan = encodeProduceRecords([recordFromForm(form, info.partitions)], {
        partitions: info.partitions,
        maxBatchBytes: info.maxMessageBytes,
        now: deps.now,
        random: deps.random,
      });
      const results = await Promise.all(
        plan.map((entry) =>
          backend.appendBatches(topic, entry.partition, entry.batches, { acks: -1 })
        ),
      );
      const [written] = offsetsInRequestOrder(plan, results.map((r) => r.baseOffset));
      if (written === undefined) throw new Error("produce returned no offset");
      return c.redirect(
        recordsHref(topic, {
          partition: written.partition,
          from: "offset",
          offset: written.offset,
          produced: written.offset,
        }),
        303,
      );
    } catch (err) {
      const error = failure(err);
      return page(c, async () => (
        <TopicPage
          topic={await backend.describeTopic(topic)}
          notice={errorNotice(error)}
          produce={form}
        />
      ), error.status);
    }
  });

  app.get("/ui/topics/:topic/records", (c) =>
    page(c, async () => {
      const topic = c.req.param("topic");
      const description = await backend.describeTopic(topic);
      const partitions = description.partitions.length;
      const parsed = parseBrowseQuery(c.req.query(), partitions);
      const { query } = parsed;
      let notice: Notice | undefined;
      let result;
      if (parsed.start === undefined) {
        notice = errorNotice(
          parsed.error ?? new WeirError("INVALID_REQUEST", "Cannot read records"),
        );
      } else {
        try {
          result = await readRecords(backend, { topic, partition: query.partition }, {
            start: parsed.start,
            limit: query.limit,
          });
        } catch (err) {
          notice = errorNotice(failure(err));
        }
      }
      const produced = c.req.query("produced");
      if (notice === undefined && produced !== undefined && /^\d{1,15}$/.test(produced)) {
        notice = {
          kind: "ok",
          text: `Record produced to partition ${query.partition} at offset ${Number(produced)}.`,
        };
      }
      return (
        <RecordsPage
          topic={description.name}
          partitions={partitions}
          query={query}
          result={result}
          notice={notice}
        />
      );
    }));

  app.get(
    "/ui/groups",
    (c) => page(c, async () => <GroupsPage groups={await backend.listGroups()} />),
  );

  app.get(
    "/ui/groups/:group",
    (c) =>
      page(c, async () => <GroupPage group={await backend.describeGroup(c.req.param("group"))} />),
  );

  app.get(
    "/ui/cluster",
    (c) => page(c, async () => <ClusterPage cluster={await backend.cluster()} />),
  );

  app.get("/ui/*", (c) =>
    page(c, () => {
      throw new WeirError("NOT_FOUND", `Cannot show "${c.req.path}": no such page`);
    }));
}

function asset(c: Context, body: string, type: string): Response {
  c.header("Content-Type", type);
  c.header("Cache-Control", "no-cache");
  return c.body(body, 200);
}

/** Renders a page; a thrown error renders an error page with the error's status. */
async function page(
  c: Context,
  render: () => Html | Promise<Html>,
  status = 200,
): Promise<Response> {
  try {
    return c.html(await render(), status as 200);
  } catch (err) {
    const error = failure(err);
    return c.html(
      <Layout title="Error" section={sectionOf(c.req.path)} notice={errorNotice(error)}>
        <h1>{error.status === 404 ? "Not found" : "Something went wrong"}</h1>
        <p>
          <a href="/ui">Back to the overview</a>
        </p>
      </Layout>,
      error.status as 400,
    );
  }
}

function sectionOf(path: string): "overview" | "topics" | "groups" | "cluster" {
  if (path.startsWith("/ui/topics")) return "topics";
  if (path.startsWith("/ui/groups")) return "groups";
  if (path.startsWith("/ui/cluster")) return "cluster";
  return "overview";
}

function failure(err: unknown): WeirError {
  const error = toEdgeError(err);
  if (error.status >= 500) {
    logger.error("UI request failed: {message}", { message: error.message, error: err });
  }
  return error;
}

function errorNotice(error: WeirError): Notice {
  return { kind: "error", text: `${error.message} (${error.code})` };
}

function doneNotice(done: string | undefined): Notice | undefined {
  const text = done === undefined ? undefined : DONE_MESSAGES[done];
  return text === undefined ? undefined : { kind: "ok", text };
}

/**
 * Accepts a form post only from this origin.
 *
 * @throws {WeirError} `CLUSTER_AUTHORIZATION_FAILED` for a post from another site.
 */
function assertSameOrigin(c: Context): void {
  if (c.req.header("sec-fetch-site") === "same-origin") return;
  const origin = c.req.header("origin");
  if (origin !== undefined && origin === new URL(c.req.url).origin) return;
  throw new WeirError(
    "CLUSTER_AUTHORIZATION_FAILED",
    "Cannot accept the form: it was not sent from this site's own pages",
  );
}
