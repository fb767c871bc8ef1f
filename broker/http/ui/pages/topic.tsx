/**
 * `GET /ui/topics/:topic`: partitions (leader, replicas, ISR, offsets),
 * configs with an edit form, a produce form and a delete form.
 *
 * @module
 */
import type { TopicDescription } from "../../../../client/protocol/mod.ts";
import { type Html, Layout, type Notice } from "../layout.tsx";
import { fmt, recordsHref, topicHref } from "../links.ts";

/** Props of {@linkcode TopicPage}. */
export interface TopicProps {
  /** The topic. */
  topic: TopicDescription;
  /** Message after an action. */
  notice?: Notice | undefined;
  /** The produce form's values after a failed submit. */
  produce?: Record<string, string> | undefined;
  /** The config form's values after a failed submit. */
  config?: Record<string, string> | undefined;
}

/** The topic page. */
export function TopicPage({ topic, notice, produce = {}, config = {} }: TopicProps): Html {
  const base = topicHref(topic.name);
  const configNames = Object.keys(topic.configs).sort();
  return (
    <Layout title={topic.name} section="topics" notice={notice}>
      <p class="sub">
        <a href="/ui/topics">Topics</a> /
      </p>
      <h1>{topic.name}</h1>
      <p class="sub">
        {topic.partitions.length} partitions · replication factor {topic.replicationFactor} ·{" "}
        <a href={recordsHref(topic.name)}>Browse records</a>
      </p>

      <h2>Partitions</h2>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col" class="num">Partition</th>
              <th scope="col" class="num">Leader</th>
              <th scope="col">Replicas</th>
              <th scope="col">ISR</th>
              <th scope="col" class="num">Log start</th>
              <th scope="col" class="num">High watermark</th>
              <th scope="col" class="num">Records</th>
              <th scope="col">
                <span class="skip">Records link</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {topic.partitions.map((p) => (
              <tr>
                <td class="num">{p.partition}</td>
                <td class="num">{p.leader}</td>
                <td>{p.replicas.join(", ")}</td>
                <td>{p.isr.join(", ")}</td>
                <td class="num">{fmt(p.logStartOffset)}</td>
                <td class="num">{fmt(p.highWatermark)}</td>
                <td class="num">{fmt(p.highWatermark - p.logStartOffset)}</td>
                <td>
                  <a href={recordsHref(topic.name, { partition: p.partition })}>Browse</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2 id="produce">Produce a record</h2>
      <form class="panel stack" method="post" action={`${base}/records`} aria-labelledby="produce">
        <div class="row">
          <label>
            Partition
            <select name="partition">
              <option value="">By key (or sticky)</option>
              {topic.partitions.map((p) => (
                <option
                  value={String(p.partition)}
                  selected={produce.partition === String(p.partition)}
                >
                  {p.partition}
                </option>
              ))}
            </select>
          </label>
          <label class="grow">
            Key (empty = no key)
            <input name="key" autocomplete="off" value={produce.key ?? ""} />
          </label>
          <label>
            Value is
            <select name="valueAs">
              <option value="json" selected={produce.valueAs !== "text"}>JSON</option>
              <option value="text" selected={produce.valueAs === "text"}>Text</option>
            </select>
          </label>
        </div>
        <label>
          Value
          <textarea name="value" required rows={4} spellcheck={false}>
            {produce.value ?? ""}
          </textarea>
        </label>
        <label>
          <span>
            Headers (one per line, <code>name: value</code>)
          </span>
          <textarea name="headers" rows={2} spellcheck={false}>{produce.headers ?? ""}</textarea>
        </label>
        <div>
          <button type="submit">Produce</button>
        </div>
      </form>

      <h2 id="configs">Configs</h2>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {configNames.map((name) => (
              <tr>
                <td>
                  <code>{name}</code>
                </td>
                <td>{String(topic.configs[name])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form
        class="panel stack"
        method="post"
        action={`${base}/configs`}
        aria-label="Change a config"
      >
        <div class="row">
          <label>
            Config
            <select name="name">
              {configNames.map((name) => (
                <option value={name} selected={config.name === name}>{name}</option>
              ))}
            </select>
          </label>
          <label class="grow">
            New value
            <input name="value" required autocomplete="off" value={config.value ?? ""} />
          </label>
          <button type="submit">Save config</button>
        </div>
      </form>

      <h2 id="danger">Delete</h2>
      <form
        class="panel row"
        method="post"
        action={`${base}/delete`}
        data-confirm={`Delete topic "${topic.name}" and all its records?`}
        aria-labelledby="danger"
      >
        <span class="grow">Deleting a topic removes every partition and its data.</span>
        <button type="submit" class="danger">Delete topic</button>
      </form>
    </Layout>
  );
}
