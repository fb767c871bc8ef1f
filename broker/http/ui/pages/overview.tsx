/**
 * `GET /ui`: cluster at a glance, a throughput sparkline (the browser polls
 * high watermarks and draws records/s) and every topic's log end.
 *
 * @module
 */
import type { ClusterInfo, GroupSummary } from "../../../../client/protocol/mod.ts";
import { type Html, Layout } from "../layout.tsx";
import { Sparkline } from "../sparkline.tsx";
import { fmt, groupHref, topicHref } from "../links.ts";

/** One topic's row: its counts and offsets summed over its partitions. */
export interface TopicRow {
  /** Topic name. */
  name: string;
  /** Partition count. */
  partitions: number;
  /** Replication factor. */
  replicationFactor: number;
  /** Sum of the partitions' high watermarks. */
  logEnd: number;
  /** Each partition's high watermark (its log end offset), by partition. */
  ends: number[];
  /** Sum of (high watermark − log start): records still in the log. */
  records: number;
  /** Typed configs. */
  configs: Record<string, number | string>;
}

/** Props of {@linkcode OverviewPage}. */
export interface OverviewProps {
  /** `GET /v1/cluster`. */
  cluster: ClusterInfo;
  /** Topics with offsets. */
  topics: TopicRow[];
  /** Consumer groups. */
  groups: GroupSummary[];
}

/** The overview page. */
export function OverviewPage({ cluster, topics, groups }: OverviewProps): Html {
  const partitions = topics.reduce((n, t) => n + t.partitions, 0);
  const records = topics.reduce((n, t) => n + t.records, 0);
  return (
    <Layout title="Overview" section="overview">
      <h1>Overview</h1>
      <p class="sub">
        Cluster <code>{cluster.clusterId}</code> · controller node {cluster.controller}
      </p>
      <div class="cards">
        <div class="card">
          <div class="n">{fmt(cluster.brokers.length)}</div>
          <div class="l">Brokers</div>
        </div>
        <div class="card">
          <div class="n">{fmt(topics.length)}</div>
          <div class="l">Topics</div>
        </div>
        <div class="card">
          <div class="n">{fmt(partitions)}</div>
          <div class="l">Partitions</div>
        </div>
        <div class="card">
          <div class="n">{fmt(records)}</div>
          <div class="l">Records in logs</div>
        </div>
        <div class="card">
          <div class="n">{fmt(groups.length)}</div>
          <div class="l">Consumer groups</div>
        </div>
      </div>

      <h2 id="throughput-title">Throughput</h2>
      <section class="panel" data-throughput aria-labelledby="throughput-title">
        <div class="chart-head">
          <span>
            Produced: <strong data-rate>measuring…</strong>
          </span>
          <span>from high watermarks, polled every 2 s in this browser</span>
        </div>
        <Sparkline label="Records per second over the last two minutes" />
      </section>

      <h2>Topics</h2>
      {topics.length === 0
        ? (
          <p class="panel empty">
            No topics yet. <a href="/ui/topics#create">Create one</a>.
          </p>
        )
        : (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col" class="num">Partitions</th>
                  <th scope="col" class="num">RF</th>
                  <th scope="col" class="num">Log end (sum)</th>
                  <th scope="col" class="num">Records</th>
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
                    <td class="num">{fmt(t.logEnd)}</td>
                    <td class="num">{fmt(t.records)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}

      <h2>Consumer groups</h2>
      {groups.length === 0 ? <p class="panel empty">No consumer groups yet.</p> : (
        <ul>
          {groups.map((g) => (
            <li>
              <a href={groupHref(g.groupId)}>{g.groupId}</a>{" "}
              <span class={`tag state-${g.state}`}>{g.state}</span>{" "}
              <span class="muted">{g.members} members</span>
            </li>
          ))}
        </ul>
      )}
    </Layout>
  );
}
