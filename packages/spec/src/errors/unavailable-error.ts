import { BackendError } from "./backend-error.ts";

/**
 * `KVKIT_UNAVAILABLE`: the store could not be reached or refused the request (connection
 * refused, disk not writable). The write did not happen; retrying later may succeed.
 */
export class UnavailableError extends BackendError {
  override readonly name = "UnavailableError";
  readonly code = "KVKIT_UNAVAILABLE";
}
