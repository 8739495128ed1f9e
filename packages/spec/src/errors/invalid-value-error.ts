import { BackendError } from "./backend-error.ts";

/**
 * `KVKIT_INVALID_VALUE`: a well-typed value the backend cannot store (for example a
 * `Uint8Array` over a detached buffer). Values that are too big are {@link TooLargeError}.
 */
export class InvalidValueError extends BackendError {
  override readonly name = "InvalidValueError";
  readonly code = "KVKIT_INVALID_VALUE";

  constructor(reason: string, options?: ErrorOptions) {
    super(`Invalid value: ${reason}`, options);
  }
}
