import { BackendError } from "./backend-error.ts";

/**
 * `KVKIT_ABORTED`: the operation's `signal` fired. `name` is `"AbortError"` so generic abort
 * checks still work, and `cause` is `signal.reason`.
 *
 * An aborted read had no effect. An aborted write either took effect completely or not at all;
 * a backend that cannot tell which rejects with {@link OutcomeUnknownError} instead.
 */
export class AbortedError extends BackendError {
  override readonly name = "AbortError";
  readonly code = "KVKIT_ABORTED";

  constructor(reason?: unknown) {
    super("The operation was aborted", { cause: reason });
  }
}
