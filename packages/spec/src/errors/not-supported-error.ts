import { BackendError } from "./backend-error.ts";

/**
 * `KVKIT_NOT_SUPPORTED`: the call needs a capability (or an option of one, such as `ttlMs`)
 * that the backend does not declare in its manifest. It is raised before anything is touched:
 * an undeclared capability is never a silent no-op.
 */
export class NotSupportedError extends BackendError {
  override readonly name = "NotSupportedError";
  readonly code = "KVKIT_NOT_SUPPORTED";
  /** The capability (or feature) that is missing, such as `"watch"` or `"ttl"`. */
  readonly capability: string;

  constructor(capability: string, options?: ErrorOptions) {
    super(`This backend does not support ${capability}`, options);
    this.capability = capability;
  }
}
