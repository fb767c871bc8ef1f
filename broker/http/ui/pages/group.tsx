/**
 * `GET /ui/groups/:group`: state, members and their assignment, committed
 * offsets with lag per partition, and a lag chart the browser keeps up to
 * date by polling `GET /v1/groups/:group` (it rebuilds the tables with
 * `textContent`).
 *
 * @module
 */
import type { GroupDescriptionResponse } from "../../../../client/protocol/mod.ts";
import { type Html, Layout } from "../layout.tsx";
import { Sparkline } from "../sparkline.tsx";
import { fmt, topicHref } from "../links.ts";

/** The consumer group page. */
export function GroupPage({ group }: { group: GroupDescriptionResponse }): Html {
  const totalLag = group.offsets.reduce((n, o) => n + o.lag, 0);
  return (
    <Layout title={group.groupId} section="groups">
      <p class="sub">
        <a href="/ui/groups">Consumer groups</a> /
      </p>
      <h1>{group.groupId}</h1>
      <p class="sub">
        State <span class={`tag state-${group.state}`} data-group-state>{group.state}</span> · epoch
        {" "}
        <span data-group-epoch>{group.epoch}</span> ·{" "}
        <span data-group-members>{group.members.length}</span> members
      </p>

      <h2 id="lag-title">Lag</h2>
      <section class="panel" data-group={group.groupId} aria-labelledby="lag-title">
        <div class="chart-head">
          <span>
            Total lag: <strong data-total-lag>{fmt(totalLag)}</strong>
          </span>
          <span>polled every 2 s in this browser</span>
        </div>
        <Sparkline label="Total lag over time" />
      </section>

      <h2>Offsets</h2>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Topic</th>
              <th scope="col" class="num">Partition</th>
              <th scope="col" class="num">Committed</th>
              <th scope="col" class="num">High watermark</th>
              <th scope="col" class="num">Lag</th>
            </tr>
          </thead>
          <tbody data-offsets>
            {group.offsets.map((o) => (
              <tr>
                <td class="name">
                  <a href={topicHref(o.topic)}>{o.topic}</a>
                </td>
                <td class="num">{o.partition}</td>
                <td class="num">{fmt(o.committed)}</td>
                <td class="num">{fmt(o.highWatermark)}</td>
                <td class="num" data-lag>{fmt(o.lag)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>Members</h2>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Instance</th>
              <th scope="col" class="num">Epoch</th>
              <th scope="col">Assignment</th>
            </tr>
          </thead>
          <tbody data-members>
            {group.members.length === 0
              ? (
                <tr>
                  <td class="muted" colspan={4}>No members: nobody consumes right now</td>
                </tr>
              )
              : null}
            {group.members.map((m) => (
              <tr>
                <td class="name">
                  <code>{m.memberId}</code>
                </td>
                <td class="name">{m.instanceId ?? "–"}</td>
                <td class="num">{m.memberEpoch}</td>
                <td class="name">
                  {m.assignment.map((a) => `${a.topic}: ${a.partitions.join(", ")}`).join("; ") ||
                    "nothing"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}
