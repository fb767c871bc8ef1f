/**
 * `GET /ui/topics`: every topic with partitions, replication factor, log end
 * offsets and its main configs; a create form and a delete button per topic.
 *
 * @module
 */
import { type Html, Layout, type Notice } from "../layout.tsx";
import { fmt, topicHref } from "../links.ts";
import type { TopicRow } from "./overview.tsx";

/** Props of {@linkcode TopicsPage}. */
export interface TopicsProps {
  /** Topics with offsets and configs. */
  topics: TopicRow[];
  /** Message after an action. */
  notice?: Notice | undefined;
  /** The create form's values after a failed submit. */
  form?: Record<string, string> | undefined;
}

const SHOWN_CONFIGS = ["cleanup.policy", "retention.ms", "min.insync.replicas"] as const;

/** The topics page. */
export function TopicsPage({ topics, notice, form = {} }: TopicsProps): Html {
  return (
    <Layout title="Topics" section="topics" notice={notice}>
      <h1>Topics</h1>
      <p class="sub">{fmt(topics.length)} topics</p>
      {topics.length === 0 ? <p class="panel empty">No topics yet.</p> : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Topic</th>
                <th scope="col" class="num">Partitions</th>
                <th scope="col" class="num">RF</th>
                <th scope="col" class="num">Log end offsets</th>
                <th scope="col">Configs</th>
                <th scope="col">
                  <span class="skip">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {topics.map((t) => (
                <tr>
                  <td class="name">
                    <a href={topicHref(t.name)}>{t.name}</a>
                  </td>
                  <td class="num">{fmt(t.partitions)}</td>
                  <td class="num">{t.replicationFactor}</td>
                  <td class="num">
                    {fmt(t.logEnd)}
                    <span class="ends">
                      {t.ends.slice(0, 6).map((end, p) => `p${p}: ${fmt(end)}`).join(" · ")}
                      {t.ends.length > 6 ? " …" : ""}
                    </span>
                  </td>
                  <td>
                    {SHOWN_CONFIGS.filter((k) => t.configs[k] !== undefined).map((k) => (
                      <div>
                        <code>{k}</code>={String(t.configs[k])}
                      </div>
                    ))}
                  </td>
                  <td>
                    <form
                      class="inline"
                      method="post"
                      action={`${topicHref(t.name)}/delete`}
                      data-confirm={`Delete topic "${t.name}" and all its records?`}
                    >
                      <button type="submit" class="danger" aria-label={`Delete topic ${t.name}`}>
                        Delete
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2 id="create">Create a topic</h2>
      <form class="panel stack" method="post" action="/ui/topics" aria-labelledby="create">
        <div class="row">
          <label class="grow">
            Name
            <input
              name="name"
              required
              maxlength={249}
              pattern="[a-zA-Z0-9._\-]+"
              title="Letters, digits, '.', '_' and '-'"
              autocomplete="off"
              value={form.name ?? ""}
            />
          </label>
          <label>
            Partitions
            <input
              name="partitions"
              type="number"
              min={1}
              max={100000}
              required
              value={form.partitions ?? "1"}
            />
          </label>
          <label>
            Replication factor
            <input
              name="replicationFactor"
              type="number"
              min={1}
              required
              value={form.replicationFactor ?? "1"}
            />
          </label>
          <label>
            Cleanup policy
            <select name="cleanup.policy">
              <option value="delete" selected={form["cleanup.policy"] !== "compact"}>delete</option>
              <option value="compact" selected={form["cleanup.policy"] === "compact"}>
                compact
              </option>
            </select>
          </label>
          <label>
            Retention (ms, empty = default)
            <input
              name="retention.ms"
              inputmode="numeric"
              pattern="-?[0-9]*"
              value={form["retention.ms"] ?? ""}
            />
          </label>
        </div>
        <div>
          <button type="submit">Create topic</button>
        </div>
      </form>
    </Layout>
  );
}
