import { BackendError } from "./backend-error.ts";

/**
 * `KVKIT_INVALID_CURSOR`: a `list()` or `watch()` cursor was not produced by this backend (or
 * was produced for other options). Start again without a cursor.
 */
export class InvalidCursorError extends BackendError {
  override readonly name = "InvalidCursorError";
  readonly code = "KVKIT_INVALID_CURSOR";

  constructor(options?: ErrorOptions) {
    super("The cursor is not valid for this backend and these options", options);
  }
}
