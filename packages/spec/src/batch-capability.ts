import type { OperationOptions, WriteOptions } from "./operation-options.ts";

/** One write of {@link BatchCapability.setMany}. */
export interface BatchEntry {
  readonly key: string;
  readonly value: Uint8Array;
}

/**
 * Reads and writes of many keys in one call.
 *
 * Every key and value is validated before anything is written: one invalid key rejects the
 * whole call and writes nothing. A batch of more than `manifest.limits.maxBatchSize` entries
 * rejects with `KVKIT_TOO_LARGE`. When `manifest.atomicBatch` is true, a write batch is
 * all-or-nothing: no reader ever sees part of it, and a failure leaves none of it stored.
 * Without it, a failed write batch may have stored a part of its entries.
 */
export interface BatchCapability {
  /**
   * Resolves the values of `keys` in the same order, `undefined` where a key is missing.
   * A key named twice gets its value twice.
   */
  getMany(keys: readonly string[], options?: OperationOptions): Promise<(Uint8Array | undefined)[]>;

  /**
   * Stores every entry. When a key appears more than once the last entry wins.
   * `options.ttlMs` applies to every entry.
   */
  setMany(entries: readonly BatchEntry[], options?: WriteOptions): Promise<void>;

  /** Removes every key; resolves how many distinct keys existed (and had not expired). */
  deleteMany(keys: readonly string[], options?: OperationOptions): Promise<number>;
}
