// Weir web UI: the few live parts of the server-rendered pages. Plain browser
// JavaScript, no build step. Every piece of data goes into the page through
// textContent or DOM attributes; nothing from data is ever parsed as HTML.
"use strict";

(() => {
  const POLL_MS = 2000;
  const MAX_POINTS = 60;
  const MAX_TAIL_ROWS = 1000;
  const MAX_SHOWN_BYTES = 16 * 1024;

  /** Creates an element with a class and text. */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fmt(n) {
    return Number(n).toLocaleString("en-US");
  }

  function fmtTime(ms) {
    const d = new Date(ms);
    return Number.isNaN(d.getTime())
      ? String(ms)
      : d.toISOString().replace("T", " ").replace("Z", " UTC");
  }

  async function getJson(path) {
    const res = await fetch(path, { headers: { accept: "application/json" } });
    if (!res.ok) {
      const err = new Error(`HTTP ${res.status}`);
      err.status = res.status;
      throw err;
    }
    return await res.json();
  }

  /** Polls `fn` every POLL_MS while the page is visible; one call at a time. */
  function every(fn) {
    let busy = false;
    const tick = async () => {
      if (busy || document.hidden) return;
      busy = true;
      try {
        await fn();
      } finally {
        busy = false;
      }
    };
    tick();
    setInterval(tick, POLL_MS);
  }

  /** Draws values as a polyline scaled into the SVG's 300×60 view box. */
  function drawSpark(svg, values) {
    const line = svg.querySelector("polyline");
    if (!line) return;
    const max = Math.max(1, ...values);
    const step = 300 / (MAX_POINTS - 1);
    const start = MAX_POINTS - values.length;
    const points = values.map((v, i) =>
      `${((start + i) * step).toFixed(1)},${(58 - (v / max) * 54).toFixed(1)}`
    );
    line.setAttribute("points", points.join(" "));
  }

  // --- confirm before destructive forms -------------------------------------------------------
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!globalThis.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  // --- overview: throughput from high watermarks ----------------------------------------------
  const throughput = document.querySelector("[data-throughput]");
  if (throughput) {
    const rateText = throughput.querySelector("[data-rate]");
    const svg = throughput.querySelector("svg");
    const rates = [];
    let last;
    every(async () => {
      try {
        const { topics } = await getJson("/v1/topics");
        const described = await Promise.all(
          topics.slice(0, 50).map((t) =>
            getJson(`/v1/topics/${encodeURIComponent(t.name)}`).catch(() => null)
          ),
        );
        let total = 0;
        for (const d of described) {
          if (d) { for (const p of d.partitions) total += p.highWatermark; }
        }
        const now = performance.now();
        if (last) {
          const rate = Math.max(0, (total - last.total) / ((now - last.at) / 1000));
          rates.push(rate);
          if (rates.length > MAX_POINTS) rates.shift();
          rateText.textContent = `${fmt(Math.round(rate))} records/s`;
          drawSpark(svg, rates);
        }
        last = { total, at: now };
      } catch {
        rateText.textContent = "unavailable";
      }
    });
  }

  // --- consumer group: lag polling ------------------------------------------------------------
  const groupPanel = document.querySelector("[data-group]");
  if (groupPanel) {
    const groupId = groupPanel.dataset.group;
    const svg = groupPanel.querySelector("svg");
    const totalText = groupPanel.querySelector("[data-total-lag]");
    const stateTag = document.querySelector("[data-group-state]");
    const epochText = document.querySelector("[data-group-epoch]");
    const membersText = document.querySelector("[data-group-members]");
    const offsetsBody = document.querySelector("tbody[data-offsets]");
    const membersBody = document.querySelector("tbody[data-members]");
    const lags = [];
    every(async () => {
      let group;
      try {
        group = await getJson(`/v1/groups/${encodeURIComponent(groupId)}`);
      } catch (err) {
        totalText.textContent = err.status === 404 ? "group is gone" : "unavailable";
        return;
      }
      const total = group.offsets.reduce((n, o) => n + o.lag, 0);
      lags.push(total);
      if (lags.length > MAX_POINTS) lags.shift();
      totalText.textContent = fmt(total);
      drawSpark(svg, lags);
      stateTag.textContent = group.state;
      stateTag.className = `tag state-${group.state}`;
      epochText.textContent = String(group.epoch);
      membersText.textContent = String(group.members.length);
      offsetsBody.replaceChildren(...group.offsets.map((o) => {
        const tr = el("tr");
        const name = el("td", "name");
        const link = el("a", "", o.topic);
        link.href = `/ui/topics/${encodeURIComponent(o.topic)}`;
        name.append(link);
        const lag = el("td", "num", fmt(o.lag));
        lag.dataset.lag = "";
        tr.append(
          name,
          el("td", "num", String(o.partition)),
          el("td", "num", fmt(o.committed)),
          el("td", "num", fmt(o.highWatermark)),
          lag,
        );
        return tr;
      }));
      if (group.members.length === 0) {
        const empty = el("td", "muted", "No members: nobody consumes right now");
        empty.colSpan = 4;
        const tr = el("tr");
        tr.append(empty);
        membersBody.replaceChildren(tr);
        return;
      }
      membersBody.replaceChildren(...group.members.map((m) => {
        const tr = el("tr");
        const id = el("td", "name");
        id.append(el("code", "", m.memberId));
        const assignment = m.assignment.map((a) => `${a.topic}: ${a.partitions.join(", ")}`)
          .join("; ");
        tr.append(
          id,
          el("td", "name", m.instanceId ?? "–"),
          el("td", "num", String(m.memberEpoch)),
          el("td", "name", assignment || "nothing"),
        );
        return tr;
      }));
    });
  }

  // --- record browser: live tail over SSE -----------------------------------------------------
  const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

  function fromBase64(text) {
    const bin = atob(text);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }

  function hexDump(bytes) {
    const lines = [];
    for (let at = 0; at < bytes.length; at += 16) {
      const row = Array.from(bytes.subarray(at, at + 16));
      const hex = row.map((b) => b.toString(16).padStart(2, "0")).join(" ");
      const ascii = row.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "."))
        .join("");
      lines.push(`${at.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  ${ascii}`);
    }
    return lines.join("\n");
  }

  /** Mirrors record_view.ts showBytes(): JSON → text → hex. */
  function showBytes(bytes, view) {
    if (bytes === null) return { kind: "null", text: "", cut: 0 };
    const shown = bytes.length > MAX_SHOWN_BYTES ? bytes.subarray(0, MAX_SHOWN_BYTES) : bytes;
    const cut = bytes.length - shown.length;
    if (view === "auto") {
      let text = null;
      try {
        text = strictUtf8.decode(bytes);
      } catch {
        text = null;
      }
      if (text !== null) {
        if (cut === 0 && text.trim() !== "") {
          try {
            return { kind: "json", text: JSON.stringify(JSON.parse(text), null, 2), cut: 0 };
          } catch {
            // not JSON: shown as text
          }
        }
        return { kind: "text", text: cut > 0 ? text.slice(0, MAX_SHOWN_BYTES) : text, cut };
      }
    }
    return { kind: "hex", text: hexDump(shown), cut };
  }

  function payloadCell(base64, view) {
    const td = el("td", "name");
    const shown = showBytes(
      base64 === null || base64 === undefined ? null : fromBase64(base64),
      view,
    );
    if (shown.kind === "null") {
      td.append(el("span", "null", "null"));
      return td;
    }
    const pre = el("pre", shown.kind, shown.text);
    pre.dataset.kind = shown.kind;
    td.append(pre);
    if (shown.cut > 0) td.append(el("span", "muted", `… ${fmt(shown.cut)} more bytes`));
    return td;
  }

  function recordRow(record, view) {
    const tr = el("tr");
    tr.dataset.offset = String(record.offset);
    const headers = el("td", "name");
    const names = Object.keys(record.headers);
    if (names.length === 0) headers.append(el("span", "null", "none"));
    else {
      const dl = el("dl", "kv");
      for (const name of names) dl.append(el("dt", "", name), el("dd", "", record.headers[name]));
      headers.append(dl);
    }
    const cells = [
      el("td", "num", String(record.offset)),
      el("td", "", fmtTime(record.timestamp)),
      payloadCell(record.keyBase64, view),
      payloadCell(record.valueBase64, view),
      headers,
    ];
    ["Offset", "Timestamp", "Key", "Value", "Headers"].forEach((label, i) => {
      cells[i].dataset.label = label;
    });
    tr.append(...cells);
    return tr;
  }

  const tailButton = document.querySelector("button[data-tail]");
  if (tailButton) {
    const body = document.querySelector("tbody[data-records]");
    const status = document.querySelector("[data-tail-status]");
    const dot = document.querySelector("[data-tail-dot]");
    const { topic, partition, view } = tailButton.dataset;
    let next = Number(tailButton.dataset.next);
    let source = null;
    const stop = (text) => {
      if (source) source.close();
      source = null;
      tailButton.textContent = "Live tail";
      tailButton.setAttribute("aria-pressed", "false");
      dot.classList.remove("on");
      status.textContent = text;
    };
    tailButton.addEventListener("click", () => {
      if (source) return stop("stopped");
      const url = `/v1/topics/${encodeURIComponent(topic)}/partitions/${
        encodeURIComponent(partition)
      }/stream?format=binary&offset=${next}`;
      source = new EventSource(url);
      tailButton.textContent = "Stop";
      tailButton.setAttribute("aria-pressed", "true");
      status.textContent = "connecting…";
      source.addEventListener("open", () => {
        dot.classList.add("on");
        status.textContent = "live";
      });
      source.addEventListener("message", (event) => {
        const record = JSON.parse(event.data);
        next = record.offset + 1;
        document.querySelector("[data-records-empty]")?.remove();
        body.append(recordRow(record, view));
        while (body.rows.length > MAX_TAIL_ROWS) body.rows[0].remove();
      });
      source.addEventListener("error", (event) => {
        if (event.data) {
          let message = "stream failed";
          try {
            message = JSON.parse(event.data).error.message;
          } catch {
            // keep the generic text
          }
          stop(message);
        } else {
          dot.classList.remove("on");
          status.textContent = "reconnecting…";
        }
      });
    });
  }
})();
