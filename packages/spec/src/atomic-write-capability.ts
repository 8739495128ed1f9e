import type { OperationOptions, WriteOptions } from "./operation-options.ts";

/**
 * An opaque version token. Compared only for equality. Every write of a key (by any method)
 * gives it a new version, and a version is never reused for the same key, even after the key
 * is deleted and written again.
 */
export type Version = string;

/** A value with its version, from {@link AtomicWriteCapability.getVersioned}. */
export interface VersionedValue {
  readonly value: Uint8Array;
  readonly version: Version;
}

/** A precondition of a commit: `key` must be at `version`, or absent when `version` is `null`. */
export interface VersionCheck {
  readonly key: string;
  readonly version: Version | null;
}

/** One write of a commit; `ttlMs` needs the `ttl` capability. */
export interface CommitSet {
  readonly key: string;
  readonly value: Uint8Array;
  readonly ttlMs?: number | undefined;
}

/**
 * A multi-key atomic commit. A key may not be both set and deleted, nor set twice; that
 * rejects with `KVKIT_INVALID_OPTION`. The number of checks, sets and deletes together may not
 * exceed `manifest.limits.maxBatchSize`.
 */
export interface AtomicCommit {
  readonly checks?: readonly VersionCheck[] | undefined;
  readonly set?: readonly CommitSet[] | undefined;
  readonly delete?: readonly string[] | undefined;
}

/** What a successful commit resolves. */
export interface CommitResult {
  /** The new version of every key the commit set. */
  readonly versions: ReadonlyMap<string, Version>;
}

/**
 * Optimistic concurrency: versioned reads, compare-and-set and multi-key atomic commits.
 *
 * A refused check rejects with `KVKIT_CONFLICT` (the `ConflictError` lists the keys) and
 * writes nothing. When the store may or may not have applied the write (the answer was lost),
 * the call rejects with `KVKIT_OUTCOME_UNKNOWN`: never a false success, never a false
 * conflict, never a write applied twice.
 */
export interface AtomicWriteCapability {
  /** Resolves the value and its version, or `undefined` when the key is missing. */
  getVersioned(key: string, options?: OperationOptions): Promise<VersionedValue | undefined>;

  /**
   * Writes `value` only if `key` is at `expected` (or absent, when `expected` is `null`).
   * Resolves the new version.
   *
   * @throws `KVKIT_CONFLICT` when the key is at another version; nothing was written.
   */
  compareAndSet(
    key: string,
    expected: Version | null,
    value: Uint8Array,
    options?: WriteOptions,
  ): Promise<Version>;

  /**
   * Applies every set and delete at once if every check holds, or nothing at all.
   *
   * @throws `KVKIT_CONFLICT` listing every failed check; nothing was written.
   */
  commit(operations: AtomicCommit, options?: OperationOptions): Promise<CommitResult>;
}
