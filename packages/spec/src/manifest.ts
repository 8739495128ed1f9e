import type { CapabilityName } from "./backend.ts";

/** One boolean per optional capability. Declared by the backend, never inferred. */
export type CapabilityManifest = Readonly<Record<CapabilityName, boolean>>;

/**
 * What a completed write survives:
 * - `none`: nothing beyond the process (memory);
 * - `process`: a crash of the writing process (the data reached the OS or a server);
 * - `power`: a power loss (fsync'd, or acknowledged by a server that persists before replying).
 */
export type Durability = "none" | "process" | "power";

/**
 * Whose writes a watch sees: writes made through this process's instances only, or writes
 * made by any process on the same store.
 */
export type WatchReach = "in-process" | "cross-process";

/** Size limits, as data the testkit and applications read. */
export interface Limits {
  /** Largest key, in UTF-8 bytes (not counting a namespace prefix). */
  readonly maxKeyBytes: number;
  /** Largest value, in bytes. */
  readonly maxValueBytes: number;
  /** Most entries in one batch call or one atomic commit. */
  readonly maxBatchSize: number;
}

/**
 * What a backend declares about itself. The testkit runs the cases of every declared
 * capability, checks that undeclared ones are refused with `KVKIT_NOT_SUPPORTED`, and tests
 * the limits and guarantees below. Fields about an undeclared capability are ignored.
 */
export interface Manifest {
  /** Which optional capabilities the backend implements. */
  readonly capabilities: CapabilityManifest;
  readonly limits: Limits;
  /** `list()` yields keys in UTF-8 byte order and supports `reverse`. */
  readonly orderedList: boolean;
  readonly durability: Durability;
  /** Several instances opened on the same store (same directory, same server and prefix) see each other's writes. */
  readonly sharedStore: boolean;
  /** With `batch`: write batches are all-or-nothing. */
  readonly atomicBatch: boolean;
  /** With `watch`: whose writes a watch sees. */
  readonly watchReach: WatchReach;
  /** With `watch`: events carry cursors and `watch({ cursor })` resumes from them. */
  readonly watchResumable: boolean;
  /** With `ttl`: how precise expiry is, in milliseconds. */
  readonly ttlResolutionMs: number;
  /** With `health`: the longest `health()` takes to resolve, in milliseconds. */
  readonly healthTimeoutMs: number;
}
