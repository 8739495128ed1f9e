import { BackendError } from "./backend-error.ts";

/**
 * `KVKIT_INVALID_KEY`: a key (or a key prefix or bound) is a string the spec does not allow:
 * empty, or not well-formed Unicode (a lone surrogate). Keys that are too long are
 * {@link TooLargeError}. The caller should reject the input; retrying cannot help.
 */
export class InvalidKeyError extends BackendError {
  override readonly name = "InvalidKeyError";
  readonly code = "KVKIT_INVALID_KEY";
  /** Why the key was refused, for humans. */
  readonly reason: string;

  constructor(reason: string, options?: ErrorOptions) {
    super(`Invalid key: ${reason}`, options);
    this.reason = reason;
  }
}
