import { AbortedError } from "./errors/aborted-error.ts";

/**
 * Throws `KVKIT_ABORTED` if `signal` has fired. Call it before starting work and between
 * awaited steps.
 *
 * @throws {AbortedError} with `signal.reason` as `cause`.
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortedError(signal.reason);
}
