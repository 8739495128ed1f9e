import { BackendError } from "./backend-error.ts";

/** What exceeded a limit declared in the manifest. */
export type SizeLimit = "key" | "value" | "batch";

/**
 * `KVKIT_TOO_LARGE`: a key, a value or a batch exceeds a limit the backend declares in
 * `manifest.limits`. Nothing was written. The caller should split or shrink the input.
 *
 * One code covers every size limit so that a caller who passes user input branches once;
 * `limit` says which one was hit.
 */
export class TooLargeError extends BackendError {
  override readonly name = "TooLargeError";
  readonly code = "KVKIT_TOO_LARGE";
  /** Which limit was exceeded. */
  readonly limit: SizeLimit;
  /** The size that was refused: bytes for keys and values, entries for batches. */
  readonly size: number;
  /** The declared maximum, in the same unit as `size`. */
  readonly max: number;

  constructor(limit: SizeLimit, size: number, max: number, options?: ErrorOptions) {
    super(`The ${limit} is too large: ${size} exceeds the maximum of ${max}`, options);
    this.limit = limit;
    this.size = size;
    this.max = max;
  }
}
