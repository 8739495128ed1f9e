import { BackendError } from "./backend-error.ts";

/**
 * `KVKIT_TIMEOUT`: a read, or a write known not to have been sent, did not complete within
 * its deadline. A write that may have reached the store rejects with
 * {@link OutcomeUnknownError} instead.
 */
export class TimeoutError extends BackendError {
  override readonly name = "TimeoutError";
  readonly code = "KVKIT_TIMEOUT";
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number, options?: ErrorOptions) {
    super(message, options);
    this.timeoutMs = timeoutMs;
  }
}
