/**
 * What every route registrar receives (private to routes/).
 *
 * @module
 */
import type { EdgeBackend } from "../backend.ts";

/** The backend plus the injected clock and randomness of the edge. */
export interface RouteDeps {
  /** The broker as the edge sees it. */
  backend: EdgeBackend;
  /** Broker time in ms (stamped on records sent without a timestamp). */
  now: () => number;
  /** A number in [0, 1) (picks the sticky partition of keyless records). */
  random: () => number;
}
