import { BackendError } from "./backend-error.ts";

/**
 * `KVKIT_OUTCOME_UNKNOWN`: a write left for the store and its answer was lost (connection cut,
 * deadline passed). It may or may not have been applied; it was not applied twice. The caller
 * should read the key (with its version, where available) before deciding to retry.
 * Never reported as success or as a conflict.
 */
export class OutcomeUnknownError extends BackendError {
  override readonly name = "OutcomeUnknownError";
  readonly code = "KVKIT_OUTCOME_UNKNOWN";
}
