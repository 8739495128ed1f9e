/** Options every operation accepts. */
export interface OperationOptions {
  /**
   * Cancels the operation. The promise then rejects with `KVKIT_ABORTED` (an
   * `AbortedError` whose `cause` is `signal.reason`). A signal that has already fired
   * rejects before any work starts.
   */
  readonly signal?: AbortSignal | undefined;
}

/** Options of a write that may expire. */
export interface WriteOptions extends OperationOptions {
  /**
   * Time to live in milliseconds, a positive integer (at most `Number.MAX_SAFE_INTEGER`). The key becomes invisible to every read
   * (get, has, list, batch reads, versioned reads) once it has expired. Without `ttlMs` a write
   * stores the key with no expiry, removing any expiry it had.
   *
   * Rejects with `KVKIT_NOT_SUPPORTED` unless the backend declares the `ttl` capability, and
   * with `KVKIT_INVALID_OPTION` when it is not a positive integer.
   */
  readonly ttlMs?: number | undefined;
}
