/**
 * The web UI at `/ui`: {@linkcode registerUi} adds its routes to the edge app.
 *
 * @module
 */
export { registerUi, UI_CSP } from "./register_ui.tsx";
