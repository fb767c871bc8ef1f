/**
 * `GET /ui/groups`: every consumer group with its state and member count.
 *
 * @module
 */
import type { GroupSummary } from "../../../../client/protocol/mod.ts";
import { type Html, Layout } from "../layout.tsx";
import { groupHref } from "../links.ts";

/** The consumer groups page. */
export function GroupsPage({ groups }: { groups: GroupSummary[] }): Html {
  return (
    <Layout title="Consumer groups" section="groups">
      <h1>Consumer groups</h1>
      <p class="sub">{groups.length} groups</p>
      {groups.length === 0
        ? (
          <p class="panel empty">
            No consumer groups yet: a group appears when a consumer joins or offsets are committed.
          </p>
        )
        : (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">State</th>
                  <th scope="col" class="num">Members</th>
                </tr>
              </thead>
              <tbody>
                {groups.map((g) => (
                  <tr>
                    <td class="name">
                      <a href={groupHref(g.groupId)}>{g.groupId}</a>
                    </td>
                    <td>
                      <span class={`tag state-${g.state}`}>{g.state}</span>
                    </td>
                    <td class="num">{g.members}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </Layout>
  );
}
