/**
 * Temporary directories that remove themselves: `await using dir = await tempDir()`.
 *
 * @module
 */

/** A temp directory removed (recursively) on dispose. */
export interface TempDir extends AsyncDisposable {
  /** Absolute path. */
  readonly path: string;
}

/** Makes a temp directory that is removed when disposed; disposing twice is harmless. */
export async function tempDir(prefix = "weir-test-"): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix });
  let removed = false;
  return {
    path,
    async [Symbol.asyncDispose]() {
      if (removed) return;
      removed = true;
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}
