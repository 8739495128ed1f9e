import { BackendError } from "./backend-error.ts";

/**
 * `KVKIT_INVALID_OPTION`: a well-typed option has a value the call cannot accept (a negative
 * `limit`, a `ttlMs` of 0, an unknown backend option, a URL scheme no plugin handles).
 * `problems` lists every issue found, one sentence each.
 */
export class InvalidOptionError extends BackendError {
  override readonly name = "InvalidOptionError";
  readonly code = "KVKIT_INVALID_OPTION";
  /** Every problem found, one human-readable sentence each. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(
      problems.length === 1 ? `${problems[0]}` : `Invalid options:\n- ${problems.join("\n- ")}`,
      options,
    );
    this.problems = problems;
  }
}
