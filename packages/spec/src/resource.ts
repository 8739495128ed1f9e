/** Something that holds resources until closed. */
export interface Resource extends AsyncDisposable {
  /**
   * Releases everything: connections, file handles, timers, watch streams (which end
   * normally). Idempotent: later calls resolve without effect. Every data method called
   * afterwards rejects with `KVKIT_CLOSED`. Operations in flight settle (resolve or reject);
   * none is left pending.
   */
  close(): Promise<void>;
  /** Same as `close()`; makes `await using` work. */
  [Symbol.asyncDispose](): Promise<void>;
}
