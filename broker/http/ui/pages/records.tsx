/**
 * `GET /ui/topics/:topic/records`: the record browser of one partition:
 * start at the tail, the earliest offset, an offset or a timestamp; keys and
 * values as pretty JSON, text or hex; headers; and a live tail (the browser
 * opens the SSE route and appends rows with `textContent`).
 *
 * @module
 */
import type { DecodedRecord } from "../../../../client/protocol/mod.ts";
import { type Html, Layout, type Notice } from "../layout.tsx";
import { fmt, fmtTime, topicHref } from "../links.ts";
import { showBytes, type ViewMode } from "../record_view.ts";

/** The browser's query, as the form shows it. */
export interface BrowseQuery {
  /** Partition shown. */
  partition: number;
  /** `tail`, `earliest`, `offset` or `timestamp`. */
  from: "tail" | "earliest" | "offset" | "timestamp";
  /** Offset field (for `from=offset`). */
  offset: string;
  /** Timestamp field (for `from=timestamp`): ms or an ISO date. */
  timestamp: string;
  /** Most records. */
  limit: number;
  /** `auto` or `hex`. */
  view: ViewMode;
}

/** Props of {@linkcode RecordsPage}. */
export interface RecordsProps {
  /** Topic name. */
  topic: string;
  /** Partition count. */
  partitions: number;
  /** The query. */
  query: BrowseQuery;
  /** What was read, or undefined when reading failed (see `notice`). */
  result?: {
    records: DecodedRecord[];
    from: number;
    nextOffset: number;
    logStartOffset: number;
    highWatermark: number;
  } | undefined;
  /** Message (e.g. the record just produced, or why reading failed). */
  notice?: Notice | undefined;
}

function Payload({ bytes, view }: { bytes: Uint8Array | null; view: ViewMode }): Html {
  const shown = showBytes(bytes, view);
  if (shown.kind === "null") return <span class="null">null</span>;
  return (
    <>
      <pre class={shown.kind} data-kind={shown.kind}>{shown.text}</pre>
      {shown.cut > 0 ? <span class="muted">… {fmt(shown.cut)} more bytes</span> : null}
    </>
  );
}

const decoder = new TextDecoder();

/** The record browser page. */
export function RecordsPage({ topic, partitions, query, result, notice }: RecordsProps): Html {
  return (
    <Layout title={`${topic} records`} section="topics" notice={notice}>
      <p class="sub">
        <a href="/ui/topics">Topics</a> / <a href={topicHref(topic)}>{topic}</a> /
      </p>
      <h1>Records of {topic}</h1>
      <form class="panel stack" method="get" aria-label="Choose records">
        <div class="row">
          <label>
            Partition
            <select name="partition">
              {Array.from(
                { length: partitions },
                (_, p) => (
                  <option key={p} value={String(p)} selected={p === query.partition}>{p}</option>
                ),
              )}
            </select>
          </label>
          <label>
            Start at
            <select name="from">
              <option value="tail" selected={query.from === "tail"}>Newest records</option>
              <option value="earliest" selected={query.from === "earliest"}>Earliest</option>
              <option value="offset" selected={query.from === "offset"}>Offset</option>
              <option value="timestamp" selected={query.from === "timestamp"}>Timestamp</option>
            </select>
          </label>
          <label>
            Offset
            <input name="offset" inputmode="numeric" value={query.offset} />
          </label>
          <label>
            Timestamp (ms or ISO)
            <input name="timestamp" value={query.timestamp} placeholder="2026-01-01T00:00:00Z" />
          </label>
          <label>
            Max records
            <input name="limit" type="number" min={1} max={500} value={String(query.limit)} />
          </label>
          <label>
            Show as
            <select name="view">
              <option value="auto" selected={query.view === "auto"}>JSON / text</option>
              <option value="hex" selected={query.view === "hex"}>Hex</option>
            </select>
          </label>
          <button type="submit">Show</button>
        </div>
      </form>

      {result === undefined ? null : (
        <>
          <div class="chart-head">
            <p class="sub">
              Partition {query.partition} · log start {fmt(result.logStartOffset)} · high watermark
              {" "}
              {fmt(result.highWatermark)} · showing from {fmt(result.from)}
            </p>
            <span class="live">
              <span class="dot" data-tail-dot></span>
              <button
                type="button"
                class="secondary"
                data-tail
                data-topic={topic}
                data-partition={String(query.partition)}
                data-next={String(result.nextOffset)}
                data-view={query.view}
                aria-pressed="false"
              >
                Live tail
              </button>
              <span class="muted" data-tail-status aria-live="polite"></span>
            </span>
          </div>
          <div class="scroll">
            <table class="records">
              <thead>
                <tr>
                  <th scope="col" class="num">Offset</th>
                  <th scope="col">Timestamp</th>
                  <th scope="col">Key</th>
                  <th scope="col">Value</th>
                  <th scope="col">Headers</th>
                </tr>
              </thead>
              <tbody data-records>
                {result.records.map((r) => (
                  <tr data-offset={String(r.offset)}>
                    <td class="num" data-label="Offset">{r.offset}</td>
                    <td data-label="Timestamp">{fmtTime(r.timestamp)}</td>
                    <td class="name" data-label="Key">
                      <Payload bytes={r.key} view={query.view} />
                    </td>
                    <td class="name" data-label="Value">
                      <Payload bytes={r.value} view={query.view} />
                    </td>
                    <td class="name" data-label="Headers">
                      {r.headers.length === 0 ? <span class="null">none</span> : (
                        <dl class="kv">
                          {r.headers.map((h) => (
                            <>
                              <dt>{h.key}</dt>
                              <dd>{h.value === null ? "" : decoder.decode(h.value)}</dd>
                            </>
                          ))}
                        </dl>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {result.records.length === 0
              ? <p class="empty" data-records-empty>No records here yet.</p>
              : null}
          </div>
        </>
      )}
    </Layout>
  );
}
