/**
 * `GET /ui/cluster`: the cluster id, the controller and every live broker.
 *
 * @module
 */
import type { ClusterInfo } from "../../../../client/protocol/mod.ts";
import { type Html, Layout } from "../layout.tsx";

/** The cluster nodes page. */
export function ClusterPage({ cluster }: { cluster: ClusterInfo }): Html {
  return (
    <Layout title="Cluster" section="cluster">
      <h1>Cluster</h1>
      <p class="sub">
        Cluster id <code>{cluster.clusterId}</code> · {cluster.brokers.length} brokers
      </p>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col" class="num">Node</th>
              <th scope="col">Host</th>
              <th scope="col" class="num">Port</th>
              <th scope="col">Role</th>
            </tr>
          </thead>
          <tbody>
            {cluster.brokers.map((b) => (
              <tr>
                <td class="num">{b.id}</td>
                <td class="name">{b.host}</td>
                <td class="num">{b.port}</td>
                <td>{b.id === cluster.controller ? "controller" : "broker"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}
