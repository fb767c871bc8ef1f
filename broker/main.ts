// deno-lint-ignore-file no-console
/**
 * `deno task start`: the broker's command-line entry. The broker itself
 * arrives with the broker issue; until then this says so.
 *
 * @module
 */
if (import.meta.main) {
  console.log("Weir: the broker is not built yet (see the broker issue); nothing to start.");
}
