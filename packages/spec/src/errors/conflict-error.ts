import { BackendError } from "./backend-error.ts";

/**
 * `KVKIT_CONFLICT`: a compare-and-set or an atomic commit was refused because one or more of
 * its version checks did not hold. Nothing was written. `keys` lists every failed check.
 */
export class ConflictError extends BackendError {
  override readonly name = "ConflictError";
  readonly code = "KVKIT_CONFLICT";
  /** The keys whose version checks failed, in the order they were checked. */
  readonly keys: readonly string[];

  constructor(keys: readonly string[], options?: ErrorOptions) {
    super(`Version check failed for ${keys.map((key) => JSON.stringify(key)).join(", ")}`, options);
    this.keys = keys;
  }
}
