/**
 * {@linkcode UsageError}: bad command-line input, which the CLI answers with
 * exit code 2 (API and server errors exit with 1).
 *
 * @module
 */
import { WeirError } from "../mod.ts";

/** A command line the CLI cannot run: unknown command or option, bad or missing value. */
export class UsageError extends WeirError {
  /**
   * Creates a usage error (code `INVALID_REQUEST`).
   *
   * @param message `Cannot <do X>: <reason>`.
   */
  constructor(message: string) {
    super("INVALID_REQUEST", message);
    this.name = "UsageError";
  }
}
