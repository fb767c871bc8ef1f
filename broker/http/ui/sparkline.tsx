/**
 * {@linkcode Sparkline}: the empty chart the page script fills from polled
 * figures (records/s on the overview, total lag on a group page).
 *
 * @module
 */
import type { Html } from "./layout.tsx";

/** An empty 300×60 line chart with an accessible label; `ui.js` draws the polyline. */
export function Sparkline({ label }: { label: string }): Html {
  return (
    <svg
      class="spark"
      viewBox="0 0 300 60"
      preserveAspectRatio="none"
      role="img"
      aria-label={label}
    >
      <line x1="0" y1="59" x2="300" y2="59" />
      <polyline points="" />
    </svg>
  );
}
