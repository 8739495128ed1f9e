import { BackendError } from "./backend-error.ts";

/** `KVKIT_CLOSED`: the backend was closed; every data method rejects with this afterwards. */
export class ClosedError extends BackendError {
  override readonly name = "ClosedError";
  readonly code = "KVKIT_CLOSED";

  constructor(options?: ErrorOptions) {
    super("The backend is closed", options);
  }
}
