import { BackendError } from "./backend-error.ts";

/**
 * `KVKIT_CORRUPTED`: stored data failed an integrity check (a bad checksum, an unknown format
 * version). The backend refuses to return or overwrite what it cannot trust.
 */
export class CorruptedError extends BackendError {
  override readonly name = "CorruptedError";
  readonly code = "KVKIT_CORRUPTED";
}
